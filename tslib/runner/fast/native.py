"""The native (C) path of :class:`~tslib.runner.fast.recurrent.RecurrentKernel`.

For float32 models on the CPU the kernel hands a step to :class:`NativePath`:

* batches of at most ``small_max`` rows run entirely in C (``tslib_step_small``):
  per row and layer a GEMV on ``[x, h]``, the gate update written into the pool
  rows, then the output layer; one ctypes call per step;
* larger batches run, per layer, a C gather of ``[x, h]`` (``tslib_pack``), the one
  fused GEMM ``torch.addmm`` into a preallocated gates buffer, and a single C pass
  (``tslib_pointwise``) doing all the gate arithmetic and writing the new ``h``/``c``
  into the pool rows in place (scattered by slot); then ``torch.addmm`` for the
  output layer. That path needs the vectorised build (libmvec): scalar libm
  ``expf``/``tanhf`` are about ten times slower than torch's vectorised sigmoid.

Every argument is validated before a call (float32, contiguous, CPU, pool shape
(capacity, L, H), int64 slots); the C side also checks that every slot lies in
``[0, capacity)`` before writing anything. The library comes from
:func:`~tslib.runner.fast.native_build.load_native`; without it (no compiler,
``TSLIB_NATIVE=0``) the kernel keeps its torch and NumPy paths.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

import torch

from tslib.errors import StateError
from tslib.runner.fast.native_build import NativeLibrary, StepArgs

if TYPE_CHECKING:
    from tslib.runner.fast.recurrent import RecurrentKernel

__all__ = ["NATIVE_SMALL_MAX", "NativePath"]

#: Largest batch stepped entirely in C (GEMV per row); larger batches use the
#: per-layer path with torch.addmm. Crossover measured by ``benchmarks/bench_native.py``.
NATIVE_SMALL_MAX = 16

_CELL_CODES = {"lstm": 0, "gru": 1, "rnn": 2}


class _Buffers:
    """Work arrays of the per-layer path for one batch size, with their addresses."""

    def __init__(self, kernel: RecurrentKernel, batch: int) -> None:
        hidden = kernel.hidden
        with torch.inference_mode(False):  # ordinary tensors: writable in and out of it
            self.xh = [  # (B, In + H) per layer
                torch.empty(batch, weight.shape[0] - 1) for weight in kernel.fused[:-2]
            ]
            self.gates = torch.empty(batch, kernel.fused[0].shape[1])  # (B, C), shared
            self.top = torch.empty(batch, hidden)  # (B, H): top layer's new h
        self.xh_ptr = [t.data_ptr() for t in self.xh]
        self.gates_ptr = self.gates.data_ptr()
        # the new h of layer l goes to the x part of layer l + 1 (row stride In + H)
        self.out_ptr = [t.data_ptr() for t in self.xh[1:]] + [self.top.data_ptr()]
        self.out_ld = [t.shape[1] for t in self.xh[1:]] + [hidden]


class NativePath:
    """Native stepping for one :class:`RecurrentKernel` (float32, CPU).

    Parameters
    ----------
    kernel : RecurrentKernel
        The owning kernel; its fused weights (:attr:`RecurrentKernel.fused`) are read.
    library : NativeLibrary
        The loaded native library.
    small_max : int
        Batches up to this size run in one C call; larger ones use the per-layer
        path (only when the library has vector maths; otherwise they are declined).
    """

    def __init__(
        self, kernel: RecurrentKernel, library: NativeLibrary, small_max: int = NATIVE_SMALL_MAX
    ) -> None:
        self.kernel = kernel
        self.library = library
        self.small_max = small_max
        self.large = library.vector_math
        self.cell_code = _CELL_CODES[kernel.cell]
        self.n_in = kernel.model.input_size
        self._args = StepArgs(cell=self.cell_code, n_in=self.n_in, hidden=kernel.hidden,
                              layers=kernel.num_layers)  # fmt: skip
        self._args_ptr = ctypes.addressof(self._args)
        self._generation = -1
        self._float32_cpu = False
        self._pool: tuple = ()  # the pool tuple last validated (runner: same object)
        self._pool_key: list = []
        self._pool_ptrs: tuple[int, int | None, int] = (0, None, 0)
        self._buffers: dict[int, _Buffers] = {}
        self._work = torch.empty(0)

    def accepts(self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor) -> bool:
        """True when this path can step ``x`` (B, F) on ``pool`` rows ``index``.

        Checks dtypes (float32 inputs and weights, int64 slots), devices (CPU),
        shapes (x (B, F), index (B,)) and the pool layout (cached per pool).
        """
        if self.kernel.generation != self._generation:
            self._refresh_weights()
        if not self._float32_cpu:
            return False
        if x.dtype is not torch.float32 or not x.is_cpu or x.dim() != 2:
            return False
        batch, n_in = x.shape
        if n_in != self.n_in or (batch > self.small_max and not self.large):
            return False
        if index.dtype is not torch.int64 or not index.is_cpu or index.shape != (batch,):
            return False
        return self._check_pool(pool)

    def _check_pool(self, pool: tuple[torch.Tensor, ...]) -> bool:
        """Validate the pool layout once per set of pool tensors; cache its addresses."""
        key = [t.data_ptr() for t in pool]
        if pool is self._pool and key == self._pool_key:  # same tensor objects, same storage
            return True
        kernel = self.kernel
        count = 2 if kernel.cell == "lstm" else 1
        expected = (kernel.num_layers, kernel.hidden)
        if len(pool) != count or not all(
            t.dtype == torch.float32
            and t.device.type == "cpu"
            and t.is_contiguous()
            and t.dim() == 3
            and tuple(t.shape[1:]) == expected
            and t.shape[0] == pool[0].shape[0]
            for t in pool
        ):
            return False
        c_ptr = pool[1].data_ptr() if count == 2 else None
        self._pool, self._pool_key = pool, key
        self._pool_ptrs = (pool[0].data_ptr(), c_ptr, pool[0].shape[0])
        args = self._args
        args.h_pool, args.c_pool, args.capacity = self._pool_ptrs
        return True

    def _refresh_weights(self) -> None:
        """Re-read the fused weight addresses after the kernel replaced its tensors."""
        kernel = self.kernel
        self._float32_cpu = all(
            t.dtype is torch.float32 and t.is_cpu and t.is_contiguous() for t in kernel.fused
        )
        layers = kernel.fused[:-2]  # each (In + H + 1, C), bias last
        self._layer_array = (ctypes.c_void_p * len(layers))(*[w.data_ptr() for w in layers])
        self._buffers.clear()
        width = kernel.fused[0].shape[1]
        with torch.inference_mode(False):
            self._work = torch.empty(max(self.n_in, kernel.hidden) + kernel.hidden + width)
        args = self._args
        args.weights = ctypes.addressof(self._layer_array)
        args.w_out, args.b_out = kernel.fused[-2].data_ptr(), kernel.fused[-1].data_ptr()
        args.n_out = self.n_out = kernel.fused[-1].shape[0]
        args.work = self._work.data_ptr()
        self._generation = kernel.generation

    def __call__(
        self,
        x: torch.Tensor,
        pool: tuple[torch.Tensor, ...],
        index: torch.Tensor,
        span: tuple[int, int] | None,
    ) -> torch.Tensor:
        """Advance pool rows ``index`` (or the range ``span``) with ``x`` (B, F); return (B, O).

        Call :meth:`accepts` first: it validates the arguments and caches the pool.
        """
        if not x.is_contiguous():
            x = x.contiguous()
        if span is None:
            if not index.is_contiguous():
                index = index.contiguous()
            slots, start = index.data_ptr(), 0
        else:
            slots, start = None, span[0]
        if x.shape[0] <= self.small_max:
            return self._small(x, slots, start)
        return self._large(x, slots, start)

    def _small(self, x: torch.Tensor, slots: int | None, start: int) -> torch.Tensor:
        batch = x.shape[0]
        y = torch.empty(batch, self.n_out)  # (B, O), fresh for the caller
        args = self._args
        args.batch, args.start, args.x, args.slots = batch, start, x.data_ptr(), slots
        args.y = y.data_ptr()
        if self.library.step_small(self._args_ptr):
            raise StateError(
                f"RecurrentKernel: a slot index is outside the pool [0, {args.capacity})"
            )
        return y

    def _large(self, x: torch.Tensor, slots: int | None, start: int) -> torch.Tensor:
        kernel = self.kernel
        batch = x.shape[0]
        buffers = self._buffers.get(batch)
        if buffers is None:
            if len(self._buffers) >= 16:
                self._buffers.clear()  # bound memory when batch sizes keep changing
            buffers = self._buffers[batch] = _Buffers(kernel, batch)
        h_ptr, c_ptr, capacity = self._pool_ptrs
        hidden, layers = kernel.hidden, kernel.num_layers
        threads = torch.get_num_threads()
        library, fused = self.library, kernel.fused
        x_ptr = x.data_ptr()
        for layer in range(layers):
            xh = buffers.xh[layer]  # (B, In + H)
            n_in = xh.shape[1] - hidden
            status = library.pack(
                batch, n_in, hidden, layers, layer, capacity, x_ptr if layer == 0 else None,
                slots, start, h_ptr, buffers.xh_ptr[layer], threads,
            )  # fmt: skip
            if status:
                raise StateError(
                    f"RecurrentKernel: a slot index is outside the pool [0, {capacity})"
                )
            weight = fused[layer]  # (In + H + 1, C)
            torch.addmm(weight[-1], xh, weight[:-1], out=buffers.gates)  # (B, C)
            library.pointwise(
                self.cell_code, batch, hidden, layers, layer, capacity, buffers.gates_ptr,
                slots, start, h_ptr, c_ptr, buffers.out_ptr[layer], buffers.out_ld[layer],
                threads,
            )  # fmt: skip
        return torch.addmm(fused[-1], buffers.top, fused[-2])  # (B, O)

    def __repr__(self) -> str:
        return f"NativePath({self.kernel.cell}, small_max={self.small_max}, large={self.large})"
