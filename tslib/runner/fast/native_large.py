"""Large batches of the native path: one C call per layer (see :mod:`.native`).

:class:`LargeBatches` is the part of :class:`~tslib.runner.fast.native.NativePath` that
steps batches above ``small_max``: with torch's ``sgemm`` (``tiled``), one C call per
layer runs the GEMM tile by tile with the gate maths and, on the top layer, the output
layer while the tile is in cache; without it, a C gather, ``torch.mm`` into a
preallocated gates buffer and one C pass of gate maths per layer, then ``torch.addmm``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from tslib.errors import StateError
from tslib.runner.fast.native_cellmath import MATH_CODES

if TYPE_CHECKING:
    from tslib.runner.fast.recurrent import RecurrentKernel

__all__ = ["NATIVE_TILE_BYTES", "LargeBatches", "LargeBuffers"]

#: Bytes of one thread's gates tile in the fused GEMM + gate loop (rows = this / 4C).
NATIVE_TILE_BYTES = 512 * 1024


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


class LargeBatches:
    """Mixin of :class:`~tslib.runner.fast.native.NativePath`: the per-layer paths.

    Uses the host's ``kernel``, ``library``, ``tiled``, ``n_out``, ``cell_code``,
    ``_buffers``, ``_layer_args``, ``_layer_args_ptr``, ``_pool_ptrs`` and ``_math``.
    """

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
