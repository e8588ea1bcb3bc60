"""An opt-in native bf16 step for LSTM :class:`~tslib.encoders.recurrent.RecurrentEncoder`.

:class:`Bf16Kernel` is a :class:`~tslib.runner.fast.recurrent.RecurrentKernel` whose
native path is :class:`Bf16Path`: every float32 CPU batch is stepped in one C call
(:mod:`.native_bf16_source`) with the gate GEMM in bf16 (``vdpbf16ps``, fp32
accumulation) and the gate maths, the state and the output layer in fp32. The fused
weights (:attr:`RecurrentKernel.fused`) are converted to bf16 once, pair-interleaved,
and again whenever the kernel re-fuses them (an in-place parameter change).

Results equal the fp32 step only to bf16 precision (about 3 significant digits per
operand), not to 1e-5. Batches the path declines (another dtype, an unexpected pool
layout) take the kernel's fp32 paths. Batches of 256 rows or more use torch's thread
count (OpenMP, when the library shares torch's runtime; else one thread).
:func:`bf16_kernel` returns the kernel, or ``None`` with the reason.
"""

from __future__ import annotations

import ctypes

import torch

from tslib.errors import StateError
from tslib.runner.fast.native_bf16_build import Bf16Args, Bf16Library, load_bf16
from tslib.runner.fast.native_bf16_source import BF16_COLUMN_BLOCK, BF16_TILE_ROWS
from tslib.runner.fast.recurrent import RecurrentKernel

__all__ = ["Bf16Kernel", "Bf16Path", "bf16_kernel", "bf16_unsupported", "pack_bf16_pairs"]


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
    from tslib.runner.fast import supported  # the fp32 fast path's own model check

    if not supported(model):
        return "the bf16 step serves RecurrentEncoder models the fp32 fast path supports"
    if model.cell != "lstm":
        return f"the bf16 step supports the lstm cell only, not {model.cell!r}"
    if model.output.weight.dtype is not torch.float32 or model.output.weight.device.type != "cpu":
        return "the bf16 step needs a float32 model on the CPU"
    return ""


class Bf16Path:
    """The native bf16 stepping of one :class:`Bf16Kernel` (float32 inputs and pool, CPU).

    Same protocol as :class:`~tslib.runner.fast.native.NativePath`: :meth:`accepts`,
    ``__call__`` and :meth:`repeat_small` (every batch size is "small": one C call).
    """

    def __init__(self, kernel: Bf16Kernel, library: Bf16Library) -> None:
        self.kernel = kernel
        self.library = library
        self.small_max = 1 << 62  # every batch in one call: the repeat lane serves them all
        self.n_in = kernel.model.input_size
        self._args = Bf16Args(n_in=self.n_in, hidden=kernel.hidden, layers=kernel.num_layers)
        self._args_ptr = ctypes.addressof(self._args)
        self._version = -1
        self._pool: tuple = ()
        self._pool_key: list = []
        self._repeat: tuple | None = None

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
        self._ok = all(t.dtype is torch.float32 and t.is_cpu for t in kernel.fused)
        self._version = kernel.weights_version
        self._repeat = None

    def accepts(self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor) -> bool:
        """True when this path can step ``x`` (B, F) on pool rows ``index``."""
        if self.kernel.weights_version != self._version:
            self._refresh_weights()
        if not self._ok or x.dtype is not torch.float32 or not x.is_cpu or x.dim() != 2:
            return False
        if x.shape[1] != self.n_in:
            return False
        if index.dtype is not torch.int64 or not index.is_cpu or index.shape != (x.shape[0],):
            return False
        return self._check_pool(pool)

    def _check_pool(self, pool: tuple[torch.Tensor, ...]) -> bool:
        key = [t.data_ptr() for t in pool]
        if pool is self._pool and key == self._pool_key:
            return True
        expected = (self.kernel.num_layers, self.kernel.hidden)
        if len(pool) != 2 or not all(
            t.dtype is torch.float32 and t.is_cpu and t.is_contiguous() and t.dim() == 3
            and tuple(t.shape[1:]) == expected and t.shape[0] == pool[0].shape[0]
            for t in pool
        ):  # fmt: skip
            return False
        self._pool, self._pool_key = pool, key
        args = self._args
        args.h_pool, args.c_pool, args.capacity = key[0], key[1], pool[0].shape[0]
        return True

    def __call__(self, x, pool, index, span) -> torch.Tensor:
        """Advance pool rows ``index`` (or the range ``span``) with ``x`` (B, F); return (B, O)."""
        x = x.contiguous()
        self._repeat = None
        if span is None:
            index = index.contiguous()
            slots, start = index.data_ptr(), 0
        else:
            slots, start = None, span[0]
        args = self._args
        args.batch, args.start, args.slots = x.shape[0], start, slots
        y = self._run(x, check_finite=False)
        if not index.is_inference() and index.is_contiguous():
            self._repeat = (index, index._version, slots, start, x.shape)
        return y

    def repeat_small(self, x, pool, index, check_finite: bool = False) -> torch.Tensor | None:
        """Step ``x`` on the slots of the last step when nothing else changed, else None."""
        repeat = self._repeat
        if (
            repeat is None
            or type(x) is not torch.Tensor
            or index is not repeat[0]
            or index._version != repeat[1]
            or self.kernel.weights_version != self._version
            or pool is not self._pool
            or x.dtype is not torch.float32
            or not x.is_cpu
            or x.shape != repeat[4]
            or not x.is_contiguous()
            or list(map(torch.Tensor.data_ptr, pool)) != self._pool_key
        ):
            return None
        # batch, slots and start are still in the struct from that step (any other step
        # clears _repeat first): only the input and output addresses change.
        return self._run(x, check_finite)

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

    def _run(self, x: torch.Tensor, check_finite: bool) -> torch.Tensor | None:
        args = self._args
        threads = torch.get_num_threads() if x.shape[0] >= 256 and self.library.openmp else 1
        if threads != self._nthreads:
            if threads > self._threads:
                self._work(threads)
            args.nthreads = self._nthreads = threads
        y = torch.empty(x.shape[0], self.n_out)  # (B, O), fresh for the caller
        args.x, args.y, args.check_finite = x.data_ptr(), y.data_ptr(), int(check_finite)
        status = self.library.step(self._args_ptr)
        if status == -2:
            return None  # NaN / inf in x: nothing written; the runner's full path reports it
        if status == -3:
            raise StateError("Bf16Kernel: the library was built for another model shape")
        if status:
            raise StateError(f"Bf16Kernel: a slot index is outside the pool [0, {args.capacity})")
        return y

    def __repr__(self) -> str:
        return f"Bf16Path(lstm, hidden={self.kernel.hidden}, layers={self.kernel.num_layers})"


class Bf16Kernel(RecurrentKernel):
    """:class:`RecurrentKernel` with the native bf16 path (see the module docstring).

    Build it with :func:`bf16_kernel`, which checks the model and the library.

    Attributes
    ----------
    weights_version : int
        Incremented on every re-fuse of the weights; the bf16 copy follows it.
    """

    weights_version = 0

    def __init__(self, model, library: Bf16Library) -> None:
        super().__init__(model, native=False)
        self.native = Bf16Path(self, library)

    def refresh(self) -> None:
        """Re-fuse the fp32 weights (see :meth:`RecurrentKernel.refresh`); bf16 follows."""
        super().refresh()
        self.weights_version += 1

    def __repr__(self) -> str:
        return f"Bf16Kernel(lstm, layers={self.num_layers}, hidden={self.hidden})"


def bf16_kernel(model: object, device: torch.device | str = "cpu") -> tuple[Bf16Kernel | None, str]:
    """The bf16 kernel for ``model`` on ``device``, or None and the one-line reason."""
    if torch.device(device).type != "cpu":
        return None, f"the native bf16 step runs on the CPU, not {device}"
    reason = bf16_unsupported(model)
    if reason:
        return None, reason
    shape = (model.input_size, model.hidden_size, model.num_layers, model.output.out_features)
    library, reason = load_bf16(shape)
    if library is None:
        return None, reason
    return Bf16Kernel(model, library), reason
