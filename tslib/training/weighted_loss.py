"""A head's own loss with a weight per target: say which of several predicted variables matters.

A multivariate forecaster that feeds its own predictions back (to roll out
several steps) must predict every observed variable, but the question is usually
about one of them. :func:`weighted_head_loss` keeps the head's proper loss
(Gaussian NLL, pinball, squared error) and weights its per-target terms, so the
target gets more of the model's capacity than, say, the wind speed.

Examples
--------
>>> import torch
>>> from tslib.encoders import RecurrentEncoder
>>> model = RecurrentEncoder(3, 8, 3, head="gaussian", seed=0)
>>> loss = weighted_head_loss(model, [1.0, 1.0, 1.0])
>>> x, y = torch.randn(2, 5, 3), torch.randn(2, 5, 3)
>>> from tslib.training.loss import sequence_loss
>>> bool(torch.isclose(loss(model(x)[0], y), sequence_loss(model, model(x)[0], y)))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tslib.errors import InputError
from tslib.training.loss import LossFn

__all__ = ["weighted_head_loss"]


def weighted_head_loss(model: nn.Module, weights: Sequence[float]) -> LossFn:
    """``loss(outputs, target)`` for :func:`~tslib.training.fit`: the head's loss, weighted.

    Parameters
    ----------
    model : torch.nn.Module
        An encoder with a regression head (point, Gaussian or quantile).
    weights : sequence of float
        One non-negative weight per target (``model.head.n_targets``), not all
        zero; they are normalised to mean 1, so equal weights give the default loss.

    Returns
    -------
    callable
        ``loss(outputs (B, T, O), target (B, T, n_targets)) -> scalar``.
    """
    head = getattr(model, "head", None)
    if head is None or not hasattr(head, "n_targets"):
        raise InputError("weighted_head_loss: the model has no regression head")
    weight = torch.as_tensor(list(weights), dtype=torch.float32)  # (N,)
    if weight.ndim != 1 or weight.numel() != head.n_targets:
        raise InputError(
            f"weighted_head_loss: {weight.numel()} weights for {head.n_targets} targets"
        )
    if bool((weight < 0).any()) or not bool((weight > 0).any()) or not weight.isfinite().all():
        raise InputError(f"weighted_head_loss: weights must be >= 0, finite, not all 0: {weights}")
    weight = weight / weight.mean()

    def loss(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        params = head.transform(outputs)
        values = head.loss(params, target.to(outputs.dtype), reduction="none")  # (B, T, N[, Q])
        scale = weight.to(values.device, values.dtype)
        if values.ndim == target.ndim + 1:  # quantile heads: (B, T, N, Q)
            scale = scale[:, None]
        return (values * scale).mean()

    return loss
