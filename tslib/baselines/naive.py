r"""Naive and seasonal naive forecasters with their textbook prediction intervals.

Following Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*
(3rd ed., sec. 5.5), with residuals :math:`e_t = y_t - y_{t-m}` on the training
data (:math:`m = 1` for the naive method),

.. math::
    \hat\sigma^2 = \frac{1}{T-m}\sum_{t=m+1}^{T} e_t^2, \qquad
    \hat y_{T+h} = y_{T+h-m(k+1)}, \qquad
    \hat\sigma_h = \hat\sigma\sqrt{k+1}, \quad k = \lfloor (h-1)/m \rfloor .

``update`` only moves the window of recent values; :math:`\hat\sigma` stays as
fitted, and ``apply(y)`` takes the window from the end of ``y``. Neither method
uses exogenous regressors (passing them is an error).
"""

from __future__ import annotations

import numpy as np

from tslib.baselines.base import Forecaster, register_baseline
from tslib.errors import InputError
from tslib.validation import check_positive_int

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]


@register_baseline("seasonal_naive")
class SeasonalNaiveForecaster(Forecaster):
    """Repeat the value observed one season earlier.

    Parameters
    ----------
    season : int
        Season length :math:`m` in steps (24 for hourly data with a daily cycle).

    Examples
    --------
    >>> f = SeasonalNaiveForecaster(season=3).fit([1.0, 2.0, 3.0, 1.0, 2.0, 4.0])
    >>> f.forecast(4).tolist()
    [1.0, 2.0, 4.0, 1.0]
    >>> f.update([5.0]).forecast(2).tolist()
    [2.0, 4.0]
    """

    def __init__(self, season: int) -> None:
        self.season = season

    @classmethod
    def test_config(cls) -> list[dict]:
        """A daily cycle on hourly-like data."""
        return [{"params": {"season": 12}, "data": "seasonal"}]

    @property
    def sigma(self) -> float:
        """Residual standard deviation of the one-season-ahead forecast (fixed at fit)."""
        self._require_fitted()
        return self._sigma

    def _fit(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        season = check_positive_int(self.season, "season")
        if exog is not None:
            raise InputError(f"{type(self).__name__} takes no exog")
        if y.size <= season:
            raise InputError(f"y_train needs more than season={season} points, got {y.size}")
        residuals = y[season:] - y[:-season]  # (T - m,)
        self._sigma = float(np.sqrt(np.mean(residuals**2)))
        self._recent = y[-season:].copy()  # (m,) oldest first

    def _update(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        if exog is not None:
            raise InputError(f"{type(self).__name__} takes no exog")
        self._recent = np.concatenate([self._recent, y])[-self.season :]  # (m,)

    def _apply(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        if exog is not None:
            raise InputError(f"{type(self).__name__} takes no exog")
        if y.size < self.season:
            raise InputError(f"y needs at least season={self.season} points, got {y.size}")
        self._recent = y[-self.season :].copy()  # (m,)

    def _mean_and_se(self, horizon: int, exog: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if exog is not None:
            raise InputError(f"{type(self).__name__} takes no exog")
        steps = np.arange(horizon)  # h - 1
        mean = self._recent[steps % self.season]  # (horizon,)
        seasons_ahead = steps // self.season + 1  # k + 1
        return mean, self._sigma * np.sqrt(seasons_ahead)


@register_baseline("naive")
class NaiveForecaster(SeasonalNaiveForecaster):
    """Random-walk forecast: repeat the last observation (seasonal naive with ``m = 1``).

    Examples
    --------
    >>> f = NaiveForecaster().fit([1.0, 3.0, 2.0])
    >>> f.forecast(2).tolist()
    [2.0, 2.0]
    """

    def __init__(self) -> None:
        self.season = 1

    @classmethod
    def test_config(cls) -> list[dict]:
        """No hyperparameters."""
        return [{"params": {}, "data": "seasonal"}]
