"""Per-operating-condition scaling for multi-regime run-to-failure data (C-MAPSS FD002/FD004).

In FD002 and FD004 every cycle is flown at one of six operating conditions, given
by three settings (altitude, Mach number, throttle resolver angle). A sensor's
level depends mostly on the condition, so its degradation trend only shows once
each reading is standardised with the mean and standard deviation of *its*
condition. The conditions are found by k-means on the standardised settings
(scikit-learn), fitted on the training units only; :func:`count_operating_conditions`
picks their number from the silhouette score when it is not known.

The transform is stateless (each row depends on that row only), so ``step``
equals ``transform`` trivially and there is no look-ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from tslib.errors import DataError, InputError
from tslib.preprocess.base import StepTransform, check_columns

__all__ = ["OperatingConditionScaler", "count_operating_conditions", "OP_SETTING_COLUMNS"]

#: the three C-MAPSS operating settings
OP_SETTING_COLUMNS = ("op_setting_1", "op_setting_2", "op_setting_3")


def _standardise_settings(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column mean and scale (standard deviation, 1 where it is 0) of (N, S) settings."""
    mean = values.mean(axis=0)  # (S,)
    scale = values.std(axis=0)  # (S,)
    return mean, np.where(scale > 0, scale, 1.0)


def count_operating_conditions(
    frame: pd.DataFrame,
    columns: Sequence[str] = OP_SETTING_COLUMNS,
    *,
    max_conditions: int = 8,
    min_silhouette: float = 0.8,
    sample: int = 2000,
    seed: int = 0,
) -> int:
    """Number of distinct operating conditions in ``frame[columns]``.

    k-means is fitted for k = 2 .. ``max_conditions`` on the standardised settings
    of at most ``sample`` rows; the k with the best silhouette score wins if that
    score reaches ``min_silhouette`` (well-separated, tight clusters such as
    C-MAPSS FD002's six conditions score about 0.99), otherwise there is one
    condition (FD001's settings are noise around one point and score about 0.4).

    Parameters
    ----------
    frame : pd.DataFrame
        Training rows.
    columns : sequence of str
        Operating-setting columns.
    max_conditions : int
        Largest k tried.
    min_silhouette : float
        Score a clustering needs to count as distinct conditions.
    sample : int
        Rows used (a seeded random subset when the frame is larger).
    seed : int
        Seed of the subset and of k-means.
    """
    check_columns(frame, list(columns), "count_operating_conditions")
    if max_conditions < 1:
        raise InputError(
            f"count_operating_conditions: max_conditions must be >= 1, got {max_conditions}"
        )
    values = frame[list(columns)].to_numpy(np.float64)  # (N, S)
    values = values[~np.isnan(values).any(axis=1)]
    if len(values) == 0:
        raise DataError("count_operating_conditions: no row with all operating settings")
    if len(values) > sample:
        values = values[np.random.default_rng(seed).choice(len(values), sample, replace=False)]
    mean, scale = _standardise_settings(values)
    z = (values - mean) / scale  # (n, S)
    distinct = len(np.unique(np.round(z, 9), axis=0))
    best_k, best_score = 1, -1.0
    for k in range(2, min(max_conditions, distinct - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(z)
        score = float(silhouette_score(z, labels))
        if score > best_score:
            best_k, best_score = k, score
    return best_k if best_score >= min_silhouette else 1


class OperatingConditionScaler(StepTransform):
    """Standardise each column with the statistics of the row's operating condition.

    ``fit`` clusters the standardised ``condition_columns`` of the training rows
    with k-means into ``n_conditions`` conditions (numbered by their sorted
    centres, so the numbering is stable), then stores each column's mean and
    standard deviation per condition. ``transform`` assigns every row to the
    nearest centre and maps ``x -> (x - mean[c]) / std[c]``; a constant column
    (std 0, up to rounding) gets scale 1. The condition number is written to
    ``condition_column`` (unless it is None). The condition columns themselves
    pass through unchanged.

    Parameters
    ----------
    columns : sequence of str
        Columns to scale (usually the sensors).
    condition_columns : sequence of str
        Columns that define the condition (the operating settings).
    n_conditions : int or None
        Number of conditions; None picks it with :func:`count_operating_conditions`.
    condition_column : str or None
        Output column holding the condition number (0 .. K-1).
    seed : int
        Seed of k-means.

    Attributes
    ----------
    n_conditions_ : int
        Conditions found.
    centers_ : numpy.ndarray, shape (K, S)
        Condition centres in standardised setting units.
    mean_, scale_ : numpy.ndarray, shape (K, J)
        Per-condition statistics of ``columns``.
    counts_ : numpy.ndarray, shape (K,)
        Training rows per condition.
    """

    def __init__(
        self,
        columns: Sequence[str],
        condition_columns: Sequence[str] = OP_SETTING_COLUMNS,
        n_conditions: int | None = None,
        condition_column: str | None = "op_condition",
        seed: int = 0,
    ) -> None:
        self.columns = columns
        self.condition_columns = condition_columns
        self.n_conditions = n_conditions
        self.condition_column = condition_column
        self.seed = seed

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {"columns": ["b"], "condition_columns": ["a"], "n_conditions": 2}}]

    # ------------------------------------------------------------------ fit
    def fit(self, train: pd.DataFrame) -> OperatingConditionScaler:
        """Find the conditions and their statistics on the training rows only."""
        self._check_frame(train)
        if self.columns is None or isinstance(self.columns, str):
            raise InputError("OperatingConditionScaler: columns must be a list of column names")
        scaled, settings = list(self.columns), list(self.condition_columns)
        if not scaled or not settings or set(scaled) & set(settings):
            raise InputError(
                "OperatingConditionScaler: columns and condition_columns must be non-empty "
                "and disjoint"
            )
        check_columns(train, scaled + settings, type(self).__name__)
        self._fit(train[scaled + settings].astype(np.float64))
        self.columns_ = scaled + settings
        return self

    def _fit(self, train: pd.DataFrame) -> None:
        settings = list(self.condition_columns)
        rows = train.dropna(subset=settings)
        if rows.empty:
            raise DataError("OperatingConditionScaler: no training row has all condition columns")
        k = self.n_conditions
        if k is None:
            k = count_operating_conditions(rows, settings, seed=self.seed)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"OperatingConditionScaler: n_conditions must be >= 1, got {k!r}")
        values = rows[settings].to_numpy()  # (N, S)
        self.setting_mean_, self.setting_scale_ = _standardise_settings(values)
        z = (values - self.setting_mean_) / self.setting_scale_  # (N, S)
        if len(np.unique(z, axis=0)) < k:
            raise DataError(
                f"OperatingConditionScaler: {k} conditions asked but the training settings "
                f"take only {len(np.unique(z, axis=0))} distinct values"
            )
        centers = KMeans(n_clusters=k, n_init=10, random_state=self.seed).fit(z).cluster_centers_
        self.centers_ = centers[np.lexsort(centers.T[::-1])]  # (K, S), sorted by setting 1, 2, ..
        labels = self._nearest(z)  # (N,)
        data = rows[list(self.columns)].to_numpy()  # (N, J)
        self.mean_ = np.zeros((k, data.shape[1]))
        self.scale_ = np.ones((k, data.shape[1]))
        self.counts_ = np.bincount(labels, minlength=k)
        for condition in range(k):
            block = data[labels == condition]  # (n_k, J)
            if np.isnan(block).all(axis=0).any():
                column = list(self.columns)[int(np.flatnonzero(np.isnan(block).all(axis=0))[0])]
                raise DataError(
                    f"OperatingConditionScaler: column {column!r} has no value in condition "
                    f"{condition}"
                )
            mean, std = np.nanmean(block, axis=0), np.nanstd(block, axis=0)  # (J,)
            constant = std <= 1e-9 * np.maximum(np.abs(mean), 1.0)  # rounding noise only
            self.mean_[condition] = mean
            self.scale_[condition] = np.where(constant, 1.0, std)
        self.n_conditions_ = k

    # ------------------------------------------------------------ transform
    def _nearest(self, z: np.ndarray) -> np.ndarray:
        """Nearest centre of each standardised settings row (N, S) -> (N,)."""
        distances = ((z[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=-1)  # (N, K)
        return distances.argmin(axis=1)

    def _scale_rows(
        self, sensors: np.ndarray, settings: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scaled (N, J) values and float condition numbers (N,), NaN where a setting is NaN."""
        missing = np.isnan(settings).any(axis=1)  # (N,)
        z = (np.where(missing[:, None], 0.0, settings) - self.setting_mean_) / self.setting_scale_
        condition = self._nearest(z)  # (N,)
        scaled = (sensors - self.mean_[condition]) / self.scale_[condition]  # (N, J)
        scaled[missing] = np.nan
        return scaled, np.where(missing, np.nan, condition.astype(np.float64))

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        sensors = data[list(self.columns)].to_numpy()  # (N, J)
        settings = data[list(self.condition_columns)].to_numpy()  # (N, S)
        scaled, condition = self._scale_rows(sensors, settings)
        out = pd.DataFrame(scaled, index=data.index, columns=list(self.columns))
        if self.condition_column is not None:
            out[self.condition_column] = condition
        return out

    def _init_state(self) -> dict:
        return {}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        sensors = np.array([[x[c] for c in self.columns]])  # (1, J)
        settings = np.array([[x[c] for c in self.condition_columns]])  # (1, S)
        scaled, condition = self._scale_rows(sensors, settings)
        out = dict(zip(self.columns, scaled[0].tolist()))
        if self.condition_column is not None:
            out[self.condition_column] = float(condition[0])
        return out, state
