"""Causal outlier handling: a trailing Hampel filter and an IQR clip fitted on train."""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import norm

from tslib.errors import DataError, InputError
from tslib.preprocess.base import StepTransform, register_transform

__all__ = ["HampelFilter", "IQRClip", "MAD_TO_SIGMA"]

#: Factor that turns a median absolute deviation into a normal standard deviation (≈1.4826).
MAD_TO_SIGMA = float(1.0 / norm.ppf(0.75))


@register_transform("hampel")
class HampelFilter(StepTransform):
    """Replace outliers by the median of a trailing window (a causal Hampel filter).

    For row ``t`` the window holds the raw values of rows ``t - window + 1 .. t``
    (the current one included; missing values are skipped). With median ``m`` and
    median absolute deviation ``MAD``, the value is replaced by ``m`` when
    ``|x_t - m| > n_sigmas * 1.4826 * MAD``. The usual Hampel filter centres the
    window on ``t`` and so looks ahead; this one only looks back.

    Parameters
    ----------
    window : int
        Trailing window length, rows (>= 3).
    n_sigmas : float
        Threshold in robust standard deviations.
    min_periods : int
        Fewer observed values than this in the window: the value passes unchanged.
    columns : Sequence[str] or None
        Columns to filter; ``None`` means every column of the training frame.
    """

    def __init__(
        self,
        window: int = 7,
        n_sigmas: float = 3.0,
        min_periods: int = 3,
        columns: Sequence[str] | None = None,
    ):
        if window < 3:
            raise InputError(f"HampelFilter: window must be >= 3, got {window}")
        if not 1 <= min_periods <= window:
            raise InputError(f"HampelFilter: min_periods must be in [1, window], got {min_periods}")
        self.window = window
        self.n_sigmas = n_sigmas
        self.min_periods = min_periods
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        values = data.to_numpy()  # (T, C)
        if values.shape[0] == 0:  # no rows: no windows (sliding_window_view needs W rows)
            return data.copy()
        padded = np.vstack([np.full((self.window - 1, values.shape[1]), np.nan), values])
        windows = sliding_window_view(padded, self.window, axis=0)  # (T, C, W)
        count = np.sum(~np.isnan(windows), axis=-1)  # (T, C)
        with warnings.catch_warnings():  # all-NaN windows give NaN medians, masked below
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(windows, axis=-1)  # (T, C)
            mad = np.nanmedian(np.abs(windows - median[..., None]), axis=-1)  # (T, C)
        outlier = np.abs(values - median) > self.n_sigmas * MAD_TO_SIGMA * mad
        replace = outlier & (count >= self.min_periods)
        return pd.DataFrame(
            np.where(replace, median, values), index=data.index, columns=data.columns
        )

    def _init_state(self) -> dict:
        return {c: () for c in self.columns_}  # per column: last window - 1 raw values

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out, new_state = {}, {}
        for column, value in x.items():
            window = state[column] + (value,)
            new_state[column] = window[1:] if len(window) == self.window else window
            observed = [v for v in window if not math.isnan(v)]
            out[column] = value
            if math.isnan(value) or len(observed) < self.min_periods:
                continue
            median = statistics.median(observed)
            mad = statistics.median(abs(v - median) for v in observed)
            if abs(value - median) > self.n_sigmas * MAD_TO_SIGMA * mad:
                out[column] = median
        return out, new_state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {"window": 5}, "frame": "gappy"},
            {"params": {"window": 8, "n_sigmas": 2.0, "min_periods": 4}, "frame": "gappy"},
        ]


@register_transform("iqr_clip")
class IQRClip(StepTransform):
    """Clip each column to ``[q1 - k IQR, q3 + k IQR]`` with quartiles of the train frame.

    Parameters
    ----------
    k : float
        Fence multiplier (Tukey's 1.5 by default).
    columns : Sequence[str] or None
        Columns to clip; ``None`` means every column of the training frame.

    Attributes
    ----------
    lower_, upper_ : dict[str, float]
        Fences of each column (quartiles by linear interpolation, NaNs ignored).
    """

    def __init__(self, k: float = 1.5, columns: Sequence[str] | None = None):
        if k < 0:
            raise InputError(f"IQRClip: k must be >= 0, got {k}")
        self.k = k
        self.columns = columns

    def _fit(self, train: pd.DataFrame) -> None:
        self.lower_, self.upper_ = {}, {}
        for column in train.columns:
            observed = train[column].dropna().to_numpy()
            if observed.size == 0:
                raise DataError(f"IQRClip: column {column!r} has no value in the train frame")
            q1, q3 = np.percentile(observed, [25.0, 75.0])
            self.lower_[column] = float(q1 - self.k * (q3 - q1))
            self.upper_[column] = float(q3 + self.k * (q3 - q1))

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        return data.clip(lower=pd.Series(self.lower_), upper=pd.Series(self.upper_), axis=1)

    def _init_state(self) -> dict:
        return {}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out = {}
        for column, value in x.items():
            clipped = min(max(value, self.lower_[column]), self.upper_[column])
            out[column] = value if math.isnan(value) else clipped
        return out, state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "frame": "gappy"}, {"params": {"k": 0.5}, "frame": "positive"}]
