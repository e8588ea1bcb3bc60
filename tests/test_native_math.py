"""The native kernels' gate maths ("poly" and "libm") on every ISA this CPU can run.

Both maths kinds of :data:`tslib.runner.fast.recurrent_source.MATH_CODES` must equal PlainKernel
within 1e-5 (outputs and every pool row) for every cell and native variant (whole
step in C, GEMM tiles, torch.mm + C pass), including gates driven far into
saturation. The library normally picks its ISA clone at load time; here it is also
built for each instruction set separately (AVX-512, AVX2 + FMA, baseline x86-64),
each one only where this CPU has it, so that every variant that can run here is
checked, not only the one the loader picks.
"""

from __future__ import annotations

import platform
import sys

import pytest
import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner.fast import RecurrentKernel, recurrent_library
from tslib.runner.fast.recurrent_source import MATH_CODES
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}
LINUX_X86 = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
_BASE = ("-O3", "-fPIC", "-shared", "-fno-math-errno", "-fopenmp", "-DTSLIB_LIBMVEC")
#: ISA -> (cpuinfo flags it needs, compiler flags of a one-ISA build).
ISA_BUILDS = {
    "avx512f": (("avx512f",), ("-mavx512f",)),
    "avx2+fma": (("avx2", "fma"), ("-mavx2", "-mfma")),
    "x86-64 baseline": ((), ()),
}


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@pytest.fixture(scope="module")
def library():
    loaded = recurrent_library.load_native()
    if loaded is None or not loaded.vector_math:
        pytest.skip("native kernels with vector maths unavailable here")
    return loaded


def variants(library) -> list[str]:
    return ["small", "mm"] + (["tiled"] if library.sgemm else [])


def check_exact(cell: str, math: str, variant: str, saturate: bool = False) -> None:
    """Two steps of the native ``variant`` with ``math`` against PlainKernel.

    ``saturate``: biases of magnitude 30-100 drive every gate to 0 or 1 (exp of the
    pre-activations under- or overflows float32 without the clamps).
    """
    torch.manual_seed(0)
    model = RecurrentEncoder(3, 24, 2, num_layers=2, cell=cell).eval()
    if saturate:
        with torch.no_grad():
            for name, parameter in model.core.named_parameters():
                if name.startswith("bias"):
                    sign = torch.randint(0, 2, parameter.shape) * 2 - 1
                    parameter.copy_(sign * (30.0 + 70.0 * torch.rand(parameter.shape)))
    kernel = RecurrentKernel(model, native_small_max=0 if variant != "small" else 16)
    assert kernel.native is not None
    kernel.native.math = math
    if variant == "mm":
        kernel.native.tiled = False
    batch = 3 if variant == "small" else 37
    generator = torch.Generator().manual_seed(1)
    pool = tuple(torch.randn(s.shape, generator=generator) for s in model.init_state(50))
    plain_pool = tuple(t.clone() for t in pool)
    index = torch.randperm(50, generator=generator)[:batch]
    plain = PlainKernel(model)
    with torch.inference_mode():
        for _ in range(2):
            x = torch.randn(batch, 3, generator=generator)  # (B, F)
            assert kernel.native.accepts(x, pool, index)
            torch.testing.assert_close(
                kernel.native(x, pool, index, None), plain(x, plain_pool, index), **TOL
            )
    for fast_rows, plain_rows in zip(pool, plain_pool):
        torch.testing.assert_close(fast_rows, plain_rows, **TOL)


@pytest.mark.parametrize("math", list(MATH_CODES))
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_both_maths_equal_plain_on_every_variant(library, math, cell):
    for variant in variants(library):
        check_exact(cell, math, variant)


@pytest.mark.parametrize("math", list(MATH_CODES))
def test_saturated_gates_equal_plain(library, math):
    """Pre-activations of +-30-100: the clamps of the polynomial exp, the 0 and 1 limits."""
    for cell in ("lstm", "gru", "rnn"):
        for variant in variants(library):
            check_exact(cell, math, variant, saturate=True)


def test_math_is_validated(library):
    kernel = RecurrentKernel(RecurrentEncoder(2, 4, 1).eval())
    with pytest.raises(InputError, match="math"):
        kernel.native.math = "fast"
    assert kernel.native.math == "poly"  # the default, unchanged by the failed assignment


@pytest.mark.skipif(not LINUX_X86, reason="one-ISA builds with libmvec: x86-64 Linux only")
@pytest.mark.parametrize("isa", list(ISA_BUILDS))
def test_one_isa_builds_are_probed_and_exact(library, tmp_path, monkeypatch, isa):
    needs, flags = ISA_BUILDS[isa]
    missing = [flag for flag in needs if flag not in cpu_flags()]
    if missing:
        pytest.skip(f"this CPU lacks {missing}: the {isa} build cannot run here")
    monkeypatch.setenv("TSLIB_NATIVE", "1")
    monkeypatch.setenv("TSLIB_NATIVE_CACHE", str(tmp_path))
    build = (*_BASE, *flags, "-lmvec", "-lm")
    monkeypatch.setattr(recurrent_library, "_flag_sets", lambda: [build])
    loaded = recurrent_library.load_native()
    assert loaded is not None, f"the {isa} build must compile and pass the probe"
    assert loaded.isa == "one build (no clones)" and loaded.vector_math
    for math in MATH_CODES:
        for cell in ("lstm", "gru"):
            for variant in variants(loaded):
                check_exact(cell, math, variant)
