"""Build, check and load the native bf16 LSTM step (:mod:`.native_bf16_source`).

:func:`load_bf16` compiles the source with ``-mavx512f -mavx512bf16`` into the native
kernels' cache folder (:func:`~tslib.runner.fast.native_build.cache_dir`, same compiler
lookup), runs ``tslib_bf16_selftest`` once in a subprocess (an illegal instruction there
cannot take this process down; the verdict is cached next to the library) and loads it.
:func:`bf16_native_support` says whether that is possible here, with a one-line reason:
the CPU must list ``avx512_bf16`` and the compiler must accept ``-mavx512bf16``.
``TSLIB_NATIVE=0`` disables it like the fp32 native kernels.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from tslib.runner.fast.native_bf16_source import BF16_ABI_VERSION, BF16_SOURCE
from tslib.runner.fast.native_build import (
    _openmp_runtimes,
    cache_dir,
    compile_cached,
    find_compiler,
    native_enabled,
)

__all__ = ["BF16_FLAGS", "Bf16Args", "Bf16Library", "bf16_native_support", "load_bf16"]

BF16_FLAGS = ("-O3", "-fPIC", "-shared", "-fno-math-errno", "-mavx512f", "-mavx512bf16", "-lm")
#: Tried first: threads for large batches (sharing torch's OpenMP runtime when it is libgomp).
OPENMP_FLAGS = ("-fopenmp",)

_P = ctypes.c_void_p
_LOCK = threading.Lock()
_LOADED: dict[tuple, tuple[Bf16Library | None, str]] = {}  # (folder, shape) -> (library, why)


@dataclass(frozen=True)
class Bf16Library:
    """The loaded bf16 step library."""

    step: ctypes._CFuncPtr  # tslib_bf16_step(const tslib_bf16_args *) -> status
    openmp: bool  # built with OpenMP and sharing torch's runtime: large batches may use threads
    path: Path  # the cached shared library
    flags: tuple[str, ...]  # compiler flags


class Bf16Args(ctypes.Structure):
    """ctypes mirror of ``tslib_bf16_args`` (checked against its C size at load)."""

    _fields_ = [
        (name, ctypes.c_int64)
        for name in ("batch", "n_in", "hidden", "layers", "n_out", "capacity", "start")
    ] + [(name, ctypes.c_int64) for name in ("k_pad", "c_pad", "check_finite", "nthreads")] + [
        (name, _P)
        for name in ("x", "slots", "h_pool", "c_pool", "weights", "biases", "w_out", "b_out",
                     "y", "xh", "gates", "hbuf")
    ]  # fmt: skip


def _cpu_has_bf16(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    try:
        text = Path(cpuinfo_path).read_text()
    except OSError:
        return False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return "avx512_bf16" in value.split()
    return False


def _shape_flags(shape: tuple[int, int, int, int] | None) -> tuple[str, ...]:
    """``-DFIX_*`` for a library built for one (n_in, hidden, layers, n_out): constant
    loop bounds (about 1.3x faster at large batches than the general build)."""
    if shape is None:
        return ()
    return tuple(f"-DFIX_{name}={int(v)}" for name, v in zip(("IN", "H", "L", "O"), shape))


def _build(compiler: str, folder: Path, flags: tuple[str, ...]) -> Path:
    identity = subprocess.run(
        [compiler, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    parts = [BF16_SOURCE, compiler, identity, *flags]
    return compile_cached(BF16_SOURCE, parts, compiler, flags, folder, prefix="bf16-")


def _selftest(path: Path) -> str:
    """'' when the library loads and its bf16 self-test passes in a subprocess, else why."""
    verdict = path.with_suffix(".ok")
    if verdict.exists():
        return ""
    code = (
        "import ctypes, sys; lib = ctypes.CDLL(sys.argv[1]); "
        "sys.exit(0 if lib.tslib_bf16_selftest() == 1 else 3)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        return f"the bf16 self-test failed in a subprocess (exit {result.returncode})"
    verdict.write_text("ok\n")
    return ""


def _load_uncached(shape: tuple[int, int, int, int] | None) -> tuple[Bf16Library | None, str]:
    if not native_enabled():
        return None, "native kernels disabled (TSLIB_NATIVE=0)"
    if not sys.platform.startswith("linux"):
        return None, f"the native bf16 step needs Linux on x86-64 (this is {sys.platform})"
    if not _cpu_has_bf16():
        return None, "this CPU lacks avx512_bf16 (no native bf16 dot products)"
    compiler = find_compiler()
    if compiler is None:
        return None, "no C compiler found ($CC, cc, gcc, clang)"
    path, errors = None, []
    for extra in (OPENMP_FLAGS, ()):  # with OpenMP if the compiler has it, else serial
        flags = BF16_FLAGS + extra + _shape_flags(shape)
        try:
            path = _build(compiler, cache_dir(), flags)
            break
        except subprocess.CalledProcessError as error:
            tail = (error.stderr or "").strip().splitlines()[-1:] or [""]
            errors.append(f"{compiler} does not build it with {' '.join(flags)}: {tail[0][:200]}")
        except (OSError, subprocess.SubprocessError) as error:
            errors.append(f"building the bf16 kernel failed: {error!r}")
    if path is None:
        return None, errors[-1]
    problem = _selftest(path)
    if problem:
        return None, problem
    library = ctypes.CDLL(str(path))
    library.tslib_bf16_step.argtypes, library.tslib_bf16_step.restype = [_P], ctypes.c_int
    library.tslib_bf16_args_size.restype = ctypes.c_int64
    if library.tslib_bf16_abi() != BF16_ABI_VERSION:
        return None, f"{path}: ABI {library.tslib_bf16_abi()} != {BF16_ABI_VERSION}"
    if library.tslib_bf16_args_size() != ctypes.sizeof(Bf16Args):
        return None, "the C argument struct and its ctypes mirror differ in size"
    # Two OpenMP runtimes (ours and another torch bundles) would spin on the same cores.
    openmp = bool(library.tslib_bf16_openmp()) and len(_openmp_runtimes()) <= 1
    library = Bf16Library(step=library.tslib_bf16_step, openmp=openmp, path=path, flags=flags)
    return library, "native bf16 step available (avx512_bf16, -mavx512bf16)"


def load_bf16(
    shape: tuple[int, int, int, int] | None = None,
) -> tuple[Bf16Library | None, str]:
    """The bf16 step library (or None) and a one-line reason; built once per process.

    ``shape``: (n_in, hidden, layers, n_out) for a library built for that model shape
    only (its step returns -3 for any other); ``None``: the general build.
    """
    key = (str(cache_dir()), shape)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load_uncached(shape)
        return _LOADED[key]


def bf16_native_support() -> tuple[bool, str]:
    """Whether the native bf16 step runs here, and a one-line reason."""
    library, reason = load_bf16()
    return library is not None, reason
