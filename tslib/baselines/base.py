"""The contract shared by every classical baseline, its registry, and the forecaster interface.

Every baseline is a :class:`Baseline` with the same life cycle as the deep encoders
and the step transforms:

* ``fit(data)`` estimates the parameters once and returns ``self``;
* ``update(new_data)`` advances the state with observations that follow ``data``,
  keeping the fitted parameters (no refit), and returns ``self``;
* ``apply(data)`` returns a fitted copy whose state comes from one batch pass of
  the fitted parameters over ``data`` (statsmodels' ``results.apply``), so
  ``fit(head).update(tail)`` equals ``fit(head).apply(head + tail)`` (or
  ``apply(tail)`` for a detector, whose ``fit`` reads a reference sample and
  starts the state fresh: ``fit_warms_state = False``);
* ``clone()`` returns an unfitted copy; ``get_params()`` the constructor
  arguments (both from :class:`tslib.base.Base`); ``is_fitted`` whether ``fit`` has run. Using an unfitted baseline
  raises :class:`~tslib.errors.NotFittedError` (an ``InputError`` and a ``StateError``).

The class attribute ``kind`` says which family a baseline belongs to, so callers
dispatch on it (or on the family base class) instead of on the methods a class
happens to have. Each family keeps its own read-out verbs:

* ``"forecaster"`` (:class:`Forecaster`): ``forecast``, ``forecast_interval``,
  ``forecast_quantiles``;
* ``"risk"`` (:class:`~tslib.baselines.volatility.RiskModel`): ``var_es``, and
  ``run`` (forecast, then observe);
* ``"ranker"`` (:class:`~tslib.baselines.ranking.Ranker`): ``score``, ``seen_mask``;
* ``"detector"`` (:class:`~tslib.baselines.detectors.Detector`): ``step`` (one
  value -> alarm), ``run``.

Every registered class supplies ``test_config()``, small configurations that the
contract suite (:func:`tslib.checks.check_baseline`, run over the registry by
``tests/test_baselines_contract.py``) runs through fit / update / apply, causality,
clone, bad-input and pickling checks.

Forecasters
-----------
* ``fit(y_train, exog=None)``, ``update(y_new, exog=None)``, ``apply(y, exog=None)``;
* ``forecast(horizon, exog=None)`` returns the point forecasts, shape (horizon,);
* ``forecast_interval(horizon, alpha=0.05, exog=None)`` returns ``(lower, upper)``,
  the central ``1 - alpha`` Gaussian prediction interval;
* ``forecast_quantiles(horizon, quantiles, exog=None)`` returns (horizon, Q).

Subclasses implement ``_fit``, ``_update``, ``_apply`` and ``_mean_and_se``
(forecast mean and standard error per horizon); intervals and quantiles come from
those two under a Gaussian predictive distribution.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from typing import ClassVar

import numpy as np
from scipy import stats

from tslib.base import Base, Registry
from tslib.errors import InputError
from tslib.validation import (
    as_float_array,
    as_float_vector,
    check_is_fitted,
    check_positive_int,
    check_probability,
)

__all__ = [
    "Baseline",
    "Forecaster",
    "BASELINE_KINDS",
    "BASELINE_REGISTRY",
    "register_baseline",
    "as_exog",
]

#: The baseline families; every registered class has one of them as ``kind``.
BASELINE_KINDS = ("forecaster", "risk", "ranker", "detector")


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


class Baseline(Base):
    """Base class of every classical baseline (see the module docstring).

    ``get_params``, ``clone`` and ``repr`` come from :class:`tslib.base.Base`;
    ``test_config()`` items are ``{"params": kwargs, "data": kind}``.
    """

    #: The family: one of :data:`BASELINE_KINDS`.
    kind: ClassVar[str]
    #: How to fit, quoted when an unfitted baseline is used.
    fit_call: ClassVar[str] = "fit(...)"
    #: True when ``fit(data)`` leaves the state at the end of ``data``, so the stream
    #: continues after it and ``fit(head).update(tail)`` equals ``apply(head + tail)``.
    #: False when ``fit`` only estimates parameters from a reference sample and the
    #: state starts fresh (detectors): then it equals ``apply(tail)``.
    fit_warms_state: ClassVar[bool] = True
    #: True when ``update`` reads values but changes no output (no running state).
    stateless: ClassVar[bool] = False

    @abstractmethod
    def fit(self, data: object) -> Baseline:
        """Estimate the parameters on ``data`` (time order) and return ``self``."""

    @abstractmethod
    def update(self, data: object) -> Baseline:
        """Advance the state with observations following the data seen; parameters fixed."""

    @abstractmethod
    def apply(self, data: object) -> Baseline:
        """A fitted copy whose state is one batch pass of the fitted parameters over ``data``."""

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return getattr(self, "_fitted", False)

    def _require_fitted(self) -> None:
        check_is_fitted(self, self.fit_call)


def _check_kind(cls: type) -> None:
    if getattr(cls, "kind", None) not in BASELINE_KINDS:
        raise TypeError(f"{cls.__name__}.kind must be one of {BASELINE_KINDS}")


#: name -> baseline class; every registered class runs through the contract tests.
BASELINE_REGISTRY: Registry = Registry("baseline", base=Baseline, validate=_check_kind)

#: Class decorator that adds a baseline to :data:`BASELINE_REGISTRY`.
register_baseline = BASELINE_REGISTRY.register


class Forecaster(Baseline):
    """Base class of the stepwise classical forecasters (see the module docstring)."""

    kind = "forecaster"
    fit_call = "fit(y_train)"

    def fit(self, y_train: object, exog: object | None = None) -> Forecaster:
        """Estimate the parameters on ``y_train`` (1-D, time order)."""
        y = as_float_vector(y_train, "y_train")
        self._fit(y, as_exog(exog, y.size, "exog"))
        self._fitted = True
        return self

    def update(self, y_new: object, exog: object | None = None) -> Forecaster:
        """Advance the state with new observations, keeping the fitted parameters."""
        self._require_fitted()
        y = as_float_vector(y_new, "y_new")
        self._update(y, as_exog(exog, y.size, "exog"))
        return self

    def apply(self, y: object, exog: object | None = None) -> Forecaster:
        """A fitted copy whose state is the fitted model filtered over ``y`` from its start.

        No refit: ``fit(y[:n]).update(y[n:])`` and ``fit(y[:n]).apply(y)`` forecast alike.
        """
        self._require_fitted()
        values = as_float_vector(y, "y")
        other = copy.deepcopy(self)
        other._apply(values, as_exog(exog, values.size, "exog"))
        return other

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

    def _apply(self, y: np.ndarray, exog: np.ndarray | None) -> None:
        """Replace the state by the fitted parameters run over ``y`` (on a copy of self)."""
        raise NotImplementedError

    def _mean_and_se(self, horizon: int, exog: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError
