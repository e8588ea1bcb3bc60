"""The native-step protocol: what a fast step serves, and the compiled path's shared checks.

Two levels, both implemented by the fp32 recurrent step (:mod:`.recurrent`,
:mod:`.recurrent_native`), its CUDA-graph variant (:mod:`.cuda_graph`), the transformer
step (:mod:`.transformer_native`) and the bf16 LSTM step (:mod:`.bf16_native`):

**Selection** (:class:`NativeStep`). One object per step family, listed in
:data:`tslib.runner.fast.FAST_STEPS` and asked in that order by
:func:`tslib.runner.fast.select_kernel`:

* ``name``: a short label (``"bf16"``, ``"transformer"``, ``"cuda_graph"``,
  ``"recurrent"``);
* ``supports(model, device) -> str | None``: ``None`` when this family can step
  ``model`` on ``device``, else the one-line reason it cannot (shown by
  :func:`tslib.runner.fast.explain_kernel`);
* ``kernel(model, device)``: the :class:`~tslib.runner.kernels.StepKernel` (only called
  after ``supports`` returned ``None``).

Every kernel keeps the model's own state layout (``model.init_state``: the pool tensors
with dim 0 = slot), so snapshots, ``state_of``, ``forecast`` and ``observe`` (which
runs the model's ``forward``) are the same whichever kernel steps. A kernel may offer
``repeat_step(x, pool, index) -> y | None``, the runner's lane for the same streams
stepped again with the same cached index tensor; ``None`` declines with nothing written
and the runner takes its full path.

**The compiled path** (:class:`CompiledPath`). The part of a recurrent kernel that
calls C through :mod:`ctypes` on float32 CPU tensors with the pool layout
``(capacity, L, H)`` per state tensor: the fp32 path
(:class:`~tslib.runner.fast.recurrent_native.NativePath`) and the bf16 path
(:class:`~tslib.runner.fast.bf16_native.Bf16Path`). It holds, once, the checks they
share: :meth:`CompiledPath.accepts` (dtypes, devices, shapes, the pool layout cached
per pool), ``__call__`` (slots or a contiguous span; remembers a repeatable step) and
:meth:`CompiledPath.repeat_small`, the repeat lane. The repeat lane is timed to the
microsecond: it is one method with its checks inline and one ctypes call, no helper
calls.
"""

from __future__ import annotations

import ctypes
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from tslib.errors import StateError

if TYPE_CHECKING:
    from tslib.runner.kernels import StepKernel

__all__ = ["CompiledPath", "NativeStep"]

_DATA_PTR = torch.Tensor.data_ptr


class NativeStep(ABC):
    """A family of fast steps: which models and devices it serves, and its kernel."""

    #: Short label of the family (used by ``explain_kernel`` and benchmarks).
    name: ClassVar[str]

    @abstractmethod
    def supports(self, model: object, device: torch.device | str) -> str | None:
        """``None`` when this family steps ``model`` on ``device``; else the reason it cannot."""

    @abstractmethod
    def kernel(self, model: Any, device: torch.device | str) -> StepKernel:
        """The step kernel for ``model`` on ``device`` (call after :meth:`supports` said yes)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CompiledPath(ABC):
    """The ctypes path of one recurrent kernel: the checks shared by the fp32 and bf16 paths.

    A subclass sets, in its ``__init__`` (after calling this one): ``_args`` (the
    ctypes argument struct of its whole-step entry point, with fields ``x``, ``y``,
    ``check_finite``, ``batch``, ``start``, ``slots``), ``_c_step`` (that entry point:
    one pointer argument, returns 0, -1 for a slot outside the pool, -2 for a NaN /
    inf in ``x`` when ``check_finite`` is set, other codes as :meth:`_failure` says)
    and ``n_out``; and implements :meth:`_refresh_weights`, :meth:`_bind_pool` and
    :meth:`_large` (batches above ``small_max``).

    Parameters
    ----------
    kernel : RecurrentKernel
        The owning kernel: ``model``, ``cell``, ``hidden``, ``num_layers``, ``fused``
        and ``generation`` (incremented whenever this path must re-read the weights).
    small_max : int
        Batches up to this size take one whole-step C call and may repeat;
        larger ones go to :meth:`_large`.
    large : bool
        Whether batches above ``small_max`` are taken at all.

    Attributes
    ----------
    n_states : int
        State tensors in the pool: 2 for an LSTM (h, c), else 1.
    """

    #: Name used in error messages.
    owner: ClassVar[str] = "RecurrentKernel"
    #: The C step takes a thread count (:meth:`_set_threads` is called before each full step).
    threaded: ClassVar[bool] = False

    def __init__(self, kernel: Any, small_max: int, large: bool) -> None:
        self.kernel = kernel
        self.small_max = small_max
        self.large = large
        self.n_in = kernel.model.input_size
        self.n_states = 2 if kernel.cell == "lstm" else 1
        self._generation = -1  # kernel.generation the weights were read at
        self._float32_cpu = False  # the fused weights are float32 CPU tensors
        self._pool: tuple = ()  # the pool tuple last validated (runner: same object)
        self._pool_key: list = []  # its tensors' data pointers
        # (index, its version, x shape) of the last small step whose checks repeat_small
        # may reuse; None until a small step with a versioned, contiguous index.
        self._repeat: tuple | None = None
        self._args: ctypes.Structure
        self._args_ptr: int
        self._c_step: ctypes._CFuncPtr
        self.n_out: int

    # ----------------------------------------------------------------- hooks
    @abstractmethod
    def _refresh_weights(self) -> None:
        """Re-read the kernel's fused weights into the argument struct(s); set
        ``_float32_cpu`` and ``_generation = kernel.generation``."""

    @abstractmethod
    def _bind_pool(self, h_pool: int, c_pool: int | None, capacity: int) -> None:
        """Write the addresses of a validated pool into the argument struct(s)."""

    @abstractmethod
    def _large(self, x: torch.Tensor, slots: int | None, start: int) -> torch.Tensor:
        """Step a batch above ``small_max``; return the outputs (B, O)."""

    def _set_threads(self, batch: int) -> None:
        """Set the thread count for a step of ``batch`` rows (only when :attr:`threaded`)."""
        raise NotImplementedError(f"{type(self).__name__} sets threaded but not _set_threads")

    def _failure(self, status: int) -> StateError:
        """The error for a nonzero status of the C step (other than -2)."""
        capacity = self._args.capacity
        return StateError(f"{self.owner}: a slot index is outside the pool [0, {capacity})")

    # ---------------------------------------------------------------- checks
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
        """Validate the pool layout once per set of pool tensors; bind its addresses."""
        key = [t.data_ptr() for t in pool]
        if pool is self._pool and key == self._pool_key:  # same tensor objects, same storage
            return True
        expected = (self.kernel.num_layers, self.kernel.hidden)
        if len(pool) != self.n_states or not all(
            t.dtype is torch.float32
            and t.is_cpu
            and t.is_contiguous()
            and t.dim() == 3
            and tuple(t.shape[1:]) == expected
            and t.shape[0] == pool[0].shape[0]
            for t in pool
        ):
            return False
        self._pool, self._pool_key = pool, key
        self._bind_pool(key[0], key[1] if self.n_states == 2 else None, pool[0].shape[0])
        return True

    # -------------------------------------------------------------- stepping
    def __call__(
        self,
        x: torch.Tensor,
        pool: tuple[torch.Tensor, ...],
        index: torch.Tensor,
        span: tuple[int, int] | None,
    ) -> torch.Tensor:
        """Advance pool rows ``index`` (or the range ``span``) with ``x`` (B, F); return (B, O).

        Call :meth:`accepts` first: it validates the arguments and binds the pool.
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
        if self.threaded:
            self._set_threads(x.shape[0])
        y = torch.empty(x.shape[0], self.n_out)  # (B, O), fresh for the caller
        args = self._args
        args.batch, args.start, args.slots = x.shape[0], start, slots
        args.x, args.y, args.check_finite = x.data_ptr(), y.data_ptr(), 0
        status = self._c_step(self._args_ptr)
        if status:
            raise self._failure(status)
        if reusable:  # checked by accepts: repeat_small may skip the checks next time
            self._repeat = (index, index._version, x.shape)
        return y

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
        the weights' generation differ from that step's, or ``x`` is not a contiguous
        float32 CPU tensor of the same shape: the caller then takes the full path.
        ``check_finite``: also return None, before writing anything, when ``x`` holds
        a NaN or an infinity (checked in C; the caller's full path reports it).
        The batch, start, slots and thread count stay in the struct from that step
        (any other step clears the repeat first): only the input and output addresses
        change.
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
            or x.shape != repeat[2]
            or not x.is_contiguous()
            or list(map(_DATA_PTR, pool)) != self._pool_key
        ):
            return None
        y = torch.empty(repeat[2][0], self.n_out)  # (B, O), fresh for the caller
        args = self._args
        args.x, args.y, args.check_finite = x.data_ptr(), y.data_ptr(), check_finite
        status = self._c_step(self._args_ptr)
        if status:
            if status == -2:
                return None  # NaN / inf in x: nothing written; the full path reports it
            raise self._failure(status)
        return y
