"""Build, probe and load the fp32 native recurrent library (:mod:`.recurrent_source`).

:func:`load_native` compiles :data:`~tslib.runner.fast.recurrent_source.SOURCE` with the
shared machinery of :mod:`.build` (compiler lookup, cache folder, ``TSLIB_NATIVE``
switch, one cached build per source, compiler and flags). Flags: ``-O3 -fPIC -shared
-fno-math-errno`` plus, when they work, ``-fopenmp`` and glibc's vector maths
(``-lmvec``). ``-fno-math-errno`` only stops libm from setting ``errno`` (which
nothing reads); it does not change a single result, unlike ``-ffast-math``, which is
never used. No ``-march=native``: on x86-64 the loops are compiled for several ISAs
inside one library (``target_clones``).

**The probe.** Calling into a C library through :mod:`ctypes` trusts two things
nothing else checks: that the hand-written ctypes mirrors of the argument structs
match the compiler's layout, and that torch's exported ``sgemm_`` (:func:`sgemm_address`)
takes the calling convention the kernels assume (an ILP64 MKL build or another BLAS
could differ). Either mistake would corrupt memory or kill the interpreter rather than
raise. So before a library is loaded into this process, :func:`probe_library` runs the
probe program (:mod:`.recurrent_probe`) in a **subprocess** on it (struct layout,
every kernel variant against the reference kernel, ``sgemm`` against ``torch.mm``) and
decides from what it reports (:func:`decide`):

* the child crashed (a signal or a non-zero exit), timed out, or a check before
  ``sgemm`` failed, or the layout differs from this process's ctypes mirrors: the
  native path is disabled (:attr:`ProbeVerdict.usable` is False);
* only ``sgemm`` or the fused tile path failed (crash or wrong product): the native
  path is kept without it (:attr:`ProbeVerdict.sgemm` is False: ``torch.mm`` per layer);
* no ``sgemm_`` exported (another BLAS): the same, and nothing to warn about.

The raw outcome is cached next to the library as ``<library stem>.<torch key>.probe.json``
(the library's name already keys the source, compiler and flags; the torch key adds
torch's version and location, which decide the ``sgemm``), so the probe runs once per
build (a timeout is not cached). Delete the cache folder to probe again.

When no compiler is found, every build fails, ``TSLIB_NATIVE=0`` is set or the probe
fails, :func:`load_native` returns ``None`` (logged once: at debug level, or as a
warning for a failed probe) and the kernels keep their torch / NumPy paths.

**torch's sgemm.** torch's CPU builds for x86-64 link MKL statically into
``libtorch_cpu`` and export its Fortran ``sgemm_``; :func:`sgemm_address` returns its
address so the native library can run the gate GEMM tile by tile (the same BLAS kernel
as ``torch.addmm``) and do the gate arithmetic while the tile is still in cache. The
integers are passed as pointers to int64 holding small non-negative values, which read
the same as LP64 (int32) or ILP64 (int64) arguments on a little-endian machine.
:func:`sgemm_max_error` exercises it (in the probe's subprocess only).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from tslib.runner.fast.build import (
    cache_dir,
    compile_cached,
    compiler_identity,
    find_compiler,
    native_enabled,
    openmp_runtimes,
)
from tslib.runner.fast.recurrent_source import (
    ABI_VERSION,
    ISA_NAMES,
    SOURCE,
    LayerArgs,
    StepArgs,
    layout_mismatches,
)

__all__ = [
    "FAULT_ENV",
    "PROBE_TIMEOUT_S",
    "STAGES",
    "TOLERANCE",
    "NativeLibrary",
    "ProbeVerdict",
    "decide",
    "load_native",
    "probe_library",
    "run_probe",
    "sgemm_address",
    "sgemm_max_error",
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
    isa: str = ""  # the per-ISA clone the loader picked on this CPU (recurrent_source.ISA_NAMES)

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


# ----------------------------------------------------------------------------- the probe
#: Largest error a check may show (float32 against the reference; observed ~1e-7).
TOLERANCE = 1e-4
#: The stages, in order.
STAGES = ("load", "layout", "small", "mm", "sgemm", "tiled")
#: Environment variable naming a stage at which to crash (tests only).
FAULT_ENV = "TSLIB_NATIVE_PROBE_FAULT"
#: Seconds the child may take (it imports torch and steps a few tiny models: ~2-5 s).
PROBE_TIMEOUT_S = 120
_CHILD = "from tslib.runner.fast.recurrent_probe import main; raise SystemExit(main())"
_SGEMM_STAGES = ("sgemm", "tiled")  # a failure here costs only the fused tile path


@dataclass(frozen=True)
class ProbeVerdict:
    """What the probe allows."""

    usable: bool  # the native library may be loaded and called
    sgemm: bool  # the kernels may call torch's sgemm from C (the fused tile path)
    problem: str  # why something was disabled ("" when nothing failed); logged as a warning
    note: str = ""  # something unavailable that is not a failure (no sgemm_ exported)
    load_error: bool = False  # the library raised on loading (no crash): try other flags


def _torch_key() -> str:
    import torch

    identity = f"{torch.__version__}\0{Path(torch.__file__).resolve().parent}"
    identity += f"\0{os.environ.get(FAULT_ENV, '')}"  # a simulated fault never poisons a cache
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def run_probe(path: Path, flags: tuple[str, ...], timeout_s: float | None = None) -> dict:
    """Run the child on the library at ``path``; return its raw outcome (JSON-able).

    ``timeout_s`` defaults to :data:`PROBE_TIMEOUT_S`. Keys of the result:
    ``returncode`` (None on a timeout), ``stage`` (the last stage started),
    ``report`` (the child's report, None when it did not finish) and ``stderr``
    (its last 2000 characters).
    """
    import tslib

    env = dict(os.environ)
    root = str(Path(tslib.__file__).resolve().parent.parent)  # the same tslib as here
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    spec = json.dumps({"path": str(path), "flags": list(flags)})
    command = [sys.executable, "-c", _CHILD, spec]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=PROBE_TIMEOUT_S if timeout_s is None else timeout_s,
        )
        stdout, stderr, returncode = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as error:
        stdout, stderr, returncode = error.stdout or "", error.stderr or "", None
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
        stderr = stderr.decode() if isinstance(stderr, bytes) else stderr
    stage, report = None, None
    for line in stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue  # something the library or torch printed
        if isinstance(message, dict):
            stage = message.get("stage", stage)
            report = message.get("report", report)
    return {"returncode": returncode, "stage": stage, "report": report, "stderr": stderr[-2000:]}


def decide(outcome: dict, structs: dict[str, type[ctypes.Structure]] | None = None) -> ProbeVerdict:
    """The verdict for a probe outcome (:func:`run_probe`) and this process's ctypes mirrors."""
    returncode, stage, report = outcome["returncode"], outcome["stage"], outcome["report"]
    if returncode is None:
        return ProbeVerdict(False, False, f"the probe timed out in stage {stage!r}")
    if returncode != 0 or report is None:
        what = f"the probe crashed in stage {stage!r} ({_exit_description(returncode)})"
        if stage in _SGEMM_STAGES:
            return ProbeVerdict(True, False, f"{what}; torch's sgemm is not used")
        tail = outcome.get("stderr", "").strip().splitlines()[-1:]
        what += f": {tail[0][:200]}" if tail else ""
        if stage == "load" and returncode > 0:  # an exception (missing symbol, ABI), no crash
            return ProbeVerdict(False, False, "", what, load_error=True)
        return ProbeVerdict(False, False, what)
    mismatches = layout_mismatches(report["layout"] or {}, structs)
    if mismatches:
        shown = "; ".join(mismatches[:3]) + ("; ..." if len(mismatches) > 3 else "")
        return ProbeVerdict(False, False, f"struct layout differs from the ctypes mirror: {shown}")
    errors = report["errors"]
    if errors["small"] is None:
        return ProbeVerdict(False, False, "the probe stopped before checking the kernels")
    for check in ("small", "mm"):
        if errors[check] is not None and not errors[check] <= TOLERANCE:
            return ProbeVerdict(
                False,
                False,
                f"the {check!r} kernel differs from the reference by {errors[check]:.3g}",
            )
    if not report["sgemm_found"]:
        return ProbeVerdict(True, False, "", "libtorch_cpu exports no usable sgemm_")
    for check in _SGEMM_STAGES:
        if errors[check] is not None and not errors[check] <= TOLERANCE:
            detail = f"{errors[check]:.3g}"
            return ProbeVerdict(
                True, False, f"the {check!r} check is off by {detail}; torch's sgemm is not used"
            )
    sgemm = errors["sgemm"] is not None and (
        errors["tiled"] is not None or not report["vector_math"]
    )
    return ProbeVerdict(True, sgemm, "")


def _cache_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.{_torch_key()}.probe.json")


def probe_library(
    path: Path,
    flags: tuple[str, ...],
    structs: dict[str, type[ctypes.Structure]] | None = None,
) -> ProbeVerdict:
    """The verdict for the library at ``path``: from the cached outcome, else a new probe.

    The outcome is written atomically next to the library (a concurrent probe of
    the same build writes the same kind of content), except after a timeout; the
    decision is taken here on every call, against this process's ctypes mirrors
    ``structs``.
    """
    cached = _cache_path(path)
    try:
        outcome = json.loads(cached.read_text())
    except (OSError, ValueError):
        outcome = run_probe(path, flags)
        if outcome["returncode"] is None:  # a timeout may be a busy machine: not cached
            return decide(outcome, structs)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            partial.write_text(json.dumps(outcome) + "\n")
            os.replace(partial, cached)
        except OSError:
            pass  # a read-only cache: probe again next time
        finally:
            partial.unlink(missing_ok=True)
    return decide(outcome, structs)


# ------------------------------------------------------------------------- torch's sgemm
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


# ------------------------------------------------------------------------ build and load
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


def _build(compiler: str, identity: str, flags: tuple[str, ...], folder: Path) -> Path:
    """Compile (or reuse) the LSTM library for ``flags``; return its cached path."""
    parts = [SOURCE, str(ABI_VERSION), compiler, identity, *flags]
    return compile_cached(SOURCE, parts, compiler, flags, folder)


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
    shared = len(openmp_runtimes()) <= 1
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
    """Load ``path`` if its subprocess probe (:func:`probe_library`) allows it.

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
                identity = compiler_identity(compiler)
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
