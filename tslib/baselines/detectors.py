r"""Stepwise change / fault detectors: a z-score threshold and Page's CUSUM.

Both standardise a univariate stream (typically a model's residual) with the
mean and standard deviation fitted on healthy training data,
:math:`z_t = (x_t - \hat\mu)/\hat\sigma`, then read it one value at a time:

* ``fit(healthy)`` - estimate :math:`\hat\mu, \hat\sigma` and reset the state;
* ``step(x) -> bool`` - consume one value, return whether an alarm is raised;
* ``run(series) -> np.ndarray`` - ``step`` over a series (one implementation
  path), bool array of the same length;
* ``update(series)`` - ``run`` without the alarms (the shared baseline verb);
* ``apply(series)`` - a fitted copy that has read ``series`` from a reset state;
* ``reset_state()`` - forget the running statistics, keep the fit.

Both are :class:`Detector` baselines (``kind = "detector"``).
"""

from __future__ import annotations

import copy
from abc import abstractmethod

import numpy as np

from tslib.baselines.base import Baseline, register_baseline
from tslib.errors import InputError
from tslib.validation import (
    as_float_vector,
    check_non_negative,
    check_one_of,
    check_positive,
)

__all__ = ["Detector", "ThresholdDetector", "CusumDetector"]

_SIDES = ("both", "upper", "lower")


class Detector(Baseline):
    """Base class of the stepwise detectors: standardisation, validation and the ``run`` loop.

    Subclasses implement ``step`` (and ``reset_state`` when they keep running sums).
    """

    kind = "detector"
    fit_call = "fit(healthy)"
    fit_warms_state = False  # healthy is a reference sample; monitoring starts fresh
    side: str

    def fit(self, healthy: object) -> Detector:
        """Estimate the in-control mean and standard deviation (ddof=1) of ``healthy``."""
        check_one_of(self.side, _SIDES, "side")
        self._check_params()
        values = as_float_vector(healthy, "healthy")
        if values.size < 2:
            raise InputError("healthy needs at least 2 values to estimate a standard deviation")
        self.mean_ = float(values.mean())
        self.std_ = float(values.std(ddof=1))
        if self.std_ == 0.0:
            raise InputError("healthy is constant: its standard deviation is zero")
        self.reset_state()
        self._fitted = True
        return self

    def _check_params(self) -> None:
        """Check the subclass's hyperparameters (raise InputError)."""

    def reset_state(self) -> None:
        """Forget the running statistics (the fitted mean / std are kept)."""

    def _standardise(self, x: object) -> float:
        self._require_fitted()
        value = as_float_vector(x, "x")
        if value.size != 1:
            raise InputError(f"step takes one value, got {value.size}; use run() for a series")
        return (float(value[0]) - self.mean_) / self.std_

    @abstractmethod
    def step(self, x: float) -> bool:
        """Consume one value; True when it raises an alarm."""

    def run(self, series: object) -> np.ndarray:
        """Alarms for each value of ``series`` in turn, bool array (T,)."""
        self._require_fitted()
        values = as_float_vector(series, "series")
        return np.array([self.step(x) for x in values], dtype=bool)

    def update(self, series: object) -> Detector:
        """Read ``series`` (one value or many) like :meth:`run`, discarding the alarms."""
        self.run(series)
        return self

    def apply(self, series: object) -> Detector:
        """A fitted copy (same mean / std) that has read ``series`` from a reset state."""
        self._require_fitted()
        values = as_float_vector(series, "series")
        other = copy.deepcopy(self)
        other.reset_state()
        other.run(values)
        return other


@register_baseline("threshold")
class ThresholdDetector(Detector):
    """Alarm whenever the standardised value crosses ``threshold``.

    Parameters
    ----------
    threshold : float
        Alarm level in standard deviations (e.g. 3.0).
    side : {"both", "upper", "lower"}
        ``|z| > threshold``, ``z > threshold`` or ``z < -threshold``.

    Examples
    --------
    >>> d = ThresholdDetector(2.0).fit([-1.0, 1.0])
    >>> d.run([0.5, 3.0, -2.9]).tolist()
    [False, True, True]
    """

    stateless = True  # each alarm depends on its own value only

    def __init__(self, threshold: float = 3.0, side: str = "both") -> None:
        self.threshold = threshold
        self.side = side

    @classmethod
    def test_config(cls) -> list[dict]:
        """Two-sided at 2.5 sigma, upper side at 1.5 sigma."""
        return [
            {"params": {"threshold": 2.5}, "data": "residuals"},
            {"params": {"threshold": 1.5, "side": "upper"}, "data": "residuals"},
        ]

    def _check_params(self) -> None:
        check_non_negative(self.threshold, "threshold")

    def step(self, x: float) -> bool:
        """Consume one value; True when it is beyond the threshold."""
        z = self._standardise(x)
        upper = z > self.threshold
        lower = z < -self.threshold
        return bool({"both": upper or lower, "upper": upper, "lower": lower}[self.side])


@register_baseline("cusum")
class CusumDetector(Detector):
    r"""Page's tabular CUSUM on standardised values.

    .. math::
        S^+_t = \max(0,\, S^+_{t-1} + z_t - k), \qquad
        S^-_t = \max(0,\, S^-_{t-1} - z_t - k),

    alarm when :math:`S^+_t > h` (``side="upper"``), :math:`S^-_t > h`
    (``"lower"``) or either (``"both"``). ``k`` is half the mean shift, in
    standard deviations, that the detector is tuned for; ``h`` trades false
    alarms against delay (Montgomery, *Introduction to Statistical Quality
    Control*, sec. 9.1, suggests k = 0.5, h = 4 or 5). With ``reset=True`` both
    sums restart at 0 after an alarm.

    Parameters
    ----------
    k : float
        Allowance (reference value), >= 0.
    h : float
        Decision interval, > 0.
    side : {"both", "upper", "lower"}
    reset : bool
        Restart the sums after each alarm.

    Examples
    --------
    >>> d = CusumDetector(k=0.5, h=2.0).fit([-1.0, 1.0])  # mean 0, std sqrt(2)
    >>> d.run([0.0, 2.0, 2.0, 2.0]).tolist()
    [False, False, False, True]
    """

    def __init__(self, k: float = 0.5, h: float = 5.0, side: str = "both", reset: bool = True):
        self.k = k
        self.h = h
        self.side = side
        self.reset = reset

    @classmethod
    def test_config(cls) -> list[dict]:
        """Montgomery's k = 0.5, h = 4 with reset; an upper-side CUSUM that keeps alarming."""
        return [
            {"params": {"k": 0.5, "h": 4.0}, "data": "residuals"},
            {"params": {"k": 0.25, "h": 3.0, "side": "upper", "reset": False}, "data": "residuals"},
        ]

    def _check_params(self) -> None:
        try:
            check_non_negative(self.k, "k")
            check_positive(self.h, "h")
        except InputError as error:
            raise InputError(f"CUSUM needs k >= 0 and h > 0: {error}") from error

    def reset_state(self) -> None:
        """Set both cumulative sums to zero."""
        self.upper_sum_ = 0.0
        self.lower_sum_ = 0.0

    def step(self, x: float) -> bool:
        """Consume one value; True when a cumulative sum exceeds ``h``."""
        z = self._standardise(x)
        self.upper_sum_ = max(0.0, self.upper_sum_ + z - self.k)
        self.lower_sum_ = max(0.0, self.lower_sum_ - z - self.k)
        upper = self.upper_sum_ > self.h
        lower = self.lower_sum_ > self.h
        alarm = {"both": upper or lower, "upper": upper, "lower": lower}[self.side]
        if alarm and self.reset:
            self.reset_state()
        return bool(alarm)
