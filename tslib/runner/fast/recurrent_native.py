"""The native (C) path of :class:`~tslib.runner.fast.recurrent.RecurrentKernel` (fp32, CPU).

For float32 models on the CPU the kernel hands a step to :class:`NativePath`, a
:class:`~tslib.runner.fast.native_step.CompiledPath` (which holds the argument checks,
the pool binding and the repeat lane):

* batches of at most ``small_max`` rows run entirely in C (``tslib_step_small``):
  per row and layer a GEMV on ``[x, h]``, the gate update written into the pool
  rows, then the output layer; one ctypes call per step;
* larger batches run layer by layer. With torch's BLAS ``sgemm`` at hand
  (:func:`~tslib.runner.fast.recurrent_library.sgemm_address`, passed by the load-time
  subprocess probe: :attr:`NativeLibrary.sgemm`) one C call per layer
  (``tslib_layer_tiled``) splits the rows between the threads and, tile by tile,
  gathers ``[x, h]``, runs the GEMM tile with that ``sgemm`` and does all the gate
  arithmetic while the tile is in cache, writing the new ``h``/``c`` into the pool
  rows in place, and on the top layer the output layer too. Otherwise a C gather
  (``tslib_pack``), one ``torch.mm`` into a preallocated gates buffer and one C
  pass (``tslib_pointwise``) per layer, then ``torch.addmm`` for the output layer.
  The C loops use torch's thread count (OpenMP, sharing torch's runtime when it
  is the same ``libgomp``, else one thread). Large batches need the vectorised build
  (libmvec): scalar libm ``expf``/``tanhf`` are about ten times slower than
  torch's vectorised sigmoid.

The gate arithmetic uses the maths kind of :attr:`NativePath.math` (:data:`NATIVE_MATH`,
see :data:`~tslib.runner.fast.recurrent_source.MATH_CODES`). When the runner steps the
same streams again with the same cached index tensor,
:meth:`~tslib.runner.fast.native_step.CompiledPath.repeat_small` reuses the previous
small step's checks (it declines after any change: index version, pool tensors, fused
weights, input shape or dtype).

Every argument is validated before a call (float32, contiguous, CPU, pool shape
(capacity, L, H), int64 slots); the C side also checks that every slot lies in
``[0, capacity)`` before writing anything. The library comes from
:func:`~tslib.runner.fast.recurrent_library.load_native`; without it (no compiler,
``TSLIB_NATIVE=0``) the kernel keeps its torch and NumPy paths.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

import torch

from tslib.errors import InputError, StateError
from tslib.runner.fast.native_step import CompiledPath
from tslib.runner.fast.recurrent_library import NativeLibrary, sgemm_address
from tslib.runner.fast.recurrent_source import MATH_CODES, LayerArgs, StepArgs

if TYPE_CHECKING:
    from tslib.runner.fast.recurrent import RecurrentKernel

__all__ = ["NATIVE_MATH", "NATIVE_SMALL_MAX", "NATIVE_TILE_BYTES", "LargeBuffers", "NativePath"]

#: Largest batch stepped entirely in C (GEMV per row); larger batches go layer by
#: layer with a BLAS GEMM. Crossover measured by ``benchmarks/bench_native.py``.
NATIVE_SMALL_MAX = 16
#: Gate maths of the native kernels (:data:`~.recurrent_source.MATH_CODES`): "poly" (one
#: vectorised polynomial exp for every gate) or "libm" (libm / libmvec ``expf``, ``tanhf``).
NATIVE_MATH = "poly"
#: Bytes of one thread's gates tile in the fused GEMM + gate loop (rows = this / 4C).
NATIVE_TILE_BYTES = 512 * 1024

_CELL_CODES = {"lstm": 0, "gru": 1, "rnn": 2}


class NativePath(CompiledPath):
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
    math : {"poly", "libm"}
        The gate maths (:data:`NATIVE_MATH` by default; see
        :data:`~tslib.runner.fast.recurrent_source.MATH_CODES`). Also an attribute,
        settable between steps.

    Attributes
    ----------
    large : bool
        Batches above ``small_max`` are taken (the library has vector maths).
    tiled : bool
        Large batches use the fused GEMM-tile loop (torch's ``sgemm`` passed the probe);
        ``False`` selects ``torch.mm`` + one C pass per layer.
    """

    def __init__(
        self,
        kernel: RecurrentKernel,
        library: NativeLibrary,
        small_max: int = NATIVE_SMALL_MAX,
        math: str = NATIVE_MATH,
    ) -> None:
        super().__init__(kernel, small_max, large=library.vector_math)
        self.library = library
        self.cell_code = _CELL_CODES[kernel.cell]
        self._args = StepArgs(cell=self.cell_code, n_in=self.n_in, hidden=kernel.hidden,
                              layers=kernel.num_layers)  # fmt: skip
        self._args_ptr = ctypes.addressof(self._args)
        self._c_step = library.step_small
        self._pool_ptrs: tuple[int, int | None, int] = (0, None, 0)
        self._buffers: dict[tuple[int, int, int], LargeBuffers] = {}
        self._work = torch.empty(0)
        sgemm = sgemm_address() if self.large and library.sgemm else None
        self.tiled = sgemm is not None
        self._layer_args = LayerArgs(sgemm=sgemm, cell=self.cell_code, hidden=kernel.hidden,
                                     layers=kernel.num_layers)  # fmt: skip
        self._layer_args_ptr = ctypes.addressof(self._layer_args)
        self.math = math

    @property
    def math(self) -> str:
        """The gate maths, "poly" or "libm" (see :data:`.recurrent_source.MATH_CODES`); settable."""
        return self._math

    @math.setter
    def math(self, value: str) -> None:
        if value not in MATH_CODES:
            raise InputError(f"NativePath: math must be one of {sorted(MATH_CODES)}, got {value!r}")
        self._math = value
        self._args.math = self._layer_args.math = MATH_CODES[value]

    def _bind_pool(self, h_pool: int, c_pool: int | None, capacity: int) -> None:
        self._pool_ptrs = (h_pool, c_pool, capacity)
        args, layer_args = self._args, self._layer_args
        args.h_pool, args.c_pool, args.capacity = self._pool_ptrs
        layer_args.h_pool, layer_args.c_pool, layer_args.capacity = self._pool_ptrs

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
        layer_args = self._layer_args
        layer_args.w_out, layer_args.b_out = args.w_out, args.b_out
        layer_args.n_out = self.n_out
        self._generation = kernel.generation

    # ------------------------------------------------------------ large batches
    def _large(self, x: torch.Tensor, slots: int | None, start: int) -> torch.Tensor:
        kernel = self.kernel
        batch = x.shape[0]
        threads = torch.get_num_threads() if self.library.openmp else 1
        width = kernel.fused[0].shape[1]
        tiled = self.tiled
        tile = max(8, NATIVE_TILE_BYTES // (4 * width)) if tiled else 0
        key = (batch, tile, threads)
        buffers = self._buffers.get(key)
        if buffers is None:
            if len(self._buffers) >= 16:
                self._buffers.clear()  # bound memory when batch sizes keep changing
            buffers = self._buffers[key] = LargeBuffers(kernel, batch, tile, threads)
        if tiled:
            return self._layers_tiled(x, slots, start, buffers, tile, threads)
        self._layers_mm(x, slots, start, buffers, threads)
        return torch.addmm(kernel.fused[-1], buffers.top, kernel.fused[-2])  # (B, O)

    def _layers_tiled(
        self, x, slots, start, buffers: LargeBuffers, tile: int, threads: int
    ) -> torch.Tensor:
        """One C call per layer: GEMM tiles by torch's sgemm, gate math (and, on the top
        layer, the output layer) while the tile is in cache. Returns the outputs (B, O)."""
        kernel, args = self.kernel, self._layer_args
        y = torch.empty(x.shape[0], self.n_out)  # (B, O), fresh for the caller
        args.batch, args.start, args.slots, args.tile, args.nthreads = (
            x.shape[0], start, slots, tile, threads,
        )  # fmt: skip
        args.scratch, args.ld_out = buffers.scratch.data_ptr(), kernel.hidden
        x_ptr, ld_x, n_in = x.data_ptr(), x.shape[1], x.shape[1]
        top = kernel.num_layers - 1
        for layer in range(kernel.num_layers):
            args.layer, args.n_in, args.x, args.ld_x = layer, n_in, x_ptr, ld_x
            args.weight, args.out = kernel.fused[layer].data_ptr(), buffers.h_ptr[layer % 2]
            args.y = y.data_ptr() if layer == top else None
            if self.library.layer_tiled(self._layer_args_ptr):
                raise StateError(
                    f"RecurrentKernel: a slot index is outside the pool [0, {args.capacity})"
                )
            x_ptr, ld_x, n_in = buffers.h_ptr[layer % 2], kernel.hidden, kernel.hidden
        return y

    def _layers_mm(self, x, slots, start, buffers: LargeBuffers, threads: int) -> None:
        """Per layer: C gather of [x, h], torch.mm into the gates, one C pass of gate math."""
        kernel, library = self.kernel, self.library
        batch, hidden, layers = x.shape[0], kernel.hidden, kernel.num_layers
        h_ptr, c_ptr, capacity = self._pool_ptrs
        inputs, ld_x = x.data_ptr(), x.shape[1]
        for layer in range(layers):
            xh, weight = buffers.xh[layer], kernel.fused[layer]  # (B, In + H), (In + H + 1, C)
            status = library.pack(
                batch, xh.shape[1] - hidden, hidden, layers, layer, capacity, inputs, ld_x,
                slots, start, h_ptr, xh.data_ptr(), threads,
            )  # fmt: skip
            if status:
                raise StateError(
                    f"RecurrentKernel: a slot index is outside the pool [0, {capacity})"
                )
            torch.mm(xh, weight[:-1], out=buffers.gates)  # (B, C); the bias is added in C
            library.pointwise(
                self.cell_code, batch, hidden, layers, layer, capacity, buffers.gates.data_ptr(),
                weight[-1].data_ptr(), slots, start, h_ptr, c_ptr, buffers.h_ptr[layer % 2],
                hidden, threads, MATH_CODES[self._math],
            )  # fmt: skip
            inputs, ld_x = buffers.h_ptr[layer % 2], hidden

    def __repr__(self) -> str:
        return (
            f"NativePath({self.kernel.cell}, small_max={self.small_max}, large={self.large}, "
            f"tiled={self.tiled}, math={self._math!r})"
        )


class LargeBuffers:
    """Work arrays of the per-layer paths for one batch size, with their addresses."""

    def __init__(self, kernel: RecurrentKernel, batch: int, tile: int, threads: int) -> None:
        hidden, width = kernel.hidden, kernel.fused[0].shape[1]
        widest = max(weight.shape[0] - 1 for weight in kernel.fused[:-2])  # max In + H
        with torch.inference_mode(False):  # ordinary tensors: writable in and out of it
            self.h = [torch.empty(batch, hidden) for _ in range(2)]  # (B, H): ping-pong
            if tile:  # per thread a [x, h] tile and a gates tile
                self.scratch = torch.empty(max(threads, 1) * tile * (widest + width))
            else:
                self.xh = [torch.empty(batch, w.shape[0] - 1) for w in kernel.fused[:-2]]
                self.gates = torch.empty(batch, width)  # (B, C), shared by the layers
        self.h_ptr = [t.data_ptr() for t in self.h]
        self.top = self.h[(kernel.num_layers - 1) % 2]  # (B, H): the last layer's new h
