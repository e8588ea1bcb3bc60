"""Scalers fitted on the training frame only: standard, robust (median / IQR), min-max.

Each scaler maps ``x -> (x - center_) / scale_`` per column (min-max adds an
offset for its output range), ignores NaNs when fitting and keeps them when
transforming, and uses a scale of 1 for a constant column, like scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError, StateError
from tslib.preprocess.base import StepTransform, register_transform
from tslib.preprocess.finite import reject_infinite_frame

__all__ = ["StandardScaler", "RobustScaler", "MinMaxScaler"]


class _AffineScaler(StepTransform):
    """Shared code: ``y = (x - center_) / scale_ + offset_`` per column.

    Subclasses implement :meth:`_statistics` returning ``(center, scale, offset)``
    for one column's observed training values.
    """

    invertible = True

    def _statistics(self, observed: np.ndarray) -> tuple[float, float, float]:
        raise NotImplementedError

    def _fit(self, train: pd.DataFrame) -> None:
        reject_infinite_frame(train, type(self).__name__, what="training column")
        self.center_, self.scale_, self.offset_ = {}, {}, {}
        for column in train.columns:
            observed = train[column].dropna().to_numpy()  # (N,)
            if observed.size == 0:
                raise DataError(f"{type(self).__name__}: column {column!r} has no value in train")
            center, scale, offset = self._statistics(observed)
            self.center_[column] = float(center)
            self.scale_[column] = float(scale) if scale > 0 else 1.0
            self.offset_[column] = float(offset)

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        center, scale = pd.Series(self.center_), pd.Series(self.scale_)
        return (data - center) / scale + pd.Series(self.offset_)

    def _init_state(self) -> dict:
        return {}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        out = {c: (v - self.center_[c]) / self.scale_[c] + self.offset_[c] for c, v in x.items()}
        return out, state

    def inverse_column(
        self, values: np.ndarray, column: str, last: np.ndarray | None = None
    ) -> np.ndarray:
        self._check_fitted()
        if column not in self.center_:
            raise StateError(f"{type(self).__name__}: column {column!r} was not fitted")
        values = np.asarray(values, dtype=np.float64)
        return (values - self.offset_[column]) * self.scale_[column] + self.center_[column]


@register_transform("standard_scaler")
class StandardScaler(_AffineScaler):
    """Subtract the training mean, divide by the training standard deviation.

    Parameters
    ----------
    columns : Sequence[str] or None
        Columns to scale; ``None`` means every column of the training frame.
    ddof : int
        Delta degrees of freedom of the standard deviation (0, as scikit-learn).

    Attributes
    ----------
    center_, scale_ : dict[str, float]
        Mean and standard deviation of each column (NaNs ignored).
    """

    def __init__(self, columns: Sequence[str] | None = None, ddof: int = 0):
        self.columns = columns
        self.ddof = ddof

    def _statistics(self, observed: np.ndarray) -> tuple[float, float, float]:
        if observed.size <= self.ddof:
            return float(observed.mean()), 1.0, 0.0
        return float(observed.mean()), float(observed.std(ddof=self.ddof)), 0.0

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "frame": "gappy"}, {"params": {"ddof": 1}, "frame": "positive"}]


@register_transform("robust_scaler")
class RobustScaler(_AffineScaler):
    """Subtract the training median, divide by the training interquartile range.

    Parameters
    ----------
    columns : Sequence[str] or None
        Columns to scale; ``None`` means every column of the training frame.
    quantile_range : tuple[float, float]
        Percentiles whose difference is the scale (25, 75 gives the IQR).

    Attributes
    ----------
    center_, scale_ : dict[str, float]
        Median and quantile range of each column (linear interpolation, NaNs ignored).
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        quantile_range: tuple[float, float] = (25.0, 75.0),
    ):
        low, high = quantile_range
        if not 0.0 <= low < high <= 100.0:
            raise InputError(f"RobustScaler: bad quantile_range {quantile_range}")
        self.columns = columns
        self.quantile_range = quantile_range

    def _statistics(self, observed: np.ndarray) -> tuple[float, float, float]:
        low, median, high = np.percentile(
            observed, [self.quantile_range[0], 50.0, self.quantile_range[1]]
        )
        return float(median), float(high - low), 0.0

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {}, "frame": "gappy"},
            {"params": {"quantile_range": (10.0, 90.0), "columns": ["b"]}, "frame": "gappy"},
        ]


@register_transform("minmax_scaler")
class MinMaxScaler(_AffineScaler):
    """Map the training range ``[min, max]`` of each column onto ``feature_range``.

    Values outside the training range map outside ``feature_range`` (no clipping).

    Parameters
    ----------
    columns : Sequence[str] or None
        Columns to scale; ``None`` means every column of the training frame.
    feature_range : tuple[float, float]
        Output range ``(low, high)``.
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        feature_range: tuple[float, float] = (0.0, 1.0),
    ):
        if not feature_range[0] < feature_range[1]:
            raise InputError(f"MinMaxScaler: bad feature_range {feature_range}")
        self.columns = columns
        self.feature_range = feature_range

    def _statistics(self, observed: np.ndarray) -> tuple[float, float, float]:
        low, high = self.feature_range
        data_min, data_max = float(observed.min()), float(observed.max())
        data_range = data_max - data_min
        if data_range == 0 or not math.isfinite(data_range):
            data_range = high - low  # constant column: maps to ``low``
        return data_min, data_range / (high - low), low

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {"feature_range": (-1.0, 1.0)}, "frame": "gappy"}]
