"""The masked loss: mean squared error over the target entries that carry weight.

Targets that must not be learnt (padding after a unit's last cycle, a horizon
beyond the data, a reading that was missing and imputed for the input) stay in
the data set with weight 0. The data format of :func:`tslib.training.fit` is one
target tensor, so the weights travel next to the values, in one layout:

``target (B, T, 2 K)`` = the K target values, then their K weights (1 = learn
this value, 0 = ignore it; any weight >= 0 is allowed).

:func:`~tslib.training.windows.make_windows` (whole units) and
:func:`~tslib.training.multi_horizon.horizon_targets` build targets in this
layout; pass ``loss=masked_mse`` to :func:`tslib.training.fit`.

Examples
--------
>>> outputs = torch.tensor([[[1.0], [2.0], [100.0]]])  # (B=1, T=3, K=1)
>>> target = torch.tensor([[[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]]])  # value, weight
>>> float(masked_mse(outputs, target))  # the padded step (weight 0) is ignored
2.5
"""

from __future__ import annotations

import torch

from tslib.errors import InputError

__all__ = ["masked_mse"]


def masked_mse(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the weighted entries: a loss for :func:`tslib.training.fit`.

    Parameters
    ----------
    outputs : torch.Tensor
        (B, T, K) model outputs.
    target : torch.Tensor
        (B, T, 2 K): the K values, then the K weights.

    Returns
    -------
    torch.Tensor
        Scalar: ``sum(w (out - value)^2) / max(sum(w), 1)``.

    Raises
    ------
    InputError
        ``target`` is not (B, T, 2 K) for ``outputs`` (B, T, K).
    """
    width = outputs.shape[-1]
    if target.shape[-1] != 2 * width or target.shape[:-1] != outputs.shape[:-1]:
        raise InputError(
            f"masked_mse: outputs {tuple(outputs.shape)} need target (B, T, 2 x {width}) "
            f"(values, then weights), got {tuple(target.shape)}"
        )
    values, weights = target[..., :width], target[..., width:]  # (B, T, K) each
    squared = weights * (outputs - values) ** 2  # (B, T, K)
    return squared.sum() / weights.sum().clamp_min(1.0)
