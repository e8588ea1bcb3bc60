"""The opt-in native bf16 step for LSTM :class:`~tslib.encoders.recurrent.RecurrentEncoder`.

:class:`Bf16Kernel` is a :class:`~tslib.runner.fast.recurrent.RecurrentKernel` whose
native path is :class:`Bf16Path`, a :class:`~tslib.runner.fast.native_step.CompiledPath`:
every float32 CPU batch is stepped in one C call (:mod:`.bf16_source`) with the gate
GEMM in bf16 (``vdpbf16ps``, fp32 accumulation) and the gate maths, the state and the
output layer in fp32. The fused weights (:attr:`RecurrentKernel.fused`) are converted
to bf16 once, pair-interleaved, and again whenever the kernel re-fuses them (an
in-place parameter change).

Results equal the fp32 step only to bf16 precision (about 3 significant digits per
operand), not to 1e-5. Batches the path declines (another dtype, an unexpected pool
layout) take the kernel's fp32 paths. Batches of 256 rows or more use torch's thread
count (OpenMP, when the library shares torch's runtime; else one thread).
:func:`bf16_kernel` returns the kernel, or ``None`` with the reason; :data:`BF16_STEP`
is the :class:`~tslib.runner.fast.native_step.NativeStep` the runner asks first, which
serves only models that ask for it (``fast_step = "bf16"``, as
:func:`tslib.compression.bf16_native` sets).

**The library.** :func:`load_bf16` compiles the source with ``-mavx512f -mavx512bf16``
with the shared machinery of :mod:`.build` (cache folder, compiler lookup,
``TSLIB_NATIVE`` switch), runs ``tslib_bf16_selftest`` once in a subprocess (an illegal
instruction there cannot take this process down; the verdict is cached next to the
library) and loads it. :func:`bf16_native_support` says whether that is possible here,
with a one-line reason: the CPU must list ``avx512_bf16`` and the compiler must accept
``-mavx512bf16``.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch

from tslib.errors import StateError
from tslib.runner.device import resolve_device
from tslib.runner.fast.bf16_source import (
    BF16_ABI_VERSION,
    BF16_COLUMN_BLOCK,
    BF16_SOURCE,
    BF16_TILE_ROWS,
)
from tslib.runner.fast.build import (
    cache_dir,
    compile_cached,
    compiler_identity,
    find_compiler,
    native_enabled,
    openmp_runtimes,
)
from tslib.runner.fast.native_step import CompiledPath, NativeStep
from tslib.runner.fast.recurrent import RecurrentKernel, recurrent_problem

__all__ = [
    "BF16_FLAGS",
    "BF16_STEP",
    "Bf16Args",
    "Bf16Kernel",
    "Bf16Library",
    "Bf16Path",
    "Bf16Step",
    "bf16_kernel",
    "bf16_native_support",
    "bf16_unsupported",
    "load_bf16",
    "pack_bf16_pairs",
]

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
    identity = compiler_identity(compiler)
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
    openmp = bool(library.tslib_bf16_openmp()) and len(openmp_runtimes()) <= 1
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


# ------------------------------------------------------------------------------ the step
def pack_bf16_pairs(weight: torch.Tensor, column_block: int = BF16_COLUMN_BLOCK) -> torch.Tensor:
    """``weight`` (K, C) fp32 as bf16 (K'/2, C', 2): rows paired, both dims zero-padded.

    ``K' = K`` rounded up to even, ``C'`` to a multiple of ``column_block``; element
    ``[p, j, s]`` is ``weight[2 p + s, j]`` (the operand layout of ``vdpbf16ps``).
    """
    rows, cols = weight.shape
    k_pad, c_pad = rows + rows % 2, -(-cols // column_block) * column_block
    padded = torch.zeros(k_pad, c_pad, dtype=torch.float32)  # (K', C')
    padded[:rows, :cols] = weight.detach().float()
    pairs = padded.view(k_pad // 2, 2, c_pad).transpose(1, 2)  # (K'/2, C', 2)
    return pairs.to(torch.bfloat16).contiguous()


def bf16_unsupported(model: object) -> str:
    """Why the bf16 step cannot serve ``model`` ('' when it can, library aside)."""
    if recurrent_problem(model) is not None:
        return "the bf16 step serves RecurrentEncoder models the fp32 fast path supports"
    if model.cell != "lstm":
        return f"the bf16 step supports the lstm cell only, not {model.cell!r}"
    if model.output.weight.dtype is not torch.float32 or model.output.weight.device.type != "cpu":
        return "the bf16 step needs a float32 model on the CPU"
    return ""


class Bf16Path(CompiledPath):
    """The native bf16 stepping of one :class:`Bf16Kernel` (float32 inputs and pool, CPU).

    Every batch size is "small": one C call per step (``tslib_bf16_step``), which the
    repeat lane of :class:`~tslib.runner.fast.native_step.CompiledPath` serves too.
    """

    owner = "Bf16Kernel"
    threaded = True

    def __init__(self, kernel: Bf16Kernel, library: Bf16Library) -> None:
        super().__init__(kernel, small_max=1 << 62, large=True)
        self.library = library
        self._args = Bf16Args(n_in=self.n_in, hidden=kernel.hidden, layers=kernel.num_layers)
        self._args_ptr = ctypes.addressof(self._args)
        self._c_step = library.step
        self._threads = self._nthreads = 0

    def _refresh_weights(self) -> None:
        """Convert the kernel's fused fp32 weights to packed bf16 (once per re-fuse)."""
        kernel, args = self.kernel, self._args
        layers = kernel.fused[: kernel.num_layers]  # each (In + H + 1, C): bias last
        self._packed = [pack_bf16_pairs(w[:-1]) for w in layers]  # (K'/2, C', 2) bf16
        self._biases = [w[-1].contiguous() for w in layers]  # (C,) fp32
        self._weight_array = (ctypes.c_void_p * len(layers))(*[p.data_ptr() for p in self._packed])
        self._bias_array = (ctypes.c_void_p * len(layers))(*[b.data_ptr() for b in self._biases])
        args.weights = ctypes.addressof(self._weight_array)
        args.biases = ctypes.addressof(self._bias_array)
        args.k_pad = max(2 * p.shape[0] for p in self._packed)
        args.c_pad = self._packed[0].shape[1]
        self._w_out = kernel.fused[-2].contiguous()  # (H, O) fp32
        self._b_out = kernel.fused[-1].contiguous()  # (O,)
        args.w_out, args.b_out = self._w_out.data_ptr(), self._b_out.data_ptr()
        args.n_out = self.n_out = self._b_out.shape[0]
        self._threads = self._nthreads = 0  # work buffers and C threads: set at the next run
        self._float32_cpu = all(t.dtype is torch.float32 and t.is_cpu for t in kernel.fused)
        self._generation = kernel.generation
        self._repeat = None

    def _bind_pool(self, h_pool: int, c_pool: int | None, capacity: int) -> None:
        args = self._args
        args.h_pool, args.c_pool, args.capacity = h_pool, c_pool, capacity

    def _set_threads(self, batch: int) -> None:
        """Torch's thread count for 256 rows or more (OpenMP library), else one thread;
        grows the per-thread work arrays when needed."""
        threads = torch.get_num_threads() if batch >= 256 and self.library.openmp else 1
        if threads != self._nthreads:
            if threads > self._threads:
                self._work(threads)
            self._args.nthreads = self._nthreads = threads

    def _large(self, x: torch.Tensor, slots: int | None, start: int) -> torch.Tensor:
        raise AssertionError("Bf16Path steps every batch in one call (small_max is unbounded)")

    def _failure(self, status: int) -> StateError:
        if status == -3:
            return StateError("Bf16Kernel: the library was built for another model shape")
        return super()._failure(status)

    def _work(self, threads: int) -> None:
        """Per-thread work arrays of the C loop ([x, h] in bf16, gates, new h) for ``threads``."""
        args, rows = self._args, BF16_TILE_ROWS * threads
        with torch.inference_mode(False):  # ordinary tensors: writable in and out of it
            self._xh = torch.zeros(rows * args.k_pad, dtype=torch.bfloat16)
            self._gates = torch.zeros(rows * args.c_pad)
            self._hbuf = torch.zeros(rows * self.kernel.hidden)
        args.xh, args.gates, args.hbuf = (
            self._xh.data_ptr(), self._gates.data_ptr(), self._hbuf.data_ptr(),
        )  # fmt: skip
        self._threads = threads

    def __repr__(self) -> str:
        return f"Bf16Path(lstm, hidden={self.kernel.hidden}, layers={self.kernel.num_layers})"


class Bf16Kernel(RecurrentKernel):
    """:class:`RecurrentKernel` with the native bf16 path (see the module docstring).

    Build it with :func:`bf16_kernel`, which checks the model and the library.
    :attr:`generation` is incremented on every re-fuse of the weights (not only when
    the fused tensors are replaced): the bf16 copy follows it.
    """

    def __init__(self, model, library: Bf16Library) -> None:
        super().__init__(model, native=False)
        self.native = Bf16Path(self, library)

    def refresh(self) -> None:
        """Re-fuse the fp32 weights (see :meth:`RecurrentKernel.refresh`); bf16 follows."""
        super().refresh()
        self.generation += 1

    def __repr__(self) -> str:
        return f"Bf16Kernel(lstm, layers={self.num_layers}, hidden={self.hidden})"


def bf16_kernel(
    model: object, device: torch.device | str = "auto"
) -> tuple[Bf16Kernel | None, str]:
    """The bf16 kernel for ``model`` on ``device``, or None and the one-line reason."""
    device = resolve_device(device) if device == "auto" else torch.device(device)
    if device.type != "cpu":
        return None, f"the native bf16 step runs on the CPU, not {device}"
    reason = bf16_unsupported(model)
    if reason:
        return None, reason
    shape = (model.input_size, model.hidden_size, model.num_layers, model.output.out_features)
    library, reason = load_bf16(shape)
    if library is None:
        return None, reason
    return Bf16Kernel(model, library), reason


class Bf16Step(NativeStep):
    """The bf16 LSTM step, for models that ask for it with ``fast_step = "bf16"``."""

    name = "bf16"
    #: The value of a model's ``fast_step`` attribute that selects this step.
    request: ClassVar[str] = "bf16"

    def supports(self, model: object, device: torch.device | str) -> str | None:
        if getattr(model, "fast_step", None) != self.request:
            return "the model does not ask for the bf16 step (tslib.compression.bf16_native)"
        if torch.device(device).type != "cpu":
            return f"the native bf16 step runs on the CPU, not {device}"
        reason = bf16_unsupported(model)
        if reason:
            return reason
        shape = (model.input_size, model.hidden_size, model.num_layers, model.output.out_features)
        library, reason = load_bf16(shape)
        return reason if library is None else None

    def kernel(self, model: object, device: torch.device | str) -> Bf16Kernel:
        shape = (model.input_size, model.hidden_size, model.num_layers, model.output.out_features)
        return Bf16Kernel(model, load_bf16(shape)[0])


#: The bf16 step family (see :data:`tslib.runner.fast.FAST_STEPS`).
BF16_STEP = Bf16Step()
