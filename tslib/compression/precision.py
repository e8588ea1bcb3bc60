"""Reduced precision: which the CPU can do fast, and a bf16 / fp16 copy of an encoder.

A reduced-precision step only pays where the hardware has native instructions for
it: bf16 dot products (``avx512_bf16``, ``amx_bf16``) or int8 dot products
(``avx512_vnni``, ``avx_vnni``, ``amx_int8``). Without them torch emulates the
arithmetic in fp32 plus conversions, which is slower than fp32.
:func:`precision_support` reads the CPU flags (``/proc/cpuinfo``) and torch's
dispatch level and says, with the reason, what is supported;
:func:`reduced_precision` makes the copy (a GPU runs fp16 / bf16 natively).

Having the instructions is necessary, not sufficient: a step is more than its
GEMM (gate nonlinearities and state updates run elementwise in the reduced dtype),
so the benchmark measures the step before anyone relies on it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch

from tslib.compression.structured import check_prunable
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = ["PrecisionSupport", "cpu_flags", "precision_support", "reduced_precision"]

BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # native bf16 dot products
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")  # native int8 dot products
REPORTED_FLAGS = ("avx", "fma", "f16c", "avx2", "avx512f", *BF16_FLAGS, *INT8_FLAGS)


@dataclass(frozen=True)
class PrecisionSupport:
    """What reduced precision this CPU runs natively, and why."""

    cpu: str  # model name from /proc/cpuinfo ("unknown" elsewhere)
    torch_capability: str  # torch.backends.cpu.get_cpu_capability(), e.g. "AVX2"
    flags: tuple[str, ...]  # the relevant ISA flags present (see REPORTED_FLAGS)
    bf16: bool  # native bf16 dot products
    bf16_reason: str  # why (not) supported
    int8: bool  # native int8 dot products
    int8_reason: str  # why (not) supported


def cpu_flags(cpuinfo: str) -> tuple[str, frozenset[str]]:
    """Model name and ISA flags of the first processor in ``/proc/cpuinfo`` text."""
    model, flags = "unknown", frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model == "unknown":
            model = value.strip()
        elif key.strip() in ("flags", "Features") and not flags:
            flags = frozenset(value.split())
    return model, flags


def _verdict(kind: str, wanted: tuple[str, ...], present: frozenset[str], known: bool) -> tuple:
    found = [flag for flag in wanted if flag in present]
    if found:
        return True, f"{kind} supported: {', '.join(found)} present"
    if not known:
        return False, f"{kind} not supported on this CPU: its ISA flags are unknown"
    return False, (
        f"{kind} not supported on this CPU: none of {', '.join(wanted)} "
        "(the arithmetic would be emulated in fp32, slower than the fp32 step)"
    )


def precision_support(cpuinfo_path: str | Path = "/proc/cpuinfo") -> PrecisionSupport:
    """Detect native bf16 and int8 support of this CPU.

    Parameters
    ----------
    cpuinfo_path : str or Path
        The Linux CPU description; when it cannot be read, both are unsupported
        with the reason "flags are unknown".

    Returns
    -------
    PrecisionSupport
    """
    try:
        text = Path(cpuinfo_path).read_text()
    except OSError:
        text = ""
    model, flags = cpu_flags(text)
    known = bool(flags)
    bf16, bf16_reason = _verdict("bf16", BF16_FLAGS, flags, known)
    int8, int8_reason = _verdict("int8", INT8_FLAGS, flags, known)
    return PrecisionSupport(
        cpu=model,
        torch_capability=torch.backends.cpu.get_cpu_capability(),
        flags=tuple(flag for flag in REPORTED_FLAGS if flag in flags),
        bf16=bf16,
        bf16_reason=bf16_reason,
        int8=int8,
        int8_reason=int8_reason,
    )


def reduced_precision(
    model: RecurrentEncoder, dtype: torch.dtype = torch.bfloat16
) -> RecurrentEncoder:
    """A copy of ``model`` whose weights and state are ``dtype`` (bf16 or fp16).

    The copy is an ordinary RecurrentEncoder: it steps and forwards in ``dtype``
    (inputs are cast), so the runner serves it; step equals forward to the
    precision of ``dtype``, not to 1e-5.

    Raises
    ------
    InputError
        ``dtype`` is not torch.bfloat16 / torch.float16, or the model is not a
        float RecurrentEncoder.
    """
    check_prunable(model, "reduced_precision")
    if dtype not in (torch.bfloat16, torch.float16):
        raise InputError(f"reduced_precision: dtype must be bfloat16 or float16, got {dtype}")
    return copy.deepcopy(model).to(dtype)
