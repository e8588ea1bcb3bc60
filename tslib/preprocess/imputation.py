"""Causal imputation: fill a missing value using only the past (or the training set).

None of these fillers ever looks at later rows. This is on purpose: Darts' default
filler (``fill_missing_values`` → ``pandas.DataFrame.interpolate(limit_direction="both")``)
interpolates in both directions, so a gap is filled with the help of values that
come *after* it, which leaks the future into a backtest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.preprocess.base import StepTransform, register_transform
from tslib.preprocess.finite import reject_infinite_frame, reject_infinite_row

__all__ = ["ForwardFill", "PastMeanFill", "EWMAFill", "TrainValueFill"]


@register_transform("forward_fill")
class ForwardFill(StepTransform):
    """Carry the last observed value forward.

    Parameters
    ----------
    columns : Sequence[str] or None
        Columns to fill; ``None`` means every column of the training frame.
    limit : int or None
        Fill at most this many consecutive missing values; later ones stay NaN
        (as in ``pandas.Series.ffill(limit=...)``). ``None``: no limit.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, None, None, 4.0]})
    >>> ForwardFill(limit=1).fit(frame).transform(frame)["y"].tolist()
    [1.0, 1.0, nan, 4.0]
    """

    def __init__(self, columns: Sequence[str] | None = None, limit: int | None = None):
        if limit is not None and limit < 1:
            raise InputError(f"ForwardFill: limit must be >= 1 or None, got {limit}")
        self.columns = columns
        self.limit = limit

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        return data.ffill(limit=self.limit)

    def _init_state(self) -> dict:
        # per column: (last observed value, missing values since then)
        return {"last": {c: (math.nan, 0) for c in self.columns_}}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out, last = {}, {}
        for column, value in x.items():
            previous, gap = state["last"][column]
            if math.isnan(value):
                gap += 1
                within = self.limit is None or gap <= self.limit
                out[column] = previous if within else math.nan
                last[column] = (previous, gap)
            else:
                out[column] = value
                last[column] = (value, 0)
        return out, {"last": last}

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {}, "frame": "gappy"},
            {"params": {"columns": ["a"], "limit": 2}, "frame": "gappy"},
        ]


@register_transform("past_mean_fill")
class PastMeanFill(StepTransform):
    """Fill a missing value with the mean of the observed values before it.

    Parameters
    ----------
    columns : Sequence[str] or None
        Columns to fill; ``None`` means every column of the training frame.
    window : int or None
        Average over the last ``window`` rows (the missing row included, so at most
        ``window - 1`` values); ``None`` averages the whole past (expanding mean).
        With no observed value in reach, the value stays NaN.
    """

    def __init__(self, columns: Sequence[str] | None = None, window: int | None = None):
        if window is not None and window < 2:
            raise InputError(f"PastMeanFill: window must be >= 2 or None, got {window}")
        self.columns = columns
        self.window = window

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        reject_infinite_frame(data, "PastMeanFill")  # an inf would enter every later mean
        if self.window is None:
            means = data.expanding(min_periods=1).mean()
        else:
            means = data.rolling(self.window, min_periods=1).mean()
        return data.fillna(means)

    def _init_state(self) -> dict:
        if self.window is None:  # per column: (sum, count) of observed values
            return {c: (0.0, 0) for c in self.columns_}
        return {c: () for c in self.columns_}  # per column: last window - 1 raw values

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        reject_infinite_row(x, timestamp, "PastMeanFill")
        out, new_state = {}, {}
        for column, value in x.items():
            if self.window is None:
                total, count = state[column]
                mean = total / count if count else math.nan
                if not math.isnan(value):
                    total, count = total + value, count + 1
                new_state[column] = (total, count)
            else:
                past = state[column]
                observed = [v for v in past if not math.isnan(v)]
                mean = sum(observed) / len(observed) if observed else math.nan
                new_state[column] = (past + (value,))[-(self.window - 1) :]
            out[column] = mean if math.isnan(value) else value
        return out, new_state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {}, "frame": "gappy"},
            {"params": {"window": 4}, "frame": "gappy"},
        ]


@register_transform("ewma_fill")
class EWMAFill(StepTransform):
    """Fill a missing value with the exponentially weighted mean of the past observations.

    The running mean skips missing values: ``m <- (1 - alpha) m + alpha x`` for each
    observed ``x``, starting from the first one (``pandas`` ``ewm(adjust=False,
    ignore_na=True)``). Observed values pass through unchanged.

    Parameters
    ----------
    alpha : float
        Smoothing factor in (0, 1].
    columns : Sequence[str] or None
        Columns to fill; ``None`` means every column of the training frame.
    """

    def __init__(self, alpha: float = 0.3, columns: Sequence[str] | None = None):
        if not 0.0 < alpha <= 1.0:
            raise InputError(f"EWMAFill: alpha must be in (0, 1], got {alpha}")
        self.alpha = alpha
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        reject_infinite_frame(data, "EWMAFill")  # an inf would enter every later mean
        running = data.ewm(alpha=self.alpha, adjust=False, ignore_na=True).mean()
        return data.fillna(running)

    def _init_state(self) -> dict:
        return {c: math.nan for c in self.columns_}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        reject_infinite_row(x, timestamp, "EWMAFill")
        out, new_state = {}, {}
        for column, value in x.items():
            mean = state[column]
            if math.isnan(value):
                out[column] = mean
            else:
                out[column] = value
                mean = value if math.isnan(mean) else (1 - self.alpha) * mean + self.alpha * value
            new_state[column] = mean
        return out, new_state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {"alpha": 0.5}, "frame": "gappy"}]


@register_transform("train_value_fill")
class TrainValueFill(StepTransform):
    """Fill missing values with one statistic of the training frame.

    Parameters
    ----------
    statistic : {"mean", "median", "last"}
        Training-set mean, median, or last observed value of each column.
    columns : Sequence[str] or None
        Columns to fill; ``None`` means every column of the training frame.

    Attributes
    ----------
    fill_values_ : dict[str, float]
        The fill value of each column.
    """

    statistics = ("mean", "median", "last")

    def __init__(self, statistic: str = "mean", columns: Sequence[str] | None = None):
        if statistic not in self.statistics:
            raise InputError(f"TrainValueFill: statistic must be one of {self.statistics}")
        self.statistic = statistic
        self.columns = columns

    def _fit(self, train: pd.DataFrame) -> None:
        self.fill_values_ = {}
        for column in train.columns:
            observed = train[column].dropna().to_numpy()
            if observed.size == 0:
                raise DataError(
                    f"TrainValueFill: column {column!r} has no value in the train frame"
                )
            if self.statistic == "mean":
                value = np.mean(observed)
            elif self.statistic == "median":
                value = np.median(observed)
            else:
                value = observed[-1]
            self.fill_values_[column] = float(value)

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        return data.fillna(self.fill_values_)

    def _init_state(self) -> dict:
        return {}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out = {c: self.fill_values_[c] if math.isnan(v) else v for c, v in x.items()}
        return out, state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {"statistic": "median"}, "frame": "gappy"},
            {"params": {"statistic": "last", "columns": ["a"]}, "frame": "gappy"},
        ]
