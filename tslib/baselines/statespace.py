"""SARIMAX and exponential smoothing from statsmodels, fitted once and then filtered stepwise.

Both wrap a statsmodels state-space results object. ``fit`` runs maximum
likelihood once; ``update`` runs the Kalman filter over the new observations
with the **same parameters** (no refit), so the state after ``update`` equals
``model(full data).filter(params)``, which is what ``apply(full data)`` computes
(statsmodels' ``results.apply``). Forecast means and standard errors come
from ``results.get_forecast``; intervals are mean +/- z * se, as statsmodels'
``conf_int``.

How the state is advanced
-------------------------
* SARIMAX uses ``results.extend(y_new)``, which filters only the new data
  (O(new) per update). ``extend`` sets the time-trend offset to ``nobs + 1``
  of the *latest* results, which is wrong once ``extend`` is chained (it should
  add up); the wrapper passes the cumulative ``trend_offset`` itself.
* ETS uses ``results.append(y_new, refit=False)``, which re-filters the whole
  history (O(T) per update). ``extend`` is not used because in statsmodels
  0.14-0.15 the state-space ``ExponentialSmoothing`` model re-imposes its
  estimated initial states on the extension, and its forecasts then differ
  from filtering the full data.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from tslib.baselines.base import Forecaster, register_baseline
from tslib.errors import InputError

__all__ = ["SarimaxForecaster", "ETSForecaster"]


class _StateSpaceForecaster(Forecaster):
    """Shared fit / update / forecast logic over a statsmodels ``MLEResults``."""

    maxiter: int

    def _build_model(self, y: np.ndarray, exog: np.ndarray | None):
        raise NotImplementedError

    def _advance(self, y: np.ndarray, exog: np.ndarray | None):
        raise NotImplementedError

    @property
    def results(self):
        """The current statsmodels results object (parameters and filtered state)."""
        self._require_fitted()
        return self._results

    @property
    def params(self) -> np.ndarray:
        """Fitted parameters, in the order of :attr:`param_names`; fixed by ``update``."""
        return np.asarray(self.results.params, dtype=np.float64).copy()

    @property
    def param_names(self) -> list[str]:
        """Names of :attr:`params`."""
        return list(self.results.model.param_names)

    @property
    def n_obs(self) -> int:
        """Number of observations seen (training plus updates)."""
        self._require_fitted()
        return self._n_obs

    def _check_exog(self, exog: np.ndarray | None, what: str) -> None:
        if self._uses_exog and exog is None:
            raise InputError(f"{type(self).__name__} was fitted with exog; {what} needs exog too")
        if not self._uses_exog and exog is not None:
            raise InputError(f"{type(self).__name__} was fitted without exog; {what} got exog")

    def _fit(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        self._uses_exog = exog is not None
        try:
            model = self._build_model(y, exog)
        except InputError:
            raise
        except (TypeError, ValueError) as exc:  # statsmodels rejects the specification
            raise InputError(f"{type(self).__name__}: invalid specification: {exc}") from exc
        self._results = model.fit(disp=False, maxiter=self.maxiter)
        self._n_obs = y.size

    def _update(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        self._check_exog(exog, "update")
        self._results = self._advance(y, exog)
        self._n_obs += y.size

    def _apply(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        self._check_exog(exog, "apply")
        self._results = self._refilter(y, exog)
        self._n_obs = y.size

    def _refilter(self, y: np.ndarray, exog: np.ndarray | None):
        """The fitted parameters filtered over ``y`` from its first observation."""
        raise NotImplementedError

    def _mean_and_se(self, horizon: int, exog: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        self._check_exog(exog, "forecast")
        prediction = self._results.get_forecast(horizon, exog=exog)
        return np.asarray(prediction.predicted_mean), np.asarray(prediction.se_mean)


@register_baseline("sarimax")
class SarimaxForecaster(_StateSpaceForecaster):
    """Seasonal ARIMA with optional exogenous regressors (``statsmodels`` SARIMAX).

    Parameters
    ----------
    order : tuple of int
        ``(p, d, q)`` non-seasonal AR order, differencing, MA order.
    seasonal_order : tuple of int
        ``(P, D, Q, s)`` seasonal orders and period ``s`` (``(0, 0, 0, 0)``: none).
    trend : str or None
        Deterministic trend: ``None``, ``"c"`` (constant), ``"t"``, ``"ct"``.
    enforce_stationarity, enforce_invertibility : bool
        Passed to SARIMAX; keep the AR / MA polynomials in the stable region.
    maxiter : int
        Maximum optimiser iterations for the one-off maximum-likelihood fit.
    """

    def __init__(
        self,
        order: tuple[int, int, int] = (1, 0, 0),
        seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
        trend: str | None = None,
        enforce_stationarity: bool = True,
        enforce_invertibility: bool = True,
        maxiter: int = 50,
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.enforce_stationarity = enforce_stationarity
        self.enforce_invertibility = enforce_invertibility
        self.maxiter = maxiter

    @classmethod
    def test_config(cls) -> list[dict]:
        """AR(1) with a constant, and an ARIMA(1,1,1) x seasonal AR(1)_4 (small state)."""
        return [
            {"params": {"order": (1, 0, 0), "trend": "c", "maxiter": 20}, "data": "seasonal"},
            {
                "params": {"order": (1, 1, 1), "seasonal_order": (1, 0, 0, 4), "maxiter": 20},
                "data": "seasonal",
            },
        ]

    def _build_model(self, y: np.ndarray, exog: np.ndarray | None) -> SARIMAX:
        return SARIMAX(
            y,
            exog=exog,
            order=self.order,
            seasonal_order=self.seasonal_order,
            trend=self.trend,
            enforce_stationarity=self.enforce_stationarity,
            enforce_invertibility=self.enforce_invertibility,
        )

    def _advance(self, y: np.ndarray, exog: np.ndarray | None):
        results = self._results
        offset = results.model.trend_offset + results.nobs  # cumulative time index
        return results.extend(y, exog=exog, trend_offset=offset)

    def _refilter(self, y: np.ndarray, exog: np.ndarray | None):
        return self._results.apply(y, exog=exog, trend_offset=1)


@register_baseline("ets")
class ETSForecaster(_StateSpaceForecaster):
    """Linear exponential smoothing (additive errors) in state-space form.

    Wraps ``statsmodels.tsa.statespace.exponential_smoothing.ExponentialSmoothing``:
    ETS(A, N/A/Ad, N/A). Multiplicative models are not available in this
    state-space form. No exogenous regressors.

    Parameters
    ----------
    trend : bool
        Include an additive trend.
    damped_trend : bool
        Damp the trend (needs ``trend=True``).
    seasonal : int or None
        Season length for an additive seasonal component, or None.
    maxiter : int
        Maximum optimiser iterations for the one-off maximum-likelihood fit.
    """

    def __init__(
        self,
        trend: bool = False,
        damped_trend: bool = False,
        seasonal: int | None = None,
        maxiter: int = 100,
    ) -> None:
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.maxiter = maxiter

    @classmethod
    def test_config(cls) -> list[dict]:
        """Simple exponential smoothing, and additive trend plus a season of 12."""
        return [
            {"params": {"maxiter": 20}, "data": "seasonal"},
            {"params": {"trend": True, "seasonal": 12, "maxiter": 20}, "data": "seasonal"},
        ]

    def _build_model(self, y: np.ndarray, exog: np.ndarray | None) -> ExponentialSmoothing:
        if exog is not None:
            raise InputError("ETSForecaster takes no exog")
        if self.damped_trend and not self.trend:
            raise InputError("ETSForecaster: damped_trend=True needs trend=True")
        return ExponentialSmoothing(
            y, trend=self.trend, damped_trend=self.damped_trend, seasonal=self.seasonal
        )

    def _advance(self, y: np.ndarray, exog: np.ndarray | None):
        return self._results.append(y, refit=False)

    def _refilter(self, y: np.ndarray, exog: np.ndarray | None):
        return self._results.apply(y)
