"""Step kernels: advance a batch of pooled stream states by one step.

A kernel is the only code on the runner's hot path that touches the model. It
gets the input rows, the pool tensors and the slot index of each row, and must

1. read the state rows ``index`` from every pool tensor (dim 0 = slot),
2. advance them by one step of the model,
3. write the new rows back into the pool tensors **in place**, and
4. return the outputs (B, O).

:class:`PlainKernel` is the slow, obviously correct reference
(``index_select`` -> ``model.step`` -> ``index_copy_``). Fast kernels
(:mod:`tslib.runner.fast`, chosen by :func:`tslib.runner.fast.select_kernel` through
the :class:`~tslib.runner.fast.native_step.NativeStep` protocol) must be equivalent to
it. The runner returns a kernel's output tensor to the caller as is, so a kernel must
not overwrite it in a later call (clone a static CUDA-graph output, for example).

A kernel may also offer ``repeat_step(x, pool, index) -> y | None``: the runner calls
it, outside inference mode and before validating ``x``, when the very same id tuple
is stepped again with the same cached ``index``; it returns the outputs, or ``None``
with nothing written (then the runner takes its full path, which validates ``x``).

:func:`rollout` is the other stepping loop: the autoregressive roll-out used by
forecasts, on copies of the states.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from tslib.encoders.base import StepEncoder

__all__ = ["StepKernel", "PlainKernel", "rollout"]


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


def rollout(
    model: StepEncoder,
    state: tuple[torch.Tensor, ...],
    y_last: torch.Tensor,
    known: torch.Tensor | None,
    horizon: int,
) -> torch.Tensor:
    """Roll ``model`` forward autoregressively from ``state`` for ``horizon`` outputs.

    Parameters
    ----------
    model : StepEncoder
        The encoder; ``model.feedback_inputs[j]`` receives ``model.point(y)[:, j]``.
    state : tuple[torch.Tensor, ...]
        States (B, ...) after the last observed step; consumed (not copied).
    y_last : torch.Tensor
        (B, O) output of the last observed step, the prediction for the next one.
    known : torch.Tensor or None
        (B, horizon - 1, F) known future inputs; ``None`` means zeros, for models
        whose every input column is fed back.
    horizon : int
        Number of outputs, >= 1.

    Returns
    -------
    torch.Tensor
        (B, horizon, O): ``y_last`` followed by the outputs of ``horizon - 1`` steps,
        each on the known inputs with the feedback columns set from the previous output.
    """
    feedback = list(model.feedback_inputs)
    y_t = y_last  # (B, O)
    outputs = [y_t]
    for k in range(1, horizon):
        if known is None:
            x_t = y_t.new_zeros(y_t.shape[0], model.input_size)  # (B, F)
        else:
            x_t = known[:, k - 1].clone()  # (B, F)
        if feedback:
            point = model.point(y_t)  # (B, P)
            x_t[:, feedback] = point[:, : len(feedback)].to(x_t.dtype)
        y_t, state = model.step(x_t, state)  # (B, O)
        outputs.append(y_t)
    return torch.stack(outputs, dim=1)  # (B, horizon, O)
