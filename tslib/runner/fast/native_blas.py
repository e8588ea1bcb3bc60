"""The BLAS ``sgemm`` that torch itself calls, for the native kernels' fused GEMM tiles.

torch's CPU builds for x86-64 link MKL statically into ``libtorch_cpu`` and export
its Fortran ``sgemm_``. :func:`sgemm_address` returns that function's address so the
native library can run the gate GEMM tile by tile (the same BLAS kernel as
``torch.addmm``) and do the gate arithmetic while the tile is still in cache.
The integers are passed as pointers to int64 holding small non-negative values,
which read the same as LP64 (int32) or ILP64 (int64) arguments on a little-endian
machine.

A wrong guess about the calling convention would not raise: it would corrupt
memory or kill the interpreter. So the address is first exercised by
:func:`sgemm_max_error` **in a subprocess**, the load-time probe of
:mod:`.native_probe`, and the native path calls it only when that probe passed
(:attr:`~tslib.runner.fast.native_build.NativeLibrary.sgemm`); otherwise the
kernels call ``torch.mm`` per layer instead.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from pathlib import Path

import numpy as np
import torch

__all__ = ["sgemm_address", "sgemm_max_error"]

_I64 = ctypes.POINTER(ctypes.c_int64)
_F32 = ctypes.POINTER(ctypes.c_float)
_SGEMM = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_char_p, _I64, _I64, _I64, _F32, _F32, _I64, _F32, _I64,
    _F32, _F32, _I64,
)  # fmt: skip
#: (rows, inner, cols, padding of the leading dimensions) of the probe's products:
#: tiny, odd and tile-like shapes, with and without strided rows.
_SHAPES = [(3, 5, 4, 0), (37, 29, 53, 3), (256, 67, 256, 0), (9, 1, 7, 5)]


def _candidates() -> list[Path]:
    folder = Path(torch.__file__).resolve().parent / "lib"
    return [folder / name for name in ("libtorch_cpu.so", "libtorch_cpu.dylib")]


@functools.cache
def sgemm_address() -> int | None:
    """Address of torch's exported Fortran ``sgemm_``, or None (not called here).

    ``None`` on big-endian machines (the int64-for-int32 trick needs little-endian)
    and where ``libtorch_cpu`` exports no ``sgemm_`` (another BLAS, macOS builds).
    """
    if sys.byteorder != "little":
        return None
    for path in _candidates():
        if not path.exists():
            continue
        try:
            address = ctypes.cast(ctypes.CDLL(str(path)).sgemm_, ctypes.c_void_p).value
        except (OSError, AttributeError):
            continue
        if address:
            return address
    return None


def sgemm_max_error(address: int) -> float:
    """Largest |error| of row-major products through ``address`` against ``torch.mm``.

    Each product ``a (m, k) @ b (k, n)`` is computed as the column-major
    ``c^T = b^T a^T``, the way the native kernels call it, with leading dimensions
    wider than the rows where the shape says so. Returns ``inf`` when a result is
    not finite (for instance left at its NaN fill). Run it in a subprocess: a wrong
    calling convention crashes the process.
    """
    sgemm = _SGEMM(address)
    rng = np.random.default_rng(0)
    worst = 0.0
    for m, k, n, pad in _SHAPES:
        a = np.zeros((m, k + pad), dtype=np.float32)  # rows with stride k + pad
        b = np.zeros((k, n + pad), dtype=np.float32)
        a[:, :k] = rng.standard_normal((m, k))
        b[:, :n] = rng.standard_normal((k, n))
        c = np.full((m, n + pad), np.nan, dtype=np.float32)
        dims = [ctypes.c_int64(v) for v in (n, m, k, n + pad, k + pad, n + pad)]
        one, zero = ctypes.c_float(1.0), ctypes.c_float(0.0)

        def ptr(array: np.ndarray):
            return array.ctypes.data_as(_F32)

        sgemm(b"N", b"N", *dims[:3], one, ptr(b), dims[3], ptr(a), dims[4], zero, ptr(c), dims[5])
        expected = torch.mm(torch.from_numpy(a[:, :k]), torch.from_numpy(b[:, :n])).numpy()
        got = c[:, :n]
        if not np.isfinite(got).all():
            return float("inf")
        worst = max(worst, float(np.abs(got - expected).max() / max(1.0, np.abs(expected).max())))
    return worst
