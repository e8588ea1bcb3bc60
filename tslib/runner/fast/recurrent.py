"""The fast step kernel for :class:`~tslib.encoders.recurrent.RecurrentEncoder` on the CPU.

:class:`RecurrentKernel` is the Python side of the recurrent fast step: it fuses the
weights (:func:`~tslib.runner.fast.fused.fuse_layer`), re-fuses them after an in-place
change, and steps each batch on the fastest path that takes it: the native (C) path
(:class:`~tslib.runner.fast.recurrent_native.NativePath`, float32) when the library
builds, else NumPy views of the pool for tiny batches, else eager torch.
:func:`recurrent_problem` says which models it reproduces, and :data:`RECURRENT_STEP`
is its :class:`~tslib.runner.fast.native_step.NativeStep` (the CPU; CUDA is
:mod:`.cuda_graph`'s).
"""

from __future__ import annotations

import operator

import numpy as np
import torch

from tslib.encoders.recurrent import CELLS, RecurrentEncoder
from tslib.runner.fast.fused import (
    NumpyOps,
    TorchOps,
    fuse_layer,
    gru_update,
    rnn_update,
)
from tslib.runner.fast.native_step import NativeStep
from tslib.runner.fast.recurrent_library import load_native
from tslib.runner.fast.recurrent_native import NATIVE_SMALL_MAX, NativePath
from tslib.runner.kernels import PlainKernel

__all__ = [
    "RECURRENT_STEP",
    "TINY_BATCH_MAX",
    "RecurrentKernel",
    "RecurrentStep",
    "recurrent_problem",
    "supported",
]

#: Largest CPU batch that takes the NumPy path (crossover measured by
#: ``benchmarks/bench_overhead.py``).
TINY_BATCH_MAX = 16


_VERSION = operator.attrgetter("_version")
_DATA_PTR = torch.Tensor.data_ptr


def recurrent_problem(model: object) -> str | None:
    """Why the fused recurrent step cannot reproduce ``model``'s step; ``None`` when it can.

    It reproduces a :class:`RecurrentEncoder` (or a subclass that keeps its ``step``
    and ``core_step``) whose core is the library's unidirectional, biased LSTM / GRU /
    tanh RNN without projections, with a biased ``nn.Linear`` output layer.
    """
    if not isinstance(model, RecurrentEncoder):
        return f"{type(model).__name__} is not a RecurrentEncoder"
    cls = type(model)
    if cls.step is not RecurrentEncoder.step or cls.core_step is not RecurrentEncoder.core_step:
        return f"{cls.__name__} overrides step or core_step"
    core = model.core
    if model.cell not in CELLS or type(core) is not CELLS[model.cell][0]:
        return f"the core is not the library's {model.cell!r} cell"
    if getattr(core, "bidirectional", True) or not getattr(core, "bias", False):
        return "the core is bidirectional or has no bias"
    if getattr(core, "proj_size", 0) or getattr(core, "nonlinearity", "tanh") != "tanh":
        return "the core has a projection or a non-tanh nonlinearity"
    output = model.output
    if type(output) is not torch.nn.Linear or output.bias is None:
        return "the output layer is not a biased nn.Linear"
    return None


def supported(model: object) -> bool:
    """True when ``model`` is a RecurrentEncoder whose step this kernel reproduces."""
    return recurrent_problem(model) is None


def _param_key(params: list[torch.Tensor], versioned: list[torch.Tensor]) -> list[int]:
    """Version counters of ``versioned`` and storage pointers of ``params``.

    Compared between calls to detect changes. ``versioned`` is ``params`` without
    the inference tensors (built under ``torch.inference_mode()``), which track no
    version: only their storage pointer is compared. (``map`` over C getters: this
    runs on every step, and costs about 1 µs for a one-layer model.)
    """
    return list(map(_VERSION, versioned)) + list(map(_DATA_PTR, params))


class _Buffers:
    """Preallocated work arrays for one batch size (torch tensors or NumPy views of them)."""

    def __init__(self, kernel: RecurrentKernel, batch: int, numpy: bool) -> None:
        hidden, layers = kernel.hidden, kernel.num_layers

        def make(*shape: int):
            with torch.inference_mode(False):  # ordinary tensors: writable in and out of it
                tensor = torch.empty(shape, dtype=kernel.dtype, device=kernel.device)
            return tensor.numpy() if numpy else tensor

        weights = kernel.fused[: kernel.num_layers]  # each (In + H + 1, C)
        inputs = [weight.shape[0] - hidden - 1 for weight in weights]  # In per layer
        # NumPy: [x, h, 1] so that one matmul adds the bias. torch: [x, h] and addmm
        # (an odd leading dimension of In + H + 1 slows MKL's GEMM by 10-15 %).
        bias_column = 1 if numpy else 0
        self.xh = [make(batch, n_in + hidden + bias_column) for n_in in inputs]  # (B, K)
        if numpy:
            for xh in self.xh:
                xh[:, -1] = 1.0  # the bias column; the parts below never overwrite it
        self.gates = [make(batch, weight.shape[1]) for weight in weights]  # (B, C)
        self.x_part = [xh[:, :n_in] for xh, n_in in zip(self.xh, inputs)]  # (B, In)
        self.h_part = [xh[:, n_in : n_in + hidden] for xh, n_in in zip(self.xh, inputs)]
        self.tmp = make(batch, hidden)  # (B, H)
        n_states = 2 if kernel.cell == "lstm" else 1
        self.state_in = tuple(make(batch, layers, hidden) for _ in range(n_states))  # (B, L, H)
        self.state_out = tuple(make(batch, layers, hidden) for _ in range(n_states))
        blocks = [slice(k * hidden, (k + 1) * hidden) for k in range(4)]
        if kernel.cell == "lstm":
            self.views = [tuple(g[:, s] for s in blocks) for g in self.gates]  # i, f, g, o
        elif kernel.cell == "gru":
            self.views = [(g[:, : 2 * hidden], *(g[:, s] for s in blocks)) for g in self.gates]
        else:
            self.views = [() for _ in self.gates]


class RecurrentKernel:
    """Fused step kernel for a :class:`RecurrentEncoder` (LSTM, GRU or RNN; any depth or head).

    Implements the :class:`~tslib.runner.kernels.StepKernel` protocol and gives the
    same results as :class:`~tslib.runner.kernels.PlainKernel` up to float rounding.
    Outputs carry no autograd history. A model in training mode (dropout between
    layers) or an empty batch is delegated to the plain kernel.

    Parameters
    ----------
    model : RecurrentEncoder
        The encoder; its parameters are read, never modified.
    tiny_batch_max : int
        CPU batches up to this size use the NumPy path; larger ones use torch
        (when the native path does not take them).
    native : bool
        Use the native C path (:class:`~tslib.runner.fast.recurrent_native.NativePath`)
        for float32 CPU steps when the library builds (see
        :func:`~tslib.runner.fast.recurrent_library.load_native`; ``TSLIB_NATIVE=0``
        disables it). ``False`` keeps the torch / NumPy paths.
    native_small_max : int
        Batches up to this size run entirely in C; larger ones run one C call per
        layer (GEMM tiles and gate arithmetic; see :mod:`.recurrent_native`).

    Attributes
    ----------
    fused : list[torch.Tensor]
        Per layer the fused weight of :func:`fuse_layer` with its bias appended as a
        last row, (In + H + 1, C), so one GEMM on ``[x, h, 1]`` gives the gates; then
        the output layer's W_out (H, O) and b_out (O,).
    generation : int
        Incremented whenever the fused weight tensors are replaced (not merely
        overwritten in place); CUDA graphs captured before must be dropped.
    native : NativePath or None
        The native path, ``None`` when disabled or unavailable.

    Notes
    -----
    Work buffers are reused between calls, so one kernel must not be called from
    two threads at once (the runner owns one kernel and steps it serially).
    """

    def __init__(
        self,
        model: RecurrentEncoder,
        tiny_batch_max: int = TINY_BATCH_MAX,
        native: bool = True,
        native_small_max: int = NATIVE_SMALL_MAX,
    ) -> None:
        self.model = model
        self.cell = model.cell
        self.hidden = model.hidden_size
        self.num_layers = model.num_layers
        self.tiny_batch_max = tiny_batch_max
        self.generation = 0
        self._plain = PlainKernel(model)
        self._buffers: dict[tuple[int, bool], _Buffers] = {}
        self._span_cache: tuple = (None, -1, None)
        self._numpy_pool_cache: tuple = (None, ())
        self.fused: list[torch.Tensor] = []
        self.refresh()
        library = load_native() if native and self.device.type == "cpu" else None
        self.native = None if library is None else NativePath(self, library, native_small_max)

    # ------------------------------------------------------------------ weights
    def stale(self) -> bool:
        """True when a parameter changed in place or moved since the last :meth:`refresh`.

        Parameters created under ``torch.inference_mode()`` have no version
        counter: for them only a move is seen (call :meth:`refresh` after changing
        such a parameter in place).
        """
        return _param_key(self._params, self._versioned) != self._key

    def refresh(self) -> None:
        """Re-read and re-fuse the model's weights (automatic after in-place changes).

        Existing fused tensors are overwritten in place when their shapes still
        match, so captured CUDA graphs that read them stay valid.
        """
        model = self.model
        cell_weights = model.cell_weights()
        self._params = [p for layer in cell_weights for p in layer]
        self._params += [model.output.weight, model.output.bias]
        with torch.inference_mode(False), torch.no_grad():
            fused = [fuse_layer(self.cell, *layer) for layer in cell_weights]
            out_weight = model.output.weight.detach().t()  # (H, O)
            new = [torch.cat([w, b[None]], 0) for w, b in fused]  # (In + H + 1, C): bias row
            new += [out_weight.clone(memory_format=torch.contiguous_format)]
            new += [model.output.bias.detach().clone()]  # (O,)
            old = self.fused
            if len(old) == len(new) and all(
                o.shape == n.shape and o.dtype == n.dtype and o.device == n.device
                for o, n in zip(old, new)
            ):
                for o, n in zip(old, new):
                    o.copy_(n)
            else:
                self.fused = new
                self.generation += 1
                self._buffers.clear()
        self.dtype, self.device = new[-1].dtype, new[-1].device
        self._numpy_ok = self.device.type == "cpu" and self.dtype in (torch.float32, torch.float64)
        self._numpy_fused = [t.numpy() for t in self.fused] if self._numpy_ok else []
        self._versioned = [p for p in self._params if not p.is_inference()]
        self._key = _param_key(self._params, self._versioned)

    # ---------------------------------------------------------------- stepping
    def __call__(
        self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor
    ) -> torch.Tensor:
        """Advance the pool rows ``index`` by one step with inputs ``x`` (B, F); return (B, O)."""
        batch = x.shape[0]
        if self.model.training or batch == 0:
            return self._plain(x, pool, index)
        if self.stale():
            self.refresh()
        native = self.native
        if native is not None and batch <= native.small_max:
            y = native.repeat_small(x, pool, index)  # the checks cached from the last call
            if y is not None:
                return y
        if x.dtype != self.dtype or x.requires_grad:
            x = x.detach().to(self.dtype)
        span = self._span(index)
        native = self.native
        if native is not None and native.accepts(x, pool, index):
            return native(x, pool, index, span)
        if batch <= self.tiny_batch_max and self._numpy_ok:
            arrays = self._numpy_pool(pool)
            buffers = self.work_buffers(batch, numpy=True)
            slots = index.numpy() if span is None else None
            args = (x.numpy(), arrays, slots, span)
            return torch.from_numpy(self.run(NumpyOps, buffers, self._numpy_fused, *args))
        buffers = self.work_buffers(batch, numpy=False)
        return self.run(TorchOps, buffers, self.fused, x, pool, index, span)

    def repeat_step(
        self, x: object, pool: tuple[torch.Tensor, ...], index: torch.Tensor
    ) -> torch.Tensor | None:
        """The runner's lane for a repeated small step: outputs (B, O), or None.

        Steps only through :meth:`~.native_step.CompiledPath.repeat_small` with the input check done
        in C (any NaN / inf, or anything else it cannot vouch for, returns None with
        nothing written: the runner then takes its full path, which validates ``x``
        and reports the problem). Needs no inference mode: only the fresh output tensor
        is created on the torch side (an ordinary tensor without autograd history).
        """
        native = self.native
        if native is None or self.model.training or self.stale():
            return None
        return native.repeat_small(x, pool, index, check_finite=True)

    def run(self, ops, buffers, fused, rows, arrays, slots, span, row_source=None):
        """Advance ``arrays`` rows ``slots`` (or the range ``span``) with inputs ``rows`` (B, F).

        ``row_source`` (B,), torch only: before the scatter, new row ``b`` is replaced
        by new row ``row_source[b]`` (used to make padded rows exact duplicates).
        Returns the outputs (B, O) as a fresh array of ``ops``' kind.
        """
        if span is not None:
            source = target = tuple(a[span[0] : span[1]] for a in arrays)  # views (B, L, H)
        else:
            for array, out in zip(arrays, buffers.state_in):
                ops.gather(array, slots, out)  # (B, L, H)
            source, target = buffers.state_in, buffers.state_out
        layers = self.num_layers
        inputs = rows  # (B, F)
        for layer in range(layers):
            ops.copy(buffers.x_part[layer], inputs)
            ops.copy(buffers.h_part[layer], source[0][:, layer])  # before target is written
            gates = buffers.gates[layer]  # (B, C)
            ops.gemm(buffers.xh[layer], fused[layer], gates)  # [x, h] @ W + b
            h_new = target[0][:, layer]  # (B, H)
            if self.cell == "lstm":
                c_prev, c_new = source[1][:, layer], target[1][:, layer]
                ops.lstm_update(gates, buffers.views[layer], c_prev, c_new, h_new, buffers.tmp)
            elif self.cell == "gru":
                gru_update(ops, gates, buffers.views[layer], buffers.h_part[layer], h_new)
            else:
                rnn_update(ops, gates, h_new)
            inputs = h_new
        y = ops.linear(inputs, fused[-2], fused[-1])  # (B, O)
        if span is None:
            for array, new_rows in zip(arrays, target):
                if row_source is not None:
                    new_rows = new_rows.index_select(0, row_source)  # (B, L, H)
                ops.scatter(array, slots, new_rows)
        return y

    def work_buffers(self, batch: int, numpy: bool) -> _Buffers:
        """The preallocated work arrays for ``batch`` rows (created on first use)."""
        buffers = self._buffers.get((batch, numpy))
        if buffers is None:
            if len(self._buffers) >= 32:
                self._buffers.clear()  # bound memory when batch sizes keep changing
            buffers = self._buffers[(batch, numpy)] = _Buffers(self, batch, numpy)
        return buffers

    def _span(self, index: torch.Tensor) -> tuple[int, int] | None:
        """``(start, stop)`` when ``index`` is ``arange(start, stop)`` on the CPU, else None."""
        cached, version, span = self._span_cache
        inference = index.is_inference()  # no version counter: never served from the cache
        if not inference and index is cached and index._version == version:
            return span
        span = None
        if index.device.type == "cpu":
            slots = index.numpy()
            start = int(slots[0])
            stop = start + slots.shape[0]
            if slots.shape[0] == 1 or (int(slots[-1]) == stop - 1 and (np.diff(slots) == 1).all()):
                span = (start, stop)
        if not inference:
            self._span_cache = (index, index._version, span)
        return span

    def _numpy_pool(self, pool: tuple[torch.Tensor, ...]) -> tuple[np.ndarray, ...]:
        """NumPy views of the pool tensors, cached while their storage is unchanged."""
        key = [t.data_ptr() for t in pool]
        cached_key, arrays = self._numpy_pool_cache
        if key != cached_key:
            arrays = tuple(t.detach().numpy() for t in pool)
            self._numpy_pool_cache = (key, arrays)
        return arrays

    def __repr__(self) -> str:
        return f"RecurrentKernel({self.cell}, layers={self.num_layers}, hidden={self.hidden})"


class RecurrentStep(NativeStep):
    """The fused / native recurrent step on the CPU: a :class:`RecurrentKernel`."""

    name = "recurrent"

    def supports(self, model: object, device: torch.device | str) -> str | None:
        problem = recurrent_problem(model)
        if problem is not None:
            return problem
        if torch.device(device).type != "cpu":
            return "the recurrent kernel runs on the CPU (CUDA: the cuda_graph step)"
        weight = model.output.weight
        if weight.device.type != "cpu" or not weight.is_floating_point():
            return "the model's weights are not floating-point CPU tensors"
        return None

    def kernel(self, model: RecurrentEncoder, device: torch.device | str) -> RecurrentKernel:
        return RecurrentKernel(model)


#: The recurrent step family (see :data:`tslib.runner.fast.FAST_STEPS`).
RECURRENT_STEP = RecurrentStep()
