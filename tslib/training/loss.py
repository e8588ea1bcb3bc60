"""The training loss of an encoder on windows, and its value on a whole data set.

The default loss is the model head's proper loss on the transformed outputs,
``model.head.loss(model.head.transform(y), target)`` (squared error for a point
head, pinball for quantiles, Gaussian NLL, cross-entropy for classes), and the
mean squared error for a model without a head. A custom ``loss(y, target)``
callable receives the raw outputs ``y`` (B, T', O) exactly as ``model.forward``
returns them and the targets (B, T', n_targets), after the burn-in steps are
dropped, and returns a scalar mean.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from tslib.errors import InputError
from tslib.training.data import SequenceData, as_sequence_data, iter_batches

__all__ = ["LossFn", "sequence_loss", "evaluate_loss"]

#: ``loss(y (B, T', O), target (B, T', n_targets)) -> scalar tensor`` (a mean).
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def sequence_loss(
    model: nn.Module,
    outputs: torch.Tensor,
    target: torch.Tensor,
    loss: LossFn | None = None,
    burn_in: int = 0,
) -> torch.Tensor:
    """Mean loss of raw ``outputs`` (B, T, O) against ``target`` (B, T, n), steps >= burn_in.

    Parameters
    ----------
    model : torch.nn.Module
        The encoder; its ``head`` (when present) defines the default loss.
    outputs : torch.Tensor
        Raw model outputs (B, T, O).
    target : torch.Tensor
        Targets (B, T, n_targets).
    loss : callable, optional
        Overrides the default (see the module docstring).
    burn_in : int
        Leading warm-up steps excluded from the loss.
    """
    outputs = outputs[:, burn_in:]  # (B, T', O)
    target = target[:, burn_in:]  # (B, T', n)
    if loss is not None:
        value = loss(outputs, target)
    else:
        head = getattr(model, "head", None)
        if head is not None and hasattr(head, "loss"):
            transform = getattr(head, "transform", None)
            params = transform(outputs) if transform is not None else outputs
            value = head.loss(
                params, target.to(outputs.dtype) if target.is_floating_point() else target
            )
        else:
            if outputs.shape != target.shape:
                raise InputError(
                    f"mean squared error: outputs {tuple(outputs.shape)} and targets "
                    f"{tuple(target.shape)} differ in shape"
                )
            value = torch.mean((outputs - target.to(outputs.dtype)) ** 2)
    if not isinstance(value, torch.Tensor) or value.ndim != 0:
        raise InputError("the loss must return a scalar tensor (a mean over the batch)")
    return value


@torch.no_grad()
def evaluate_loss(
    model: nn.Module,
    data: object,
    loss: LossFn | None = None,
    burn_in: int = 0,
    batch_size: int = 256,
) -> float:
    """Loss of ``model`` on a whole ``(x, y)`` data set, in eval mode, without gradients.

    Batches are visited in order and their mean losses are weighted by their
    window counts, so the result is the mean over all windows (for losses that
    average over steps and targets). ``fit`` computes its validation loss with
    this function, so ``evaluate_loss(model, val)`` after ``fit`` equals the best
    ``val_loss`` of the history.

    Parameters
    ----------
    model : torch.nn.Module
        A :class:`~tslib.encoders.base.StepEncoder` (``forward(x) -> (y, state)``).
    data : tuple
        ``(x (N, T, F), y (N, T, n_targets))``, see :mod:`tslib.training.data`.
    loss, burn_in
        As in :func:`sequence_loss`.
    batch_size : int
        Windows per forward pass.
    """
    checked: SequenceData = as_sequence_data(
        data, "evaluate_loss", getattr(model, "input_size", None), burn_in
    )
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    total, count = 0.0, 0
    try:
        for x, y in iter_batches(checked, batch_size):
            outputs, _ = model(x.to(device))  # (B, T, O)
            value = sequence_loss(model, outputs, y.to(device), loss, burn_in)
            total += float(value) * x.shape[0]
            count += x.shape[0]
    finally:
        model.train(was_training)
    return total / count
