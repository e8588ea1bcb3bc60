"""The BLAS ``sgemm`` that torch itself calls, for the native kernels' fused GEMM tiles.

torch's CPU builds for x86-64 link MKL statically into ``libtorch_cpu`` and export
its Fortran ``sgemm_``. :func:`torch_sgemm` returns that function's address so the
native library can run the gate GEMM tile by tile (the same BLAS kernel as
``torch.addmm``) and do the gate arithmetic while the tile is still in cache.
The integers are passed as pointers to int64 holding small non-negative values,
which read the same as LP64 (int32) or ILP64 (int64) arguments on a little-endian
machine. The address is used only after one small product checks out against
NumPy; otherwise (another BLAS, no such symbol, big-endian) it is ``None`` and the
kernels call ``torch.mm`` per layer instead.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
from pathlib import Path

import numpy as np
import torch

__all__ = ["torch_sgemm"]

logger = logging.getLogger(__name__)

_I64 = ctypes.POINTER(ctypes.c_int64)
_F32 = ctypes.POINTER(ctypes.c_float)
_SGEMM = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_char_p, _I64, _I64, _I64, _F32, _F32, _I64, _F32, _I64,
    _F32, _F32, _I64,
)  # fmt: skip


def _candidates() -> list[Path]:
    folder = Path(torch.__file__).resolve().parent / "lib"
    return [folder / name for name in ("libtorch_cpu.so", "libtorch_cpu.dylib")]


def _checks_out(address: int) -> bool:
    """Multiply a (3, 5) by a (5, 4) row-major matrix through ``address``; compare to NumPy."""
    sgemm = _SGEMM(address)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 5)).astype(np.float32)
    b = rng.standard_normal((5, 4)).astype(np.float32)
    c = np.full((3, 4), np.nan, dtype=np.float32)
    m, n, k = (ctypes.c_int64(v) for v in (4, 3, 5))  # column-major c^T = b^T a^T
    one, zero = ctypes.c_float(1.0), ctypes.c_float(0.0)

    def ptr(array: np.ndarray):
        return array.ctypes.data_as(_F32)

    sgemm(b"N", b"N", m, n, k, one, ptr(b), m, ptr(a), k, zero, ptr(c), m)
    return bool(np.allclose(c, a @ b, atol=1e-5))


@functools.cache
def torch_sgemm() -> int | None:
    """Address of torch's exported Fortran ``sgemm_`` (checked on a small product), or None."""
    if sys.byteorder != "little":
        return None
    for path in _candidates():
        if not path.exists():
            continue
        try:
            address = ctypes.cast(ctypes.CDLL(str(path)).sgemm_, ctypes.c_void_p).value
        except (OSError, AttributeError):
            continue
        if address and _checks_out(address):
            return address
        logger.debug("sgemm_ in %s failed the check; not used", path)
    return None
