"""Step kernels: advance a batch of pooled stream states by one step.

A kernel is the only code on the runner's hot path that touches the model. It
gets the input rows, the pool tensors and the slot index of each row, and must

1. read the state rows ``index`` from every pool tensor (dim 0 = slot),
2. advance them by one step of the model,
3. write the new rows back into the pool tensors **in place**, and
4. return the outputs (B, O).

:class:`PlainKernel` is the slow, obviously correct reference
(``index_select`` -> ``model.step`` -> ``index_copy_``). Fast kernels
(:mod:`tslib.runner.fast`) must be equivalent to it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from tslib.encoders.base import StepEncoder

__all__ = ["StepKernel", "PlainKernel"]


@runtime_checkable
class StepKernel(Protocol):
    """Callable that advances pooled states in place and returns the step outputs.

    Parameters
    ----------
    x : torch.Tensor
        Inputs (B, F), already on the pool's device and in the model dtype.
    pool : tuple[torch.Tensor, ...]
        State tensors with dim 0 = slot (capacity); updated in place.
    index : torch.Tensor
        Slot of each input row (B,), int64, on the pool's device, no duplicates.

    Returns
    -------
    torch.Tensor
        Outputs (B, O); row ``b`` belongs to slot ``index[b]``.
    """

    def __call__(
        self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor
    ) -> torch.Tensor: ...


class PlainKernel:
    """Reference kernel: gather rows, call ``model.step``, scatter rows back.

    Parameters
    ----------
    model : StepEncoder
        The encoder whose ``step`` advances the state.
    """

    def __init__(self, model: StepEncoder) -> None:
        self.model = model

    def __call__(
        self, x: torch.Tensor, pool: tuple[torch.Tensor, ...], index: torch.Tensor
    ) -> torch.Tensor:
        state = tuple(buffer.index_select(0, index) for buffer in pool)  # each (B, ...)
        y_t, new_state = self.model.step(x, state)  # (B, O)
        for buffer, rows in zip(pool, new_state):
            buffer.index_copy_(0, index, rows)  # (capacity, ...) rows at index
        return y_t

    def __repr__(self) -> str:
        return f"PlainKernel({type(self.model).__name__})"
