"""Which instruction set the native kernels' per-ISA clones run with on this CPU.

With ``TSLIB_CLONES`` the hot loops of :mod:`.native_source` are compiled for
AVX-512, AVX2 and baseline x86-64 (``target_clones``) and the dynamic loader picks
the highest one the CPU supports. ``tslib_native_isa`` (C, appended to the source)
repeats that choice with ``__builtin_cpu_supports`` so that a benchmark can record
which variant ran; :data:`ISA_NAMES` names its codes.
"""

from __future__ import annotations

__all__ = ["ISA_NAMES", "ISA_SOURCE"]

#: ``tslib_native_isa()`` code -> name of the clone the loader picked.
ISA_NAMES = {2: "avx512f", 1: "avx2", 0: "x86-64 baseline", -1: "one build (no clones)"}

#: C source of ``tslib_native_isa`` (part of the library source).
ISA_SOURCE = r"""
/* The clone target_clones("avx512f", "avx2", "default") resolves to on this CPU:
   2 avx512f, 1 avx2, 0 baseline; -1 when built without clones. */
int tslib_native_isa(void) {
#ifdef TSLIB_CLONES
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
    return 0;
#else
    return -1;
#endif
}
"""
