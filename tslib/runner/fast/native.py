"""The native (C) path of :class:`~tslib.runner.fast.recurrent.RecurrentKernel`.

For float32 models on the CPU the kernel hands a step to :class:`NativePath`:

* batches of at most ``small_max`` rows run entirely in C (``tslib_step_small``):
  per row and layer a GEMV on ``[x, h]``, the gate update written into the pool
  rows, then the output layer; one ctypes call per step;
* larger batches run layer by layer. With torch's BLAS ``sgemm`` at hand
  (:func:`~tslib.runner.fast.native_blas.sgemm_address`, passed by the load-time
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
see :mod:`.native_cellmath`). When the runner steps the same streams again with the same
cached index tensor, :meth:`NativePath.repeat_small` reuses the previous small step's
checks (it declines after any change: index version, pool tensors, fused weights, input
shape or dtype).

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

from tslib.errors import InputError, StateError
from tslib.runner.fast.native_blas import sgemm_address
from tslib.runner.fast.native_build import NativeLibrary
from tslib.runner.fast.native_cellmath import MATH_CODES
from tslib.runner.fast.native_large import NATIVE_TILE_BYTES, LargeBatches, LargeBuffers
from tslib.runner.fast.native_structs import LayerArgs, StepArgs

if TYPE_CHECKING:
    from tslib.runner.fast.recurrent import RecurrentKernel

__all__ = ["NATIVE_MATH", "NATIVE_SMALL_MAX", "NATIVE_TILE_BYTES", "NativePath"]

#: Largest batch stepped entirely in C (GEMV per row); larger batches go layer by
#: layer with a BLAS GEMM. Crossover measured by ``benchmarks/bench_native.py``.
NATIVE_SMALL_MAX = 16
#: Gate maths of the native kernels (:mod:`.native_cellmath`): "poly" (one vectorised
#: polynomial exp for every gate) or "libm" (libm / libmvec ``expf`` and ``tanhf``).
NATIVE_MATH = "poly"

_CELL_CODES = {"lstm": 0, "gru": 1, "rnn": 2}


class NativePath(LargeBatches):
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
        The gate maths (:data:`NATIVE_MATH` by default; see :mod:`.native_cellmath`).
        Also an attribute, settable between steps.

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
        self._buffers: dict[tuple[int, int, int], LargeBuffers] = {}
        self._work = torch.empty(0)
        # (index, its version, slots address, start, x shape) of the last small step whose
        # checks repeat_small may reuse; None until a small step with a versioned index.
        self._repeat: tuple | None = None
        sgemm = sgemm_address() if self.large and library.sgemm else None
        self.tiled = sgemm is not None
        self._layer_args = LayerArgs(sgemm=sgemm, cell=self.cell_code, hidden=kernel.hidden,
                                     layers=kernel.num_layers)  # fmt: skip
        self._layer_args_ptr = ctypes.addressof(self._layer_args)
        self.math = math

    @property
    def math(self) -> str:
        """The gate maths, "poly" or "libm" (see :mod:`.native_cellmath`); settable."""
        return self._math

    @math.setter
    def math(self, value: str) -> None:
        if value not in MATH_CODES:
            raise InputError(f"NativePath: math must be one of {sorted(MATH_CODES)}, got {value!r}")
        self._math = value
        self._args.math = self._layer_args.math = MATH_CODES[value]

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

    def repeat_small(
        self,
        x: torch.Tensor,
        pool: tuple[torch.Tensor, ...],
        index: torch.Tensor,
        check_finite: bool = False,
    ) -> torch.Tensor | None:
        """Step ``x`` (B, F) on the slots of the last small step, or return None.

        The runner steps the same streams with the same cached ``index`` tensor over
        and over; then the slot, pool and weight checks of :meth:`accepts` (and the
        span detection of the kernel) hold as before, and only ``x`` is checked here.
        Returns None (nothing done) when ``index``, its version, the pool tensors or
        the fused weights differ from that step's, or ``x`` is not a contiguous
        float32 CPU tensor of the same shape: the caller then takes the full path.
        ``check_finite``: also return None, before writing anything, when ``x`` holds
        a NaN or an infinity (checked in C; the caller's full path reports it).
        """
        repeat = self._repeat
        if (
            repeat is None
            or type(x) is not torch.Tensor
            or index is not repeat[0]
            or index._version != repeat[1]
            or self.kernel.generation != self._generation
            or pool is not self._pool
            or x.dtype is not torch.float32
            or not x.is_cpu
            or x.shape != repeat[4]
            or not x.is_contiguous()
            or list(map(torch.Tensor.data_ptr, pool)) != self._pool_key
        ):
            return None
        # batch, start and slots are still in the struct from that step (any other small
        # step clears _repeat first): only the input and output addresses change.
        y = torch.empty(repeat[4][0], self.n_out)  # (B, O), fresh for the caller
        args = self._args
        args.x, args.y = x.data_ptr(), y.data_ptr()
        if check_finite:
            args.check_finite = 1
            status = self.library.step_small(self._args_ptr)
            args.check_finite = 0
            if status == -2:
                return None  # NaN / inf in x: nothing written
        else:
            status = self.library.step_small(self._args_ptr)
        if status:
            raise StateError(
                f"RecurrentKernel: a slot index is outside the pool [0, {args.capacity})"
            )
        return y

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
        args, layer_args = self._args, self._layer_args
        args.h_pool, args.c_pool, args.capacity = self._pool_ptrs
        layer_args.h_pool, layer_args.c_pool, layer_args.capacity = self._pool_ptrs
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
        layer_args = self._layer_args
        layer_args.w_out, layer_args.b_out = args.w_out, args.b_out
        layer_args.n_out = self.n_out
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
        self._repeat = None
        reusable = not index.is_inference() and index.is_contiguous()  # address stays valid
        if span is None:
            if not index.is_contiguous():
                index = index.contiguous()
            slots, start = index.data_ptr(), 0
        else:
            slots, start = None, span[0]
        if x.shape[0] > self.small_max:
            return self._large(x, slots, start)
        y = self._small(x, slots, start)
        if reusable:  # checked by accepts: repeat_small may skip the checks next time
            self._repeat = (index, index._version, slots, start, x.shape)
        return y

    def _small(self, x: torch.Tensor, slots: int | None, start: int) -> torch.Tensor:
        batch = x.shape[0]
        y = torch.empty(batch, self.n_out)  # (B, O), fresh for the caller (int args: fastest)
        args = self._args
        args.batch, args.start, args.x, args.slots = batch, start, x.data_ptr(), slots
        args.y = y.data_ptr()
        if self.library.step_small(self._args_ptr):
            raise StateError(
                f"RecurrentKernel: a slot index is outside the pool [0, {args.capacity})"
            )
        return y

    def __repr__(self) -> str:
        return (
            f"NativePath({self.kernel.cell}, small_max={self.small_max}, large={self.large}, "
            f"tiled={self.tiled}, math={self._math!r})"
        )
