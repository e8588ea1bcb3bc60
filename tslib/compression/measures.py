"""What compression gains and loses: serialized size and one-step-ahead error."""

from __future__ import annotations

import io

import numpy as np
import torch
from torch import nn

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = ["model_size_bytes", "one_step_mse"]


def model_size_bytes(model: nn.Module) -> int:
    """Bytes of ``torch.save(model.state_dict())`` (counts packed int8 weights correctly)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def one_step_mse(
    model: RecurrentEncoder, series: torch.Tensor | np.ndarray, target_column: int = 0
) -> float:
    """Mean squared error of the model's one-step-ahead point forecasts over ``series``.

    The model reads ``series[:-1]`` with teacher forcing (one ``forward`` from a
    zero state); its point prediction after step t is compared with
    ``series[t + 1, target_column]``.

    Parameters
    ----------
    model : RecurrentEncoder
        Any stepwise encoder with ``input_size`` features and a point prediction.
    series : torch.Tensor or numpy.ndarray
        (N,) for a univariate model or (N, F); N >= 2, finite.
    target_column : int
        Column of ``series`` that is forecast.

    Returns
    -------
    float
        ``mean((point(y)[t, 0] - series[t + 1, target_column]) ** 2)`` over t < N - 1.

    Raises
    ------
    InputError
        Wrong shape, fewer than 2 steps, non-finite values or a bad column.
    """
    values = torch.from_numpy(np.array(series, dtype=np.float32))  # a copy: read-only input is fine
    if values.dim() == 1:
        values = values[:, None]  # (N, 1)
    if values.dim() != 2 or values.shape[0] < 2 or values.shape[1] != model.input_size:
        raise InputError(
            f"one_step_mse: series must be (N >= 2, {model.input_size}) or (N,), "
            f"got {tuple(np.shape(series))}"
        )
    if not torch.isfinite(values).all():
        raise InputError("one_step_mse: series holds NaN or inf")
    if not 0 <= target_column < values.shape[1]:
        raise InputError(f"one_step_mse: target_column {target_column} outside the series")
    with torch.inference_mode():
        y, _ = model(values[None, :-1])  # (1, N - 1, O)
        point = model.point(y[0])[:, 0]  # (N - 1,)
    return float((point - values[1:, target_column]).square().mean())
