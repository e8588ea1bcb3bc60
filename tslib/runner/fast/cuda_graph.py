"""CUDA-graph replay of the fused recurrent step, one graph per bucketed batch size.

On a GPU a step of a small recurrent model costs far less than launching its
twenty-odd kernels one by one. :class:`CudaGraphKernel` captures the torch path
of :class:`~tslib.runner.fast.recurrent.RecurrentKernel` once per batch bucket
(powers of two by default) and replays it. A batch of B rows runs in the
smallest bucket >= B: the inputs and slots are copied into static buffers and
the unused tail of the slot buffer holds -1. Inside the graph

1. padded rows are pointed at the first real slot and, before the scatter,
   their new state rows are overwritten by the first real row's, so duplicate
   writes store identical bytes and the pool is exactly what the eager kernel
   writes;
2. the slot buffer is reset to -1 as the graph's last operation.

Graphs read the pool tensors and the fused weights by address. They are
re-captured when the pool is reallocated (it grows by doubling) or the fused
weights are replaced; in-place weight updates are copied into the captured
tensors by :meth:`RecurrentKernel.refresh` and need no re-capture.

:data:`CUDA_GRAPH_STEP` is the :class:`~tslib.runner.fast.native_step.NativeStep` that
serves the models :func:`~tslib.runner.fast.recurrent.recurrent_problem` accepts on CUDA.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tslib.runner.fast.fused import TorchOps
from tslib.runner.fast.native_step import NativeStep
from tslib.runner.fast.recurrent import RecurrentKernel, recurrent_problem

__all__ = ["CUDA_GRAPH_STEP", "GRAPH_BUCKETS", "CudaGraphKernel", "CudaGraphStep"]

#: Default batch buckets: 1, 2, 4, ..., 16384 rows. Larger batches run eagerly.
GRAPH_BUCKETS = tuple(2**k for k in range(15))


@dataclass
class _Captured:
    """One captured graph and everything it reads or writes by address."""

    graph: torch.cuda.CUDAGraph
    x: torch.Tensor  # (bucket, F) static inputs
    index: torch.Tensor  # (bucket,) static slots, -1 for padding
    y: torch.Tensor  # (bucket, O) static outputs
    keep_alive: tuple  # pool tensors, work buffers and weights the graph uses


class CudaGraphKernel:
    """A :class:`~tslib.runner.kernels.StepKernel` that replays captured CUDA graphs.

    Parameters
    ----------
    kernel : RecurrentKernel
        The eager kernel whose torch path is captured; it also serves batches
        larger than the biggest bucket, training mode and non-CUDA inputs.
    buckets : tuple of int
        Batch sizes to capture (lazily, on first use).
    warmup : int
        Eager warm-up runs on scratch state before each capture (cuBLAS handles
        and workspaces must exist before capturing).

    Notes
    -----
    Each call does two small copies into static buffers, one replay and one
    clone of the outputs (so a later step never overwrites a returned tensor).
    """

    def __init__(
        self,
        kernel: RecurrentKernel,
        buckets: tuple[int, ...] = GRAPH_BUCKETS,
        warmup: int = 2,
    ) -> None:
        self.kernel = kernel
        self.buckets = tuple(sorted(set(buckets)))
        self.warmup = warmup
        self._graphs: dict[int, _Captured] = {}
        self._pool_key: tuple = ()
        self._generation = kernel.generation
        self._memory = None  # shared graph memory pool, created on first capture

    @property
    def captured(self) -> tuple[int, ...]:
        """Bucket sizes that currently have a captured graph."""
        return tuple(sorted(self._graphs))

    def bucket(self, batch: int) -> int | None:
        """Smallest bucket holding ``batch`` rows, or ``None`` when none does."""
        return next((size for size in self.buckets if size >= batch), None)

    def __call__(
        self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor
    ) -> torch.Tensor:
        """Advance the pool rows ``index`` with inputs ``x`` (B, F); return fresh outputs (B, O)."""
        kernel = self.kernel
        batch = x.shape[0]
        bucket = self.bucket(batch)
        if bucket is None or batch == 0 or kernel.model.training or x.device.type != "cuda":
            return kernel(x, pool, index)
        if kernel.stale():
            kernel.refresh()  # in place unless the shapes changed
        pool_key = tuple((t.data_ptr(), t.shape) for t in pool)
        if pool_key != self._pool_key or kernel.generation != self._generation:
            self._graphs.clear()
            self._pool_key, self._generation = pool_key, kernel.generation
        captured = self._graphs.get(bucket)
        if captured is None:
            captured = self._graphs[bucket] = self._capture(bucket, pool)
        captured.x[:batch].copy_(x.to(kernel.dtype))
        captured.index[:batch].copy_(index)
        captured.graph.replay()
        return captured.y[:batch].clone()  # (B, O)

    def _body(self, static_x, pool, static_index, rows) -> torch.Tensor:
        """The captured computation on static buffers; returns the outputs (bucket, O)."""
        kernel = self.kernel
        valid = static_index >= 0  # (bucket,)
        slots = torch.where(valid, static_index, static_index[:1])  # padding -> first slot
        row_source = torch.where(valid, rows, torch.zeros_like(rows))  # padding -> row 0
        buffers = kernel.work_buffers(static_x.shape[0], numpy=False)
        y = kernel.run(TorchOps, buffers, kernel.fused, static_x, pool, slots, None, row_source)
        static_index.fill_(-1)
        return y  # (bucket, O)

    def _capture(self, bucket: int, pool: tuple[torch.Tensor, ...]) -> _Captured:
        kernel = self.kernel
        device = pool[0].device
        with torch.inference_mode(False):  # ordinary tensors: writable in and out of it
            static_x = torch.zeros(bucket, kernel.model.input_size, dtype=kernel.dtype,
                                   device=device)  # fmt: skip
            static_index = torch.full((bucket,), -1, dtype=torch.int64, device=device)
            rows = torch.arange(bucket, device=device)  # (bucket,)
            scratch = tuple(torch.zeros(bucket, *t.shape[1:], dtype=t.dtype, device=device)
                            for t in pool)  # fmt: skip
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            for _ in range(self.warmup):  # on scratch state: the pool is not touched
                static_index.copy_(rows)
                self._body(static_x, scratch, static_index, rows)
        torch.cuda.current_stream(device).wait_stream(side)
        if self._memory is None:
            self._memory = torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self._memory):
            static_y = self._body(static_x, pool, static_index, rows)  # (bucket, O)
        static_index.fill_(-1)  # capture records kernels without running them
        buffers = kernel.work_buffers(bucket, numpy=False)
        keep = (tuple(pool), buffers, tuple(kernel.fused), rows)
        return _Captured(graph, static_x, static_index, static_y, keep)

    def __repr__(self) -> str:
        return f"CudaGraphKernel({self.kernel!r}, captured={self.captured})"


class CudaGraphStep(NativeStep):
    """The recurrent step on CUDA: a :class:`CudaGraphKernel` around a :class:`RecurrentKernel`."""

    name = "cuda_graph"

    def supports(self, model: object, device: torch.device | str) -> str | None:
        problem = recurrent_problem(model)
        if problem is not None:
            return problem
        if torch.device(device).type != "cuda":
            return "CUDA graphs need a CUDA device"
        weight = model.output.weight
        if weight.device.type != "cuda" or not weight.is_floating_point():
            return "the model's weights are not floating-point CUDA tensors"
        return None

    def kernel(self, model: object, device: torch.device | str) -> CudaGraphKernel:
        return CudaGraphKernel(RecurrentKernel(model))


#: The CUDA-graph step family (see :data:`tslib.runner.fast.FAST_STEPS`).
CUDA_GRAPH_STEP = CudaGraphStep()
