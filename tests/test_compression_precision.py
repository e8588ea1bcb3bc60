"""tslib.compression.precision: CPU bf16 / int8 detection and the reduced-precision copy."""

from __future__ import annotations

import pytest
import torch

from tslib.compression import (
    PrecisionSupport,
    cpu_flags,
    precision_support,
    quantize_dynamic_int8,
    reduced_precision,
)
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner import StepwiseRunner

OLD_EPYC = "processor\t: 0\nmodel name\t: AMD EPYC 7B12\nflags\t\t: fpu sse avx fma f16c\n"
XEON = (
    "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum\n"
    "flags\t\t: avx avx2 avx512f avx512_vnni avx512_bf16 amx_int8\n"
    "processor\t: 1\nmodel name\t: other\nflags\t\t: avx\n"
)
ZEN3 = "model name\t: AMD EPYC 7763\nflags\t\t: avx fma f16c avx2 avx_vnni\n"


def write(tmp_path, text: str):
    path = tmp_path / "cpuinfo"
    path.write_text(text)
    return path


def test_cpu_flags_reads_the_first_processor():
    model, flags = cpu_flags(XEON)
    assert model == "Intel(R) Xeon(R) Platinum"
    assert {"avx512_bf16", "amx_int8"} <= flags and "fpu" not in flags
    assert cpu_flags("") == ("unknown", frozenset())


def test_a_cpu_without_bf16_or_vnni_says_why_not(tmp_path):
    support = precision_support(write(tmp_path, OLD_EPYC))
    assert isinstance(support, PrecisionSupport)
    assert support.cpu == "AMD EPYC 7B12"
    assert support.flags == ("avx", "fma", "f16c")
    assert not support.bf16 and not support.int8
    assert support.bf16_reason.startswith("bf16 not supported on this CPU: none of avx512_bf16")
    assert "int8 not supported on this CPU: none of avx512_vnni, avx_vnni, amx_int8" in (
        support.int8_reason
    )
    assert support.torch_capability == torch.backends.cpu.get_cpu_capability()


def test_avx512_bf16_and_vnni_are_detected(tmp_path):
    support = precision_support(write(tmp_path, XEON))
    assert support.bf16 and support.int8
    assert support.bf16_reason == "bf16 supported: avx512_bf16 present"
    assert support.int8_reason == "int8 supported: avx512_vnni, amx_int8 present"
    zen3 = precision_support(write(tmp_path, ZEN3))
    assert zen3.int8 and not zen3.bf16  # AVX-VNNI without bf16


def test_unreadable_cpuinfo_means_unknown(tmp_path):
    support = precision_support(tmp_path / "missing")
    assert not support.bf16 and not support.int8
    assert support.bf16_reason == "bf16 not supported on this CPU: its ISA flags are unknown"


def test_this_machine_is_described():
    support = precision_support()
    assert support.bf16_reason.startswith("bf16 ") and support.int8_reason.startswith("int8 ")


@pytest.mark.skipif(
    not precision_support().bf16, reason="no native bf16 on this CPU (avx512_bf16 / amx_bf16)"
)
def test_bf16_copy_steps_like_its_forward_and_stays_close_to_fp32():
    model = RecurrentEncoder(3, 16, 1, num_layers=2, seed=0).eval()
    low = reduced_precision(model)
    assert type(low) is RecurrentEncoder and next(low.parameters()).dtype == torch.bfloat16
    assert next(model.parameters()).dtype == torch.float32  # a copy
    x = torch.randn(4, 12, 3, generator=torch.Generator().manual_seed(0))  # (B, T, F)
    runner = StepwiseRunner(low, device="cpu")
    with torch.inference_mode():
        forward = low(x)[0].float()  # (B, T, O)
        reference = model(x)[0]
        stepped = torch.stack([runner.step(range(4), x[:, t]).float() for t in range(12)], 1)
    torch.testing.assert_close(stepped, forward, atol=0.03, rtol=0.03)  # bf16: 8 mantissa bits
    torch.testing.assert_close(forward, reference, atol=0.05, rtol=0.05)


def test_reduced_precision_rejects_bad_input():
    model = RecurrentEncoder(3, 4, 1, seed=0)
    with pytest.raises(InputError, match="dtype must be bfloat16 or float16, got torch.float64"):
        reduced_precision(model, torch.float64)
    with pytest.raises(InputError, match="expected a float RecurrentEncoder, got GRU"):
        reduced_precision(torch.nn.GRU(3, 4), torch.bfloat16)
    with pytest.raises(InputError, match="got QuantizedRecurrentEncoder"):
        reduced_precision(quantize_dynamic_int8(model))
