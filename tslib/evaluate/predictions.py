"""Point predictions and central intervals from an encoder's raw outputs, via its head.

* point: ``model.point(raw)`` (the median quantile, the Gaussian mean, the argmax class);
* interval of coverage ``c``: the quantiles at levels ``(1 - c) / 2`` and
  ``(1 + c) / 2`` for a quantile head (they must be among its levels), or
  ``mean -/+ z_{(1 + c) / 2} * std`` for a Gaussian head. Other heads have none.

Examples
--------
>>> import torch
>>> from tslib.encoders import RecurrentEncoder
>>> model = RecurrentEncoder(1, 4, 1, head="gaussian")
>>> raw = torch.tensor([[2.0, 0.0]])  # mean 2, std softplus(0) + 1e-4
>>> point, lower, upper = head_predictions(model, raw, interval=0.9)
>>> round(float(point[0]), 4), round(float(upper[0] - point[0]), 4)
(2.0, 1.1403)
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from torch import nn

from tslib.encoders.heads import GaussianHead, QuantileHead
from tslib.errors import InputError
from tslib.validation import check_probability

__all__ = ["head_predictions", "check_interval", "float_array"]


def float_array(values: object, what: str) -> np.ndarray:
    """A float64 copy of ``values``; non-numeric data raises InputError naming ``what``."""
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"{what} must be numeric: {error}") from error


def check_interval(interval: float | None) -> float | None:
    """``interval`` as a float in (0, 1), or None; anything else raises InputError."""
    return None if interval is None else check_probability(interval, "interval (coverage level)")


@torch.no_grad()
def head_predictions(
    model: nn.Module, raw: torch.Tensor, output_index: int = 0, interval: float | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Point prediction and optional interval bounds of target ``output_index``.

    Parameters
    ----------
    model : torch.nn.Module
        The encoder (a :class:`~tslib.encoders.base.StepEncoder`).
    raw : torch.Tensor
        Raw outputs (..., O) as ``step`` / ``forward`` / ``runner.forecast`` return them.
    output_index : int
        Which of the point prediction's targets to return.
    interval : float, optional
        Central coverage level, e.g. 0.8.

    Returns
    -------
    tuple
        ``(point, lower, upper)`` as float64 arrays shaped like ``raw[..., 0]``;
        ``lower`` and ``upper`` are None when ``interval`` is None.

    Raises
    ------
    InputError
        ``output_index`` out of range, or an interval the head cannot give.
    """
    interval = check_interval(interval)
    point = model.point(raw)  # (..., n_targets)
    if not 0 <= output_index < point.shape[-1]:
        raise InputError(
            f"output_index {output_index} is out of range for {point.shape[-1]} point targets"
        )
    values = point[..., output_index].double().cpu().numpy()
    if interval is None:
        return values, None, None
    head = getattr(model, "head", None)
    name = type(model).__name__
    if isinstance(head, QuantileHead):
        low, high = (1 - interval) / 2, (1 + interval) / 2
        levels = np.asarray(head.levels)
        found = [np.flatnonzero(np.isclose(levels, level, atol=1e-9)) for level in (low, high)]
        if any(f.size == 0 for f in found):
            raise InputError(
                f"{name}: interval {interval} needs quantile levels {low:g} and {high:g}, "
                f"the head has {head.levels}"
            )
        quantiles = head.transform(raw)[..., output_index, :]  # (..., Q)
        lower = quantiles[..., int(found[0][0])]  # (...)
        upper = quantiles[..., int(found[1][0])]  # (...)
    elif isinstance(head, GaussianHead):
        mean, std = head.mean_std(head.transform(raw))  # (..., N) each
        z = float(stats.norm.ppf((1 + interval) / 2))
        lower = mean[..., output_index] - z * std[..., output_index]  # (...)
        upper = mean[..., output_index] + z * std[..., output_index]  # (...)
    else:
        raise InputError(
            f"{name} has a {type(head).__name__} head, which gives no interval; "
            "use a quantile or gaussian head, or interval=None"
        )
    return values, lower.double().cpu().numpy(), upper.double().cpu().numpy()
