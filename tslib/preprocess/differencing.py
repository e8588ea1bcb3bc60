"""Differencing (lag ``k``; seasonal with ``k`` = the season length) and log-returns.

Both are invertible given the last observed levels: pass the input values up to
the forecast origin as ``last`` to :meth:`inverse_column` (or ``history`` to
``inverse_transform`` / ``Pipeline.inverse_target``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError, StateError
from tslib.preprocess.base import StepTransform, register_transform

__all__ = ["Difference", "LogReturn", "undifference"]


def undifference(diffs: np.ndarray, last: np.ndarray, lag: int) -> np.ndarray:
    """Rebuild levels from lag-``lag`` differences.

    ``level[h] = diffs[h] + level[h - lag]``, where levels before the origin are
    ``last[-lag:]``.

    Parameters
    ----------
    diffs : np.ndarray
        Differences after the origin, time along the last axis: (..., H).
    last : np.ndarray
        Observed levels up to the origin, (L,) with L >= lag.
    lag : int
        Difference lag.

    Returns
    -------
    np.ndarray
        Levels, same shape as ``diffs``.

    Examples
    --------
    >>> undifference(np.array([1.0, 1.0, 1.0]), np.array([10.0, 20.0]), lag=2).tolist()
    [11.0, 21.0, 12.0]
    """
    diffs = np.asarray(diffs, dtype=np.float64)
    horizon = diffs.shape[-1]
    periods = -(-horizon // lag)  # ceil(H / lag)
    pad = periods * lag - horizon
    padded = np.concatenate([diffs, np.zeros((*diffs.shape[:-1], pad))], axis=-1)  # (..., P*lag)
    blocks = padded.reshape(*diffs.shape[:-1], periods, lag)  # (..., P, lag)
    levels = np.cumsum(blocks, axis=-2) + np.asarray(last[-lag:], dtype=np.float64)  # (..., P, lag)
    return levels.reshape(*diffs.shape[:-1], periods * lag)[..., :horizon]  # (..., H)


def _check_last(last: np.ndarray | None, lag: int, column: str, owner: str) -> np.ndarray:
    if last is None or len(last) < lag:
        raise InputError(
            f"{owner}: inverting column {column!r} needs its last {lag} observed level(s); "
            "pass them as `last` (or `history`)"
        )
    return np.asarray(last, dtype=np.float64)


class _LagTransform(StepTransform):
    """Shared state handling: keep the last ``lag`` input values of each column."""

    invertible = True
    lag: int

    def _init_state(self) -> dict:
        return {c: () for c in self.columns_}

    def _check_inverse(self, column: str) -> None:
        """Inverting needs a fitted transform that read ``column`` (StateError otherwise)."""
        self._check_fitted()
        if column not in self.columns_:
            raise StateError(
                f"{type(self).__name__}: column {column!r} was not fitted "
                f"(fitted columns: {self.columns_})"
            )

    def _pair(self, state: dict, column: str, value: float) -> tuple[float, tuple]:
        """Return the value ``lag`` rows back (NaN if none) and the updated history."""
        history = state[column] + (value,)
        if len(history) > self.lag:
            return history[0], history[1:]
        return math.nan, history


@register_transform("difference")
class Difference(_LagTransform):
    """``y_t = x_t - x_{t - lag}``; the first ``lag`` rows are NaN.

    Parameters
    ----------
    lag : int
        Difference lag; 1 for ordinary differencing, the season length (24 for
        hourly data with a daily cycle) for seasonal differencing.
    columns : Sequence[str] or None
        Columns to difference; ``None`` means every column of the training frame.
    """

    def __init__(self, lag: int = 1, columns: Sequence[str] | None = None):
        if lag < 1:
            raise InputError(f"Difference: lag must be >= 1, got {lag}")
        self.lag = lag
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        return data - data.shift(self.lag)

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out, new_state = {}, {}
        for column, value in x.items():
            before, new_state[column] = self._pair(state, column, value)
            out[column] = value - before
        return out, new_state

    def inverse_column(
        self, values: np.ndarray, column: str, last: np.ndarray | None = None
    ) -> np.ndarray:
        self._check_inverse(column)
        last = _check_last(last, self.lag, column, "Difference")
        return undifference(values, last, self.lag)

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "frame": "gappy"}, {"params": {"lag": 4}, "frame": "gappy"}]


@register_transform("log_return")
class LogReturn(_LagTransform):
    """``y_t = log(x_t) - log(x_{t - lag})``; values must be positive.

    Parameters
    ----------
    lag : int
        Return horizon in rows.
    columns : Sequence[str] or None
        Price-like columns; ``None`` means every column of the training frame.
    """

    def __init__(self, lag: int = 1, columns: Sequence[str] | None = None):
        if lag < 1:
            raise InputError(f"LogReturn: lag must be >= 1, got {lag}")
        self.lag = lag
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        for column in data.columns:
            if (data[column] <= 0).any():
                raise DataError(f"LogReturn: column {column!r} has values <= 0")
        logs = np.log(data)
        return logs - logs.shift(self.lag)

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out, new_state = {}, {}
        for column, value in x.items():
            if value <= 0:
                raise DataError(f"LogReturn: column {column!r} has value {value} <= 0")
            before, new_state[column] = self._pair(state, column, value)
            out[column] = math.log(value) - math.log(before)
        return out, new_state

    def inverse_column(
        self, values: np.ndarray, column: str, last: np.ndarray | None = None
    ) -> np.ndarray:
        self._check_inverse(column)
        last = _check_last(last, self.lag, column, "LogReturn")
        return np.exp(undifference(values, np.log(last), self.lag))

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "frame": "positive"}, {"params": {"lag": 3}, "frame": "positive"}]
