"""A health indicator for a fleet of units, and detectors run on it unit by unit.

The classical alternative to a learned RUL estimate is to watch one number per
cycle that grows with wear and to raise an alarm when it leaves its healthy
range. :class:`HealthIndicator` is the usual first choice of that number: the
first principal component of the (scaled) sensors, fitted on training units and
oriented so that it *grows* as the remaining life falls. :func:`detect_by_unit`
runs a fitted stepwise detector (:class:`~tslib.baselines.detectors.ThresholdDetector`,
:class:`~tslib.baselines.detectors.CusumDetector`) over every unit of a
``(unit, cycle)`` signal, each unit from a reset state, giving the per-unit alarm
arrays :func:`tslib.metrics.unit_alarm_summary` scores. :func:`indicator_alarms`
puts the textbook pair together: a threshold on the EWMA-smoothed indicator and
Page's CUSUM on the raw one, both referenced on the first healthy cycles of every
training unit.

Examples
--------
>>> index = pd.MultiIndex.from_tuples(
...     [(u, c) for u in (1, 2) for c in (1, 2, 3, 4)], names=["unit", "cycle"])
>>> frame = pd.DataFrame({"a": [0.0, 0.1, 1.0, 2.0] * 2, "b": [0.0, -0.1, -1.0, -2.0] * 2,
...                       "rul": [3.0, 2.0, 1.0, 0.0] * 2}, index=index)
>>> hi = HealthIndicator(["a", "b"]).fit(frame, frame["rul"]).transform(frame)["hi"]
>>> bool(hi.loc[1].is_monotonic_increasing)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from tslib.baselines.detectors import CusumDetector, ThresholdDetector
from tslib.errors import DataError, InputError
from tslib.preprocess.denoise import EWMASmoother
from tslib.validation import check_is_fitted, check_numeric_columns, check_positive_int

__all__ = ["HealthIndicator", "detect_by_unit", "indicator_alarms"]


class HealthIndicator:
    """First principal component of ``columns``, signed to grow as the RUL falls.

    Parameters
    ----------
    columns : sequence of str
        Sensor columns (scaled), at least one.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = columns

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return hasattr(self, "pca_")

    def fit(self, frame: pd.DataFrame, rul: object) -> HealthIndicator:
        """Fit the component on ``frame`` (training units) and orient it against ``rul``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Training rows with ``columns``, finite.
        rul : array_like
            RUL of each row (capped or not): the indicator is signed so that its
            correlation with ``-rul`` is positive.
        """
        columns = list(self.columns)
        if not columns:
            raise InputError("HealthIndicator: give at least one column")
        check_numeric_columns(frame, columns, "HealthIndicator")
        target = np.asarray(rul, dtype=np.float64).reshape(-1)  # (N,)
        if target.size != len(frame):
            raise InputError(f"HealthIndicator: rul has {target.size} values for {len(frame)} rows")
        if not np.isfinite(frame[columns].to_numpy(np.float64)).all():
            raise DataError("HealthIndicator: the columns hold NaN or inf")
        self.pca_ = PCA(n_components=1).fit(frame[columns])
        component = self.pca_.transform(frame[columns])[:, 0]  # (N,)
        self.orientation_ = float(np.sign(np.corrcoef(component, -target)[0, 1]))
        if self.orientation_ == 0.0 or not np.isfinite(self.orientation_):
            raise DataError("HealthIndicator: the component does not move with the RUL")
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The indicator of every row of ``frame``: a one-column frame ``hi``, same index."""
        check_is_fitted(self, "fit(frame, rul)")
        check_numeric_columns(frame, list(self.columns), "HealthIndicator")
        values = self.orientation_ * self.pca_.transform(frame[list(self.columns)])[:, 0]  # (N,)
        return pd.DataFrame({"hi": values}, index=frame.index)


def detect_by_unit(detector: object, signal: pd.Series) -> list[np.ndarray]:
    """Alarms of ``detector`` over each unit of ``signal``, every unit from a reset state.

    Parameters
    ----------
    detector : Detector
        A fitted stepwise detector (``reset_state`` and ``run``).
    signal : pandas.Series
        Values indexed by ``(unit, cycle)``, each unit's cycles contiguous and in order.

    Returns
    -------
    list of numpy.ndarray
        One boolean array per unit, in the order the units first appear.
    """
    if not isinstance(signal, pd.Series) or not isinstance(signal.index, pd.MultiIndex):
        raise InputError("detect_by_unit: signal must be a Series indexed by (unit, cycle)")
    alarms = []
    for _, part in signal.groupby(level=0, sort=False):
        detector.reset_state()
        alarms.append(np.asarray(detector.run(part.to_numpy()), dtype=bool))
    return alarms


def indicator_alarms(
    train: pd.DataFrame,
    test: pd.DataFrame,
    columns: Sequence[str],
    rul: object,
    *,
    healthy_cycles: int = 30,
    threshold_z: float = 3.0,
    smoothing: float = 0.2,
    cusum_k: float = 0.5,
    cusum_h: float = 5.0,
) -> tuple[dict[str, list[np.ndarray]], dict[str, pd.Series]]:
    """Threshold and CUSUM alarms on a health indicator, for every unit of ``test``.

    The indicator (:class:`HealthIndicator`) is fitted on ``train``; both detectors
    take the first ``healthy_cycles`` cycles of every training unit (cycle number
    ``<= healthy_cycles``) as their healthy reference, and alarm on the *upper* side
    (more wear):

    * ``"threshold"``: :class:`~tslib.baselines.detectors.ThresholdDetector` at
      ``threshold_z`` healthy standard deviations, on the indicator smoothed by an
      EWMA of weight ``smoothing`` (:class:`~tslib.preprocess.EWMASmoother`);
    * ``"cusum"``: :class:`~tslib.baselines.detectors.CusumDetector` with allowance
      ``cusum_k`` and decision interval ``cusum_h`` (healthy sd), on the raw indicator.

    Parameters
    ----------
    train, test : pandas.DataFrame
        Rows indexed by ``(unit, cycle)`` with ``columns`` (scaled sensors).
    columns : sequence of str
        Sensor columns of the indicator.
    rul : array_like
        RUL of each training row (orients the indicator).
    healthy_cycles, threshold_z, smoothing, cusum_k, cusum_h
        The detectors' settings (see above).

    Returns
    -------
    alarms : dict
        ``"threshold"`` and ``"cusum"`` -> one boolean array per test unit.
    signals : dict
        The series each detector reads on ``test`` (smoothed and raw indicator).
    """
    healthy_cycles = check_positive_int(healthy_cycles, "healthy_cycles")
    indicator = HealthIndicator(columns).fit(train, rul)
    hi = {"train": indicator.transform(train), "test": indicator.transform(test)}
    smoother = EWMASmoother(alpha=smoothing, columns=["hi"]).fit(hi["train"])
    smooth = {name: smoother.transform(frame)["hi"] for name, frame in hi.items()}
    healthy = train.index.get_level_values(1) <= healthy_cycles  # (N_train,)
    if healthy.sum() < 2:
        raise DataError(
            f"indicator_alarms: fewer than 2 training rows with cycle <= {healthy_cycles}"
        )
    detectors = {
        "threshold": (ThresholdDetector(threshold_z, side="upper"), smooth),
        "cusum": (CusumDetector(cusum_k, cusum_h, side="upper"), {k: v["hi"] for k, v in hi.items()}),
    }  # fmt: skip
    alarms, signals = {}, {}
    for name, (detector, signal) in detectors.items():
        detector.fit(signal["train"][healthy])
        alarms[name], signals[name] = detect_by_unit(detector, signal["test"]), signal["test"]
    return alarms, signals
