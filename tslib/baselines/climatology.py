r"""Climatology plus a decaying anomaly: the meteorologist's reference forecast.

The climatology is the training-set mean at each point of the seasonal cycle
(day of year, hour of day). It is estimated by least squares on seasonal
regressors, usually the Fourier terms of :func:`~tslib.baselines.fourier.fourier_terms`,
which is the smoothed mean by day of year (with only three or four years of
data, a separate mean for each of 366 days would be mostly noise):

.. math::
    c_t = \beta_0 + x_t^\top \beta, \qquad a_t = y_t - c_t .

The forecast adds the last anomaly, decayed as an AR(1):

.. math::
    \hat y_{T+h} = c_{T+h} + \rho^h a_T, \qquad
    \hat\sigma_h^2 = \sigma^2 \sum_{j=0}^{h-1} \rho^{2j},

with :math:`\rho` the lag-one regression coefficient of the training anomalies
(``decay="ar1"``, clipped to [0, 1]) or a given constant: ``decay=1`` keeps the
last anomaly unchanged (a random walk around the climatology), ``decay=0`` is the
bare climatology. :math:`\sigma` is the standard deviation of the one-step
anomaly innovations on the training data. ``update`` only moves the last
anomaly; the climatology, :math:`\rho` and :math:`\sigma` stay as fitted.

Examples
--------
>>> import numpy as np
>>> season = np.array([[1.0], [-1.0]] * 4)  # (8, 1): a two-step cycle
>>> y = 10.0 + 2.0 * season[:, 0] + np.array([0, 0, 0, 0, 0, 0, 0, 1.0])
>>> f = ClimatologyForecaster(decay=0.5).fit(y, exog=season)
>>> f.forecast(2, exog=[[-1.0], [1.0]]).round(3).tolist()
[8.625, 12.187]
"""

from __future__ import annotations

import numpy as np

from tslib.baselines.base import Forecaster, as_exog, register_baseline
from tslib.errors import InputError

__all__ = ["ClimatologyForecaster"]


@register_baseline("climatology")
class ClimatologyForecaster(Forecaster):
    """Seasonal mean from regressors plus the last anomaly decayed as an AR(1).

    Parameters
    ----------
    decay : {"ar1"} or float
        ``"ar1"`` estimates the anomaly persistence :math:`\\rho` on the training
        anomalies; a number in [0, 1] fixes it.

    Notes
    -----
    ``exog`` holds the seasonal regressors (T, k) at the observed and at the
    forecast timestamps; without it the climatology is the training mean.
    """

    def __init__(self, decay: float | str = "ar1") -> None:
        self.decay = decay

    @property
    def rho(self) -> float:
        """The anomaly persistence per step."""
        self._require_fitted()
        return self._rho

    @property
    def sigma(self) -> float:
        """Standard deviation of the one-step anomaly innovation (fixed at fit)."""
        self._require_fitted()
        return self._sigma

    def climatology(self, exog: object | None = None, n: int = 1) -> np.ndarray:
        """The fitted seasonal mean at regressors ``exog`` (k columns), shape (rows,)."""
        self._require_fitted()
        rows = n if exog is None else np.shape(exog)[0]
        return self._design(as_exog(exog, rows, "exog"), rows) @ self._coef

    # -- Forecaster hooks ---------------------------------------------------------------
    def _fit(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        rho = self._check_decay()
        if y.size < 3:
            raise InputError(
                f"ClimatologyForecaster needs at least 3 training points, got {y.size}"
            )
        self._n_regressors = 0 if exog is None else exog.shape[1]
        design = self._design(exog, y.size)  # (T, 1 + k)
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise InputError("ClimatologyForecaster: the seasonal regressors are collinear")
        self._coef = np.linalg.lstsq(design, y, rcond=None)[0]  # (1 + k,)
        anomaly = y - design @ self._coef  # (T,)
        if rho is None:
            denominator = float(np.dot(anomaly[:-1], anomaly[:-1]))
            rho = float(np.dot(anomaly[1:], anomaly[:-1]) / denominator) if denominator else 0.0
            rho = min(max(rho, 0.0), 1.0)
        innovation = anomaly[1:] - rho * anomaly[:-1]  # (T - 1,)
        self._rho = rho
        self._sigma = float(np.sqrt(np.mean(innovation**2)))
        self._last_anomaly = float(anomaly[-1])

    def _update(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        design = self._design(exog, y.size)  # (n, 1 + k)
        self._last_anomaly = float(y[-1] - design[-1] @ self._coef)

    def _apply(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        self._update(y, exog)

    def _mean_and_se(self, horizon: int, exog: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        climate = self._design(exog, horizon) @ self._coef  # (h,)
        steps = np.arange(1, horizon + 1)  # (h,)
        mean = climate + self._rho**steps * self._last_anomaly  # (h,)
        variance = self._sigma**2 * np.cumsum(self._rho ** (2 * (steps - 1)))  # (h,)
        return mean, np.sqrt(variance)

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "data": "seasonal"}, {"params": {"decay": 1.0}, "data": "seasonal"}]

    # -- helpers --------------------------------------------------------------------------
    def _check_decay(self) -> float | None:
        if self.decay == "ar1":
            return None
        if isinstance(self.decay, bool) or not isinstance(self.decay, (int, float)):
            raise InputError(
                f"ClimatologyForecaster: decay must be 'ar1' or a number, got {self.decay!r}"
            )
        if not 0.0 <= self.decay <= 1.0:
            raise InputError(f"ClimatologyForecaster: decay must lie in [0, 1], got {self.decay}")
        return float(self.decay)

    def _design(self, exog: np.ndarray | None, rows: int) -> np.ndarray:
        """``[1, exog]`` (rows, 1 + k); the regressors must match the ones fitted on."""
        width = 0 if exog is None else exog.shape[1]
        expected = getattr(self, "_n_regressors", width)
        if width != expected:
            raise InputError(
                f"ClimatologyForecaster was fitted with {expected} seasonal regressor(s), "
                f"got {width}"
            )
        ones = np.ones((rows, 1))
        return ones if exog is None else np.hstack([ones, exog])
