"""Causal denoising: exponentially weighted mean and trailing rolling median.

Both smoothers keep NaN where the input is missing (fill first if you need a
value there); missing values are skipped by the running statistic. Infinite
values raise :class:`~tslib.errors.DataError` in ``transform`` and ``step`` alike
(see :mod:`tslib.preprocess.finite`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import pandas as pd

from tslib.errors import InputError
from tslib.preprocess.base import StepTransform, register_transform
from tslib.preprocess.finite import reject_infinite_frame, reject_infinite_row

__all__ = ["EWMASmoother", "RollingMedian"]


@register_transform("ewma")
class EWMASmoother(StepTransform):
    """Exponentially weighted moving average, ``m_t = (1 - alpha) m_{t-1} + alpha x_t``.

    Starts at the first observed value; equals ``pandas`` ``ewm(alpha, adjust=False,
    ignore_na=True).mean()`` at observed rows.

    Parameters
    ----------
    alpha : float
        Smoothing factor in (0, 1]; 1 returns the input.
    columns : Sequence[str] or None
        Columns to smooth; ``None`` means every column of the training frame.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    >>> EWMASmoother(alpha=0.5).fit(frame).transform(frame)["y"].tolist()
    [1.0, 1.5, 2.25]
    """

    def __init__(self, alpha: float = 0.3, columns: Sequence[str] | None = None):
        if not 0.0 < alpha <= 1.0:
            raise InputError(f"EWMASmoother: alpha must be in (0, 1], got {alpha}")
        self.alpha = alpha
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        reject_infinite_frame(data, "EWMASmoother")
        smooth = data.ewm(alpha=self.alpha, adjust=False, ignore_na=True).mean()
        return smooth.where(data.notna())

    def _init_state(self) -> dict:
        return {c: math.nan for c in self.columns_}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        reject_infinite_row(x, timestamp, "EWMASmoother")
        out, new_state = {}, {}
        for column, value in x.items():
            mean = state[column]
            if not math.isnan(value):
                mean = value if math.isnan(mean) else (1 - self.alpha) * mean + self.alpha * value
                out[column] = mean
            else:
                out[column] = math.nan
            new_state[column] = mean
        return out, new_state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {"alpha": 0.5}, "frame": "gappy"},
            {"params": {"alpha": 0.1}, "frame": "positive"},
        ]


@register_transform("rolling_median")
class RollingMedian(StepTransform):
    """Median of the trailing ``window`` rows (the current one included).

    Parameters
    ----------
    window : int
        Window length, rows.
    min_periods : int
        Fewer observed values than this in the window: NaN.
    columns : Sequence[str] or None
        Columns to smooth; ``None`` means every column of the training frame.
    """

    def __init__(self, window: int = 5, min_periods: int = 1, columns: Sequence[str] | None = None):
        if window < 1:
            raise InputError(f"RollingMedian: window must be >= 1, got {window}")
        if not 1 <= min_periods <= window:
            raise InputError(
                f"RollingMedian: min_periods must be in [1, window], got {min_periods}"
            )
        self.window = window
        self.min_periods = min_periods
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        reject_infinite_frame(data, "RollingMedian")
        median = data.rolling(self.window, min_periods=self.min_periods).median()
        return median.where(data.notna())

    def _init_state(self) -> dict:
        return {c: () for c in self.columns_}  # per column: last window - 1 raw values

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        reject_infinite_row(x, timestamp, "RollingMedian")
        out, new_state = {}, {}
        for column, value in x.items():
            window = (state[column] + (value,))[-self.window :]
            new_state[column] = window[1:] if len(window) == self.window else window
            observed = [v for v in window if not math.isnan(v)]
            enough = not math.isnan(value) and len(observed) >= self.min_periods
            out[column] = statistics.median(observed) if enough else math.nan
        return out, new_state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {"window": 3}, "frame": "gappy"},
            {"params": {"window": 4, "min_periods": 3, "columns": ["a"]}, "frame": "gappy"},
        ]
