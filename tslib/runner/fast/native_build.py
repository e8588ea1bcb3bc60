"""Build, cache and load the native step kernels (C, compiled at first use, loaded with ctypes).

:func:`load_native` compiles :data:`~tslib.runner.fast.native_source.SOURCE` with
the system C compiler into a shared library cached under
``$XDG_CACHE_HOME/tslib/native/`` (default ``~/.cache/tslib/native/``; the
environment variable ``TSLIB_NATIVE_CACHE`` overrides the folder). The file name
is the SHA-256 of the source, the compiler's identity and the flags, so a new
source or compiler builds a new file, and concurrent builds are safe: each
writes a private temporary file and moves it into place with :func:`os.replace`.

Flags: ``-O3 -fPIC -shared -fno-math-errno`` plus, when they work, ``-fopenmp``
and glibc's vector maths (``-lmvec``). ``-fno-math-errno`` only stops libm from
setting ``errno`` (which nothing reads); it does not change a single result, unlike
``-ffast-math``, which is never used. No ``-march=native``: on x86-64 the loops are
compiled for several ISAs inside one library (``target_clones``).

Before a library is loaded into this process, a subprocess probes it once per
build (:mod:`.native_probe`: struct layout against the ctypes mirrors, every kernel
variant against the reference kernel, torch's ``sgemm`` against ``torch.mm``) and
the verdict is cached next to it. A crash or a mismatch there disables the native
path (or only its ``sgemm`` tile path) with one warning.

When no compiler is found, every build fails, ``TSLIB_NATIVE=0`` is set or the probe
fails, :func:`load_native` returns ``None`` (logged once: at debug level, or as a
warning for a failed probe) and the kernels keep their torch / NumPy paths.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tslib.runner.fast.native_isa import ISA_NAMES
from tslib.runner.fast.native_probe import probe_library
from tslib.runner.fast.native_source import ABI_VERSION, SOURCE
from tslib.runner.fast.native_structs import LayerArgs, StepArgs

__all__ = [
    "LayerArgs",
    "NativeLibrary",
    "StepArgs",
    "cache_dir",
    "compile_cached",
    "find_compiler",
    "load_native",
    "native_enabled",
]

logger = logging.getLogger(__name__)

_BASE_FLAGS = ("-O3", "-fPIC", "-shared", "-fno-math-errno")
_LOCK = threading.Lock()
_LOADED: dict[str, NativeLibrary | None] = {}  # cache folder -> library (or None: failed)

_P = ctypes.c_void_p
_I = ctypes.c_int64
_SIGNATURES = {
    "tslib_native_abi": ([], ctypes.c_int),
    "tslib_native_features": ([], ctypes.c_int),
    "tslib_native_isa": ([], ctypes.c_int),
    "tslib_pack": ([_I, _I, _I, _I, _I, _I, _P, _I, _P, _I, _P, _P, ctypes.c_int], ctypes.c_int),
    "tslib_pointwise": (
        [
            ctypes.c_int,
            _I,
            _I,
            _I,
            _I,
            _I,
            _P,
            _P,
            _P,
            _I,
            _P,
            _P,
            _P,
            _I,
            ctypes.c_int,
            ctypes.c_int,
        ],
        ctypes.c_int,
    ),
    "tslib_layer_tiled": ([_P], ctypes.c_int),
    "tslib_step_small": ([_P], ctypes.c_int),
}


@dataclass
class NativeLibrary:
    """A loaded native kernel library and what it was built with."""

    path: Path  # the cached shared library
    flags: tuple[str, ...]  # compiler flags used
    vector_math: bool  # loops vectorised with libmvec (fast at large batches)
    openmp: bool  # built with OpenMP and sharing torch's OpenMP runtime: may use threads
    pack: ctypes._CFuncPtr  # tslib_pack
    pointwise: ctypes._CFuncPtr  # tslib_pointwise
    layer_tiled: ctypes._CFuncPtr  # tslib_layer_tiled
    step_small: ctypes._CFuncPtr  # tslib_step_small
    sgemm: bool = False  # the probe passed torch's sgemm called from C: the fused tile path
    isa: str = ""  # the per-ISA clone the loader picked on this CPU (native_isa.ISA_NAMES)

    def describe(self) -> dict:
        """What ran, for benchmark records: flags, ISA clone, libmvec, OpenMP, sgemm tiles."""
        return {
            "library": self.path.name,
            "flags": " ".join(self.flags),
            "isa_clone": self.isa,
            "vector_math": self.vector_math,
            "openmp": self.openmp,
            "sgemm_tiles": self.sgemm,
        }


def native_enabled() -> bool:
    """False when the environment variable ``TSLIB_NATIVE`` is ``0`` (or ``false``/``no``/``off``)."""
    return os.environ.get("TSLIB_NATIVE", "1").strip().lower() not in {"0", "false", "no", "off"}


def cache_dir() -> Path:
    """Folder of the cached libraries (``TSLIB_NATIVE_CACHE`` or the per-user cache)."""
    override = os.environ.get("TSLIB_NATIVE_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tslib" / "native"


def find_compiler() -> str | None:
    """Path of the C compiler: ``$CC``, else ``cc``, ``gcc`` or ``clang`` on the PATH."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name:
            path = shutil.which(name)
            if path:
                return path
    return None


def _compiler_identity(compiler: str) -> str:
    result = subprocess.run(
        [compiler, "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout.strip()


def _flag_sets() -> list[tuple[str, ...]]:
    """Flag sets to try, fastest first; the last is plain C (no OpenMP, clones or libmvec)."""
    linux_x86 = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
    clones = ("-DTSLIB_CLONES",) if platform.machine() in ("x86_64", "AMD64") else ()
    sets = []
    for openmp in (("-fopenmp",), ()):
        if linux_x86:
            sets.append(_BASE_FLAGS + openmp + clones + ("-DTSLIB_LIBMVEC", "-lmvec", "-lm"))
        sets.append(_BASE_FLAGS + openmp + clones + ("-lm",))
    if clones:  # target_clones needs ifunc (ELF): e.g. Intel macOS builds without it
        sets.append(_BASE_FLAGS + ("-lm",))
    return sets


def compile_cached(
    source: str, key_parts: list[str], compiler: str, flags: tuple[str, ...], folder: Path,
    prefix: str = "",
) -> Path:  # fmt: skip
    """Compile C ``source`` with ``flags`` into ``folder`` once; return the cached ``.so``.

    The file is named by a hash of ``key_parts`` (source, ABI, compiler identity,
    flags: whatever changes the binary), so a cached build is reused and a changed
    one rebuilt. The build writes a private temporary file and renames it into
    place (atomic: concurrent builds of one key write the same bytes).
    """
    key = hashlib.sha256("\0".join(key_parts).encode()).hexdigest()
    target = folder / f"{prefix}{key}.so"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tslib-native-") as scratch:
        source_path = Path(scratch) / "tslib_native.c"
        source_path.write_text(source)
        partial = folder / f".{prefix}{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        command = [compiler, str(source_path), "-o", str(partial), *flags]
        try:
            subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def _build(compiler: str, identity: str, flags: tuple[str, ...], folder: Path) -> Path:
    """Compile (or reuse) the LSTM library for ``flags``; return its cached path."""
    parts = [SOURCE, str(ABI_VERSION), compiler, identity, *flags]
    return compile_cached(SOURCE, parts, compiler, flags, folder)


def _openmp_runtimes() -> set[str]:
    """Paths of the OpenMP runtimes mapped into this process (Linux; else empty)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "/lib" in line}
    except OSError:
        return set()
    pattern = ("libgomp", "libiomp", "libomp")
    return {p for p in paths if os.path.basename(p).startswith(pattern)}


def _load(path: Path, flags: tuple[str, ...], sgemm: bool = False) -> NativeLibrary:
    library = ctypes.CDLL(str(path))
    functions = {}
    for name, (argtypes, restype) in _SIGNATURES.items():
        function = getattr(library, name)
        function.argtypes, function.restype = argtypes, restype
        functions[name] = function
    if functions["tslib_native_abi"]() != ABI_VERSION:
        raise OSError(f"{path}: ABI {functions['tslib_native_abi']()} != {ABI_VERSION}")
    features = functions["tslib_native_features"]()
    # Two OpenMP runtimes (ours and one torch bundles under another name) would each
    # keep spinning threads on the same cores: then the library runs single-threaded.
    shared = len(_openmp_runtimes()) <= 1
    if features & 2 and not shared:
        logger.debug("tslib native: a second OpenMP runtime is loaded; using one thread")
    return NativeLibrary(
        path=path,
        flags=flags,
        vector_math=bool(features & 1),
        openmp=bool(features & 2) and shared,
        pack=functions["tslib_pack"],
        pointwise=functions["tslib_pointwise"],
        layer_tiled=functions["tslib_layer_tiled"],
        step_small=functions["tslib_step_small"],
        sgemm=sgemm,
        isa=ISA_NAMES.get(functions["tslib_native_isa"](), "unknown"),
    )


def _probed(
    path: Path, flags: tuple[str, ...], errors: list[str]
) -> tuple[NativeLibrary | None, bool]:
    """Load ``path`` if its subprocess probe (:mod:`.native_probe`) allows it.

    Returns the library (or None) and whether to try the next flag set. A failed
    probe (a crash, a layout mismatch, wrong results) disables the native path
    with one warning. A library that merely fails to load (an exception in the
    probe's ``load`` stage, or here) is an error entry, and the next flag set is tried.
    """
    verdict = probe_library(path, flags, {"tslib_step_args": StepArgs,
                                          "tslib_layer_args": LayerArgs})  # fmt: skip
    if verdict.problem:
        state = "without torch's sgemm" if verdict.usable else "disabled, using torch"
        logger.warning("tslib native kernels %s: %s (%s)", state, verdict.problem, path)
    if verdict.note:
        logger.debug("tslib native kernels: %s", verdict.note)
    if not verdict.usable:
        errors.append(f"{' '.join(flags)}: {verdict.problem or verdict.note}")
        return None, verdict.load_error
    try:
        return _load(path, flags, sgemm=verdict.sgemm), False
    except (OSError, AttributeError) as error:
        errors.append(f"{' '.join(flags)}: {error!r}")
        return None, True


def load_native() -> NativeLibrary | None:
    """The native kernel library, built on first use; ``None`` when unavailable or disabled.

    The result is cached per process (and per cache folder). Failures are logged
    once at debug level; callers fall back to their torch path.
    """
    if not native_enabled():
        return None
    folder = cache_dir()
    key = str(folder)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        library, errors = None, []
        compiler = find_compiler()
        if compiler is None:
            errors.append("no C compiler found ($CC, cc, gcc, clang)")
        else:
            try:
                identity = _compiler_identity(compiler)
            except (OSError, subprocess.SubprocessError) as error:
                identity, errors = None, [f"{compiler} --version failed: {error!r}"]
            for flags in _flag_sets() if identity is not None else []:
                try:
                    path = _build(compiler, identity, flags, folder)
                except (OSError, subprocess.SubprocessError) as error:
                    detail = getattr(error, "stderr", "") or ""
                    errors.append(f"{' '.join(flags)}: {error!r} {detail[-500:]}")
                    continue
                library, try_next = _probed(path, flags, errors)
                if not try_next:
                    break
        if library is None:
            logger.debug("tslib native kernels unavailable, using torch: %s", "; ".join(errors))
        else:
            logger.debug("tslib native kernels loaded from %s (%s)", library.path, library.flags)
        _LOADED[key] = library
        return library
