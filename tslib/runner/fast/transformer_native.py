"""The fast step kernel for :class:`~tslib.encoders.transformer.CausalTransformerEncoder`.

:class:`TransformerKernel` implements the :class:`~tslib.runner.kernels.StepKernel`
protocol with one native call per step (:mod:`.transformer_source`), instead of
the plain path's ``index_select`` of whole KV caches, ~40 torch operations and an
``index_copy_`` of the caches back:

* the new key and value of each layer are written **in place** into the pool's
  ring buffer (slot ``position % context``), the only state that changes;
* QKV is one fused GEMV per layer, LayerNorm scales and shifts are folded into
  the following linear layer, all heads are handled inside one C loop;
* attention runs over the live window only (``min(position + 1, context)``
  slots), so an unfilled buffer costs less and needs no mask;
* no per-step allocation except the returned outputs (B, O).

Large batches are split between ``torch.get_num_threads()`` Python threads, each
one native call on its rows (ctypes releases the GIL). The state layout is that
of ``model.init_state`` (``k``, ``v``, ``position``), so runner snapshots,
``state_of``, ``forecast`` and ``observe`` are unchanged.

Where the fast path does not apply, :data:`TRANSFORMER_STEP` (its
:class:`~tslib.runner.fast.native_step.NativeStep`) declines and :func:`fast_path_problem`
names the reason (the runner then uses its PlainKernel); a kernel also hands single
calls to the plain path when the model is in training mode or a parameter requires a
gradient under autograd.

The library is built with the shared machinery of :mod:`.build` (compiler lookup, cache
folder, ``TSLIB_NATIVE`` switch, one cached build per source, compiler and flags) with
``-O3 -fPIC -shared -fno-math-errno -fopenmp-simd`` (never ``-ffast-math``, never
``-march=native``; the loops carry per-ISA clones on x86-64), flag sets tried fastest
first, the last plain C. :func:`load_transformer_native` returns ``None`` (and
:func:`native_problem` says why, in one line) when native kernels are disabled, no
compiler is found or every build fails.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter
from pathlib import Path

import torch
from torch import nn

from tslib.encoders.transformer import CausalTransformerEncoder, _Block
from tslib.errors import StateError
from tslib.runner.device import resolve_device
from tslib.runner.fast.build import (
    cache_dir,
    compile_cached,
    compiler_identity,
    find_compiler,
    native_enabled,
)
from tslib.runner.fast.native_step import NativeStep
from tslib.runner.fast.transformer_source import TF_ABI_VERSION, TF_SOURCE
from tslib.runner.kernels import PlainKernel

__all__ = [
    "THREADED_MIN_BATCH",
    "TRANSFORMER_STEP",
    "TransformerKernel",
    "TransformerStep",
    "fast_path_problem",
    "load_transformer_native",
    "native_problem",
    "pack_weights",
]

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
        identity = compiler_identity(compiler)
    except (OSError, subprocess.SubprocessError) as error:
        return None, [f"{compiler} --version failed: {error!r}"]
    errors = []
    for flags in _flag_sets():
        try:
            return _load(_build(compiler, identity, flags, cache_dir())), errors
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


# ---------------------------------------------------------------------------- the kernel
_VERSION = attrgetter("_version")
_EXECUTORS: dict[int, ThreadPoolExecutor] = {}  # threads -> one pool shared by every kernel

#: Smallest batch split between threads (below it one native call does all rows).
THREADED_MIN_BATCH = 64


def _linear_ok(layer: object) -> bool:
    return type(layer) is nn.Linear and layer.bias is not None


def _norm_ok(layer: object) -> bool:
    return type(layer) is nn.LayerNorm and layer.weight is not None and layer.bias is not None


def fast_path_problem(model: object, device: torch.device | str = "auto") -> str | None:
    """Why the native transformer step cannot serve ``model`` on ``device``; ``None`` if it can."""
    if type(model) is not CausalTransformerEncoder:
        return f"{type(model).__name__} is not exactly CausalTransformerEncoder"
    device = resolve_device(device) if device == "auto" else torch.device(device)
    if device.type != "cpu" or model.output.weight.device.type != "cpu":
        return "the native transformer step runs on the CPU only"
    if model.output.weight.dtype != torch.float32:
        return f"the native transformer step needs float32 weights, not {model.output.weight.dtype}"
    blocks = list(model.blocks)
    if any(type(block) is not _Block for block in blocks):
        return "a block is not the library's _Block"
    linears = [model.embed, model.output] + [
        layer for b in blocks for layer in (b.qkv, b.proj, b.ff_in, b.ff_out)
    ]
    norms = [model.norm] + [n for b in blocks for n in (b.ln1, b.ln2)]
    if not all(map(_linear_ok, linears)) or not all(map(_norm_ok, norms)):
        return "a layer is not a biased nn.Linear / affine nn.LayerNorm"
    if len({n.eps for n in norms}) != 1 or any(
        n.normalized_shape != (model.d_model,) for n in norms
    ):
        return "LayerNorms with different eps or shapes"
    if load_transformer_native() is None:
        return f"native transformer step unavailable: {native_problem() or 'unknown'}"
    return None


def _folded(norm: nn.LayerNorm, linear: nn.Linear) -> list[torch.Tensor]:
    """``linear(norm(x))`` as ``normalize(x) @ W' + b'``: W' (in, out), b' (out,)."""
    weight = linear.weight.double() * norm.weight.double()  # (out, in) * gamma
    bias = linear.bias.double() + linear.weight.double() @ norm.bias.double()  # (out,)
    return [weight.t(), bias]


def pack_weights(model: CausalTransformerEncoder) -> torch.Tensor:
    """All weights in the layout ``tslib_tf_step`` reads, as one float32 vector.

    ``eps, 1/sqrt(d_head), slopes (nh), embed W (F, D), b``, then per layer ``qkv``
    (LayerNorm 1 folded in), ``proj``, ``ff_in`` (LayerNorm 2 folded in), ``ff_out``
    (each W as (in, out) then b), then the output layer (final LayerNorm folded in).
    """
    with torch.no_grad():
        first = model.blocks[0].ln1.eps
        parts = [torch.tensor([first, model.d_head**-0.5]), model.slopes.double()]
        parts += [model.embed.weight.double().t(), model.embed.bias.double()]
        for block in model.blocks:
            parts += _folded(block.ln1, block.qkv)
            parts += [block.proj.weight.double().t(), block.proj.bias.double()]
            parts += _folded(block.ln2, block.ff_in)
            parts += [block.ff_out.weight.double().t(), block.ff_out.bias.double()]
        parts += _folded(model.norm, model.output)
        flat = torch.cat([p.detach().cpu().reshape(-1) for p in parts])
    with torch.inference_mode(False):
        return flat.to(torch.float32).contiguous()


class TransformerKernel:
    """Native step kernel for a :class:`CausalTransformerEncoder` (float32, CPU).

    Equals :class:`~tslib.runner.kernels.PlainKernel` up to float rounding (tested to
    1e-5 in ``tests/test_transformer_fast.py``). Weights are re-packed whenever a
    parameter changes in place or moves (version counters and storage pointers are
    compared on each call); replacing a parameter *object* is not seen, call
    :meth:`refresh` after that.

    Parameters
    ----------
    model : CausalTransformerEncoder
        The encoder (see :func:`fast_path_problem` for what is supported).
    threaded_min_batch : int
        Batches of at least this many rows are split between threads.
    """

    def __init__(
        self, model: CausalTransformerEncoder, threaded_min_batch: int = THREADED_MIN_BATCH
    ) -> None:
        step = load_transformer_native()
        if step is None:
            raise StateError(native_problem() or "native transformer step unavailable")
        self.model = model
        self.threaded_min_batch = threaded_min_batch
        self._step = step
        self._plain = PlainKernel(model)
        d, ff = model.d_model, model.blocks[0].ff_in.out_features
        self._scratch_size = 6 * d + ff + model.context
        dims = [model.input_size, d, model.n_heads, model.d_head, model.context]
        dims += [model.num_layers, ff, model.n_outputs]
        with torch.inference_mode(False):
            # dims, then the addresses of params and index, capacity, kc, vc, pos
            self._args = torch.tensor(dims + [0] * 6, dtype=torch.int64)
        self._args_view = self._args.numpy()
        self._args_ptr = self._args.data_ptr()
        self._threads = max(1, torch.get_num_threads())
        self._scratch = torch.empty(0)
        self._executor: ThreadPoolExecutor | None = None
        self._pool: tuple | None = None  # the pool tuple whose addresses are in _args
        self._index: torch.Tensor | None = None  # the index tensor whose address is in _args
        self.refresh()

    def _key(self) -> tuple[int, int]:
        """Sum of the parameters' version counters and the address of the output weight.

        Version counters only grow, so the sum changes whenever any parameter is
        changed in place; a move (``model.to``) changes the address.
        """
        return sum(map(_VERSION, self._versioned)), self._out_weight.data_ptr()

    def refresh(self) -> None:
        """Re-read and re-pack the model's weights (automatic after in-place changes).

        Parameters created under ``torch.inference_mode()`` have no version counter:
        call this after changing one of them in place.
        """
        self._versioned = [p for p in self.model.parameters() if not p.is_inference()]
        self._out_weight = self.model.output.weight
        self._packed = pack_weights(self.model)
        self._args_view[8] = self._packed.data_ptr()
        self._key_now = self._key()

    def _bind(self, pool: tuple[torch.Tensor, ...], index: torch.Tensor) -> bool:
        """Write the addresses of ``pool`` and ``index`` into the argument block.

        False when the pool tensors are not contiguous CPU float32 / int64 tensors of
        the model's state layout (the plain kernel then takes the step).
        """
        k_cache, v_cache, position = pool  # (N, L, nh, C, dh) x2, (N,)
        m = self.model
        shape = (k_cache.shape[0], m.num_layers, m.n_heads, m.context, m.d_head)
        ok = all(t.is_contiguous() and t.device.type == "cpu" for t in pool)
        ok = ok and k_cache.shape == shape and v_cache.shape == shape
        ok = ok and k_cache.dtype == v_cache.dtype == torch.float32
        ok = ok and index.dtype == torch.int64 and index.device.type == "cpu"
        if not (ok and position.dtype == torch.int64 and position.shape == shape[:1]):
            return False
        view = self._args_view
        view[10], view[11], view[12] = shape[0], k_cache.data_ptr(), v_cache.data_ptr()
        view[13] = position.data_ptr()
        index = index.contiguous()
        view[9] = index.data_ptr()
        self._pool, self._index = pool, index
        return True

    def __call__(
        self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor
    ) -> torch.Tensor:
        """Advance pool rows ``index`` with inputs ``x`` (B, F); return the outputs (B, O)."""
        batch = x.shape[0]
        model = self.model
        if model.training or batch == 0 or (x.requires_grad and torch.is_grad_enabled()):
            return self._plain(x, pool, index)
        if self._key() != self._key_now:
            self.refresh()
        # The runner passes the same pool tuple until the pool grows or moves, and the
        # same (never modified) index tensor while the ids repeat.
        if (pool is not self._pool or index is not self._index) and not self._bind(pool, index):
            return self._plain(x, pool, index)
        if x.dim() != 2 or x.shape[1] != model.input_size or index.shape[0] != batch:
            return self._plain(x, pool, index)  # the plain step raises the InputError
        if x.dtype is not torch.float32 or not x.is_contiguous():
            x = x.detach().to(torch.float32).contiguous()  # (B, F)
        y = torch.empty(batch, model.n_outputs)  # (B, O)
        x_ptr, y_ptr = x.data_ptr(), y.data_ptr()
        parts = self._threads if batch >= self.threaded_min_batch else 1
        if self._scratch.shape[0] < parts:
            with torch.inference_mode(False):
                self._scratch = torch.empty(parts, self._scratch_size)
        scratch = self._scratch
        if parts == 1:
            status = self._step(self._args_ptr, x_ptr, y_ptr, 0, batch, scratch.data_ptr())
        else:
            if self._executor is None:
                self._executor = _EXECUTORS.get(self._threads) or _EXECUTORS.setdefault(
                    self._threads, ThreadPoolExecutor(self._threads, "tslib-tf-step")
                )
            bounds = [batch * k // parts for k in range(parts + 1)]
            futures = [
                self._executor.submit(
                    self._step, self._args_ptr, x_ptr, y_ptr, bounds[k], bounds[k + 1],
                    scratch[k].data_ptr(),
                )
                for k in range(parts)
            ]  # fmt: skip
            status = min(f.result() for f in futures)
        if status != 0:
            raise StateError("transformer step: a slot index or a position is out of range")
        return y

    def __repr__(self) -> str:
        m = self.model
        return f"TransformerKernel(d_model={m.d_model}, layers={m.num_layers}, context={m.context})"


class TransformerStep(NativeStep):
    """The native transformer step: a :class:`TransformerKernel` (see :func:`fast_path_problem`)."""

    name = "transformer"

    def supports(self, model: object, device: torch.device | str) -> str | None:
        return fast_path_problem(model, device)

    def kernel(
        self, model: CausalTransformerEncoder, device: torch.device | str
    ) -> TransformerKernel:
        return TransformerKernel(model)


#: The transformer step family (see :data:`tslib.runner.fast.FAST_STEPS`).
TRANSFORMER_STEP = TransformerStep()
