r"""Stepwise change / fault detectors: a z-score threshold and Page's CUSUM.

Both standardise a univariate stream (typically a model's residual) with the
mean and standard deviation fitted on healthy training data,
:math:`z_t = (x_t - \hat\mu)/\hat\sigma`, then read it one value at a time:

* ``fit(healthy)`` - estimate :math:`\hat\mu, \hat\sigma` and reset the state;
* ``step(x) -> bool`` - consume one value, return whether an alarm is raised;
* ``run(series) -> np.ndarray`` - ``step`` over a series (one implementation
  path), bool array of the same length;
* ``reset_state()`` - forget the running statistics, keep the fit.
"""

from __future__ import annotations

import numpy as np

from tslib.baselines.base import as_observations
from tslib.errors import InputError, StateError

__all__ = ["ThresholdDetector", "CusumDetector"]

_SIDES = ("both", "upper", "lower")


class _Detector:
    """Standardisation, validation and the ``run`` loop."""

    side: str

    def fit(self, healthy: object) -> _Detector:
        """Estimate the in-control mean and standard deviation (ddof=1) of ``healthy``."""
        if self.side not in _SIDES:
            raise InputError(f"side must be one of {_SIDES}, got {self.side!r}")
        values = as_observations(healthy, "healthy")
        if values.size < 2:
            raise InputError("healthy needs at least 2 values to estimate a standard deviation")
        self.mean_ = float(values.mean())
        self.std_ = float(values.std(ddof=1))
        if self.std_ == 0.0:
            raise InputError("healthy is constant: its standard deviation is zero")
        self.reset_state()
        return self

    def reset_state(self) -> None:
        """Forget the running statistics (the fitted mean / std are kept)."""

    def _standardise(self, x: object) -> float:
        if not hasattr(self, "mean_"):
            raise StateError(f"{type(self).__name__} is not fitted; call fit(healthy) first")
        value = as_observations(x, "x")
        if value.size != 1:
            raise InputError(f"step takes one value, got {value.size}; use run() for a series")
        return (float(value[0]) - self.mean_) / self.std_

    def step(self, x: float) -> bool:
        raise NotImplementedError

    def run(self, series: object) -> np.ndarray:
        """Alarms for each value of ``series`` in turn, bool array (T,)."""
        return np.array([self.step(x) for x in as_observations(series, "series")], dtype=bool)


class ThresholdDetector(_Detector):
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

    def __init__(self, threshold: float = 3.0, side: str = "both") -> None:
        self.threshold = threshold
        self.side = side

    def step(self, x: float) -> bool:
        """Consume one value; True when it is beyond the threshold."""
        z = self._standardise(x)
        upper = z > self.threshold
        lower = z < -self.threshold
        return bool({"both": upper or lower, "upper": upper, "lower": lower}[self.side])


class CusumDetector(_Detector):
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

    def fit(self, healthy: object) -> CusumDetector:
        """Estimate the in-control mean / std and zero the sums."""
        if self.k < 0 or self.h <= 0:
            raise InputError(f"CUSUM needs k >= 0 and h > 0, got k={self.k}, h={self.h}")
        super().fit(healthy)
        return self

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
