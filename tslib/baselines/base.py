"""The small interface shared by the classical forecasting baselines.

Every forecaster follows the same stepwise life cycle as the deep encoders:

* ``fit(y_train, exog=None)`` estimates parameters once and returns ``self``;
* ``update(y_new, exog=None)`` advances the state with new observations using
  the **fixed** fitted parameters (no refit) and returns ``self``;
* ``forecast(horizon, exog=None)`` returns the point forecasts, shape (horizon,);
* ``forecast_interval(horizon, alpha=0.05, exog=None)`` returns ``(lower, upper)``,
  the central ``1 - alpha`` Gaussian prediction interval;
* ``forecast_quantiles(horizon, quantiles, exog=None)`` returns (horizon, Q).

Subclasses implement ``_fit``, ``_update`` and ``_mean_and_se`` (forecast mean
and standard error per horizon); intervals and quantiles come from those two
under a Gaussian predictive distribution. Hyperparameters are stored unchanged
as attributes named like the constructor arguments, so :meth:`Forecaster.clone`
rebuilds an unfitted copy, as for encoders.
"""

from __future__ import annotations

import inspect

import numpy as np
from scipy import stats

from tslib.errors import InputError, StateError
from tslib.validation import as_float_array, check_positive_int, check_probability

__all__ = ["Forecaster", "as_observations", "as_exog"]


def as_observations(values: object, name: str = "y") -> np.ndarray:
    """Observations as a finite, non-empty 1-D float array (a scalar becomes length 1)."""
    array = as_float_array(values, name, ndim=(0, 1))
    return np.atleast_1d(array)


def as_exog(exog: object | None, n_rows: int, name: str = "exog") -> np.ndarray | None:
    """Exogenous regressors as a (n_rows, k) float array, or None."""
    if exog is None:
        return None
    array = as_float_array(exog, name, ndim=(1, 2))
    if array.ndim == 1:
        array = array[:, None] if n_rows > 1 or array.size == 1 else array[None, :]
    if array.shape[0] != n_rows:
        raise InputError(f"{name} has {array.shape[0]} rows, expected {n_rows}")
    return array


class Forecaster:
    """Base class of the stepwise classical forecasters (see the module docstring)."""

    def get_params(self) -> dict:
        """Constructor arguments, such that ``type(self)(**self.get_params())`` rebuilds it."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def clone(self) -> Forecaster:
        """A fresh, unfitted forecaster with the same hyperparameters."""
        return type(self)(**self.get_params())

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has been called."""
        return getattr(self, "_fitted", False)

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise StateError(f"{type(self).__name__} is not fitted; call fit(y_train) first")

    def fit(self, y_train: object, exog: object | None = None) -> Forecaster:
        """Estimate the parameters on ``y_train`` (1-D, time order)."""
        y = as_observations(y_train, "y_train")
        self._fit(y, as_exog(exog, y.size, "exog"))
        self._fitted = True
        return self

    def update(self, y_new: object, exog: object | None = None) -> Forecaster:
        """Advance the state with new observations, keeping the fitted parameters."""
        self._require_fitted()
        y = as_observations(y_new, "y_new")
        self._update(y, as_exog(exog, y.size, "exog"))
        return self

    def forecast(self, horizon: int, exog: object | None = None) -> np.ndarray:
        """Point forecasts for steps 1..horizon after the last observation, shape (horizon,)."""
        return self._predict(horizon, exog)[0]

    def forecast_interval(
        self, horizon: int, alpha: float = 0.05, exog: object | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central ``1 - alpha`` prediction interval ``(lower, upper)``, each (horizon,)."""
        alpha = check_probability(alpha, "alpha")
        mean, se = self._predict(horizon, exog)
        half_width = stats.norm.ppf(1.0 - alpha / 2.0) * se  # (horizon,)
        return mean - half_width, mean + half_width

    def forecast_quantiles(
        self, horizon: int, quantiles: object, exog: object | None = None
    ) -> np.ndarray:
        """Gaussian predictive quantiles, shape (horizon, Q)."""
        levels = as_float_array(quantiles, "quantiles", ndim=1)
        if np.any((levels <= 0.0) | (levels >= 1.0)):
            raise InputError(f"quantiles must lie strictly in (0, 1), got {levels.tolist()}")
        mean, se = self._predict(horizon, exog)
        return mean[:, None] + se[:, None] * stats.norm.ppf(levels)[None, :]  # (horizon, Q)

    def _predict(self, horizon: int, exog: object | None) -> tuple[np.ndarray, np.ndarray]:
        self._require_fitted()
        horizon = check_positive_int(horizon, "horizon")
        mean, se = self._mean_and_se(horizon, as_exog(exog, horizon, "exog"))
        return np.asarray(mean, dtype=np.float64), np.asarray(se, dtype=np.float64)

    # -- to implement -------------------------------------------------------------------
    def _fit(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        raise NotImplementedError

    def _update(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        raise NotImplementedError

    def _mean_and_se(self, horizon: int, exog: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError
