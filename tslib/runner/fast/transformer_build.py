"""Build, cache and load the native transformer step (:mod:`.transformer_source`).

Same conventions as :mod:`.native_build` (whose compiler lookup, cache folder and
``TSLIB_NATIVE`` switch it reuses): the library is compiled at first use with
``-O3 -fPIC -shared -fno-math-errno -fopenmp-simd`` (never ``-ffast-math``, never
``-march=native``; the loops carry per-ISA clones on x86-64) into a file named by
the SHA-256 of the source, the compiler's identity and the flags, written to a
private temporary file and moved into place atomically. Flag sets are tried
fastest first; the last is plain C.

:func:`load_transformer_native` returns ``None`` (and :func:`native_problem` says
why, in one line) when native kernels are disabled, no compiler is found or every
build fails; the transformer kernel then falls back to the plain step.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import subprocess
import sys
import threading
from pathlib import Path

from tslib.runner.fast.native_build import (
    cache_dir,
    compile_cached,
    find_compiler,
    native_enabled,
)
from tslib.runner.fast.transformer_source import TF_ABI_VERSION, TF_SOURCE

__all__ = ["load_transformer_native", "native_problem"]

logger = logging.getLogger(__name__)

_BASE_FLAGS = ("-O3", "-fPIC", "-shared", "-fno-math-errno", "-fopenmp-simd")
_LOCK = threading.Lock()
_LOADED: dict[str, ctypes._CFuncPtr | None] = {}  # cache folder -> step function
_PROBLEMS: dict[str, str] = {}  # cache folder -> why the library is unavailable

_P = ctypes.c_void_p
_I = ctypes.c_int64
_STEP_ARGS = [_P, _P, _P, _I, _I, _P]


def _flag_sets() -> list[tuple[str, ...]]:
    """Flag sets to try, fastest first."""
    x86 = platform.machine() in ("x86_64", "AMD64")
    linux_x86 = sys.platform.startswith("linux") and x86
    clones = ("-DTSLIB_CLONES",) if x86 else ()
    sets = []
    if linux_x86:  # vector expf (and erff, glibc >= 2.35) from libmvec
        libmvec = ("-DTSLIB_LIBMVEC", "-lmvec", "-lm")
        sets.append(_BASE_FLAGS + clones + ("-DTSLIB_LIBMVEC_ERF",) + libmvec)
        sets.append(_BASE_FLAGS + clones + libmvec)
    sets.append(_BASE_FLAGS + clones + ("-lm",))
    if clones:
        sets.append(_BASE_FLAGS + ("-lm",))
    return sets


def _build(compiler: str, identity: str, flags: tuple[str, ...], folder: Path) -> Path:
    """Compile (or reuse) the library for ``flags``; return its cached path."""
    parts = [TF_SOURCE, str(TF_ABI_VERSION), compiler, identity, *flags]
    return compile_cached(TF_SOURCE, parts, compiler, flags, folder, prefix="transformer-")


def _load(path: Path) -> ctypes._CFuncPtr:
    library = ctypes.CDLL(str(path))
    library.tslib_tf_abi.restype = ctypes.c_int
    if library.tslib_tf_abi() != TF_ABI_VERSION:
        raise OSError(f"{path}: ABI {library.tslib_tf_abi()} != {TF_ABI_VERSION}")
    step = library.tslib_tf_step
    step.argtypes, step.restype = _STEP_ARGS, ctypes.c_int
    return step


def _try_build() -> tuple[ctypes._CFuncPtr | None, list[str]]:
    compiler = find_compiler()
    if compiler is None:
        return None, ["no C compiler found ($CC, cc, gcc, clang)"]
    try:
        result = subprocess.run(
            [compiler, "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, [f"{compiler} --version failed: {error!r}"]
    errors = []
    for flags in _flag_sets():
        try:
            return _load(_build(compiler, result.stdout.strip(), flags, cache_dir())), errors
        except (OSError, AttributeError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", "") or ""
            errors.append(f"{' '.join(flags)}: {error!r} {detail[-300:]}")
    return None, errors


def load_transformer_native() -> ctypes._CFuncPtr | None:
    """The ctypes function ``tslib_tf_step``, built on first use; ``None`` when unavailable.

    Cached per process and cache folder; ``TSLIB_NATIVE=0`` disables it (checked
    on every call, so a kernel built inside :func:`benchmarks.common.native_disabled`
    gets ``None``).
    """
    if not native_enabled():
        return None
    key = str(cache_dir())
    with _LOCK:
        if key not in _LOADED:
            step, errors = _try_build()
            _LOADED[key] = step
            if step is None:
                _PROBLEMS[key] = "; ".join(errors)
                logger.debug("tslib native transformer step unavailable: %s", _PROBLEMS[key])
        return _LOADED[key]


def native_problem() -> str:
    """One line saying why :func:`load_transformer_native` gives ``None`` (empty if it does not)."""
    if not native_enabled():
        return "native kernels disabled (TSLIB_NATIVE=0)"
    return _PROBLEMS.get(str(cache_dir()), "")
