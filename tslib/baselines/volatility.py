r"""One-step Value-at-Risk and Expected Shortfall baselines: GARCH and historical simulation.

Risk numbers follow :mod:`tslib.metrics.risk`: positive losses, ``alpha`` the
tail probability. Both are :class:`RiskModel` baselines (``kind = "risk"``):

* ``fit(returns)`` - estimate once (GARCH) or fill the window (historical);
* ``update(r_new)`` - advance with one or more new returns, parameters fixed;
* ``apply(returns)`` - a fitted copy whose state is one batch pass over ``returns``;
* ``var_es()`` - ``(VaR, ES)`` for the *next*, not yet observed, return;
* ``run(returns)`` - walk forward: forecast, then observe, for each return in
  turn; returns a DataFrame with one row per return (the forecast made before it).
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections import deque

import numpy as np
import pandas as pd
from arch import arch_model

from tslib.baselines.base import Baseline, register_baseline
from tslib.errors import InputError
from tslib.validation import (
    as_float_vector,
    check_one_of,
    check_positive_int,
    check_probability,
)

__all__ = ["RiskModel", "GarchVaR", "HistoricalVaR"]

_DISTRIBUTIONS = ("normal", "t", "skewt", "ged")


class RiskModel(Baseline):
    """Base class of the one-step VaR / ES models: the shared walk-forward loop.

    Subclasses implement ``fit``, ``_update``, ``_apply`` and ``var_es``.
    """

    kind = "risk"
    fit_call = "fit(returns)"

    @abstractmethod
    def var_es(self) -> tuple[float, float]:
        """``(VaR, ES)`` of the next return as positive losses at level ``alpha``."""

    def update(self, returns: object) -> RiskModel:
        """Advance the state with new returns, keeping the fitted parameters."""
        self._require_fitted()
        self._update(as_float_vector(returns, "returns"))
        return self

    def apply(self, returns: object) -> RiskModel:
        """A fitted copy whose state is the fitted model run over ``returns`` from its start."""
        self._require_fitted()
        values = as_float_vector(returns, "returns")
        other = copy.deepcopy(self)
        other._apply(values)
        return other

    def run(self, returns: object) -> pd.DataFrame:
        """Forecast-then-observe over ``returns``; columns ``var`` and ``es`` (and ``sigma``)."""
        self._require_fitted()
        rows = []
        for value in as_float_vector(returns, "returns"):
            rows.append(self._forecast_row())
            self._update(np.array([value]))
        return pd.DataFrame(rows)

    def _forecast_row(self) -> dict[str, float]:
        var, es = self.var_es()
        return {"var": var, "es": es}

    def _update(self, returns: np.ndarray) -> None:
        raise NotImplementedError

    def _apply(self, returns: np.ndarray) -> None:
        raise NotImplementedError


@register_baseline("garch_var")
class GarchVaR(RiskModel):
    r"""GARCH(p, q) VaR / ES with a constant (or zero) mean, fitted once with ``arch``.

    With :math:`\varepsilon_t = r_t - \mu`, the variance recursion is

    .. math:: \sigma^2_{t+1} = \omega + \sum_{i=1}^p \alpha_i \varepsilon^2_{t+1-i}
                               + \sum_{j=1}^q \beta_j \sigma^2_{t+1-j},

    run by hand after the fit with arch's estimated parameters, started from
    arch's last residuals and conditional variances (so the first forecast
    equals ``res.forecast(horizon=1)``). ``apply(returns)`` runs arch's own
    variance recursion over ``returns`` with the fitted parameters and the
    fit's backcast (the pre-sample variance), so it is an independent check of
    ``update``. With :math:`q_\alpha` and
    :math:`m_\alpha = -\frac1\alpha\int_{-\infty}^{q_\alpha} z f(z)\,dz` the
    quantile and tail mean of the standardised innovation distribution,

    .. math:: \mathrm{VaR} = -(\mu + \sigma_{t+1} q_\alpha), \qquad
              \mathrm{ES} = -\mu + \sigma_{t+1} m_\alpha .

    Parameters
    ----------
    p, q : int
        ARCH and GARCH orders (arch's naming: ``p`` lags of squared residuals,
        ``q`` lags of the variance).
    dist : {"normal", "t", "skewt", "ged"}
        Innovation distribution.
    alpha : float
        Tail probability of the VaR / ES.
    mean : {"Constant", "Zero"}
        Mean model.

    Notes
    -----
    Returns are used as given (``rescale=False``): percent returns suit arch's
    optimiser better than raw fractions.
    """

    def __init__(
        self, p: int = 1, q: int = 1, dist: str = "t", alpha: float = 0.01, mean: str = "Constant"
    ) -> None:
        self.p = p
        self.q = q
        self.dist = dist
        self.alpha = alpha
        self.mean = mean

    @classmethod
    def test_config(cls) -> list[dict]:
        """GARCH(1,1)-t and GARCH(2,1)-normal with a zero mean."""
        return [
            {"params": {"alpha": 0.05}, "data": "returns"},
            {"params": {"p": 2, "dist": "normal", "mean": "Zero"}, "data": "returns"},
        ]

    def fit(self, returns: object) -> GarchVaR:
        """Estimate the model on ``returns`` (1-D, time order) by maximum likelihood."""
        p, q = check_positive_int(self.p, "p"), check_positive_int(self.q, "q")
        alpha = check_probability(self.alpha, "alpha")
        check_one_of(self.dist, _DISTRIBUTIONS, "dist")
        check_one_of(self.mean, ("Constant", "Zero"), "mean")
        series = as_float_vector(returns, "returns")
        model = arch_model(
            series, mean=self.mean, vol="GARCH", p=p, q=q, dist=self.dist, rescale=False
        )
        # arch's default backcast (pre-sample variance from the starting residuals,
        # demeaned by the sample mean for "Constant"), computed here to keep it for apply()
        start_resid = series - series.mean() if self.mean == "Constant" else series
        backcast = model.volatility.backcast(start_resid)
        self.result_ = model.fit(disp="off", backcast=backcast)
        params = self.result_.params
        self._volatility = model.volatility
        self._backcast = backcast
        self._vol_params = params[model.volatility.parameter_names()].to_numpy()
        self._mu = float(params["mu"]) if self.mean == "Constant" else 0.0
        self._omega = float(params["omega"])
        self._alphas = np.array([params[f"alpha[{i}]"] for i in range(1, p + 1)])  # (p,)
        self._betas = np.array([params[f"beta[{j}]"] for j in range(1, q + 1)])  # (q,)
        dist_params = params[model.distribution.parameter_names()].to_numpy()
        self._z_alpha = float(model.distribution.ppf(alpha, dist_params))
        self._tail_mean = -model.distribution.partial_moment(1, self._z_alpha, dist_params) / alpha
        resid = np.asarray(self.result_.resid)
        variance = np.asarray(self.result_.conditional_volatility) ** 2
        self._set_state(resid, variance)
        self._fitted = True
        return self

    def _set_state(self, resid: np.ndarray, variance: np.ndarray) -> None:
        """State from residuals and conditional variances (T,) of the returns seen."""
        self._eps2 = resid[::-1][: self.p] ** 2  # (p,) newest first
        self._sigma2 = variance[::-1][: self.q]  # (q,) newest first
        self._sigma2_next = self._recursion(self._eps2, self._sigma2)

    def _recursion(self, eps2: np.ndarray, sigma2: np.ndarray) -> float:
        return float(self._omega + self._alphas @ eps2 + self._betas @ sigma2)

    @property
    def params(self) -> dict[str, float]:
        """Fitted parameters by arch's names; ``update`` never changes them."""
        self._require_fitted()
        return {name: float(value) for name, value in self.result_.params.items()}

    @property
    def sigma_next(self) -> float:
        """Conditional volatility of the next return."""
        self._require_fitted()
        return float(np.sqrt(self._sigma2_next))

    def _update(self, returns: np.ndarray) -> None:
        """Feed new returns through the variance recursion with the fitted parameters."""
        for value in returns:
            self._eps2 = np.concatenate([[(value - self._mu) ** 2], self._eps2[:-1]])
            self._sigma2 = np.concatenate([[self._sigma2_next], self._sigma2[:-1]])
            self._sigma2_next = self._recursion(self._eps2, self._sigma2)

    def _apply(self, returns: np.ndarray) -> None:
        resid = returns - self._mu  # (T,)
        if resid.size < max(self.p, self.q):
            raise InputError(f"returns needs at least max(p, q) values, got {resid.size}")
        variance = np.zeros(resid.size)  # (T,) filled by arch
        bounds = self._volatility.variance_bounds(resid)  # (T, 2)
        self._volatility.compute_variance(self._vol_params, resid, variance, self._backcast, bounds)
        self._set_state(resid, variance)

    def forecast_volatility(self, horizon: int) -> np.ndarray:
        """Conditional volatility forecasts for steps 1..horizon, shape (horizon,).

        Future squared residuals are replaced by their expectation, the variance.
        This is a volatility forecast, not a forecast of the returns: GarchVaR is
        a risk model (``kind = "risk"``), not a :class:`~tslib.baselines.base.Forecaster`.
        """
        self._require_fitted()
        horizon = check_positive_int(horizon, "horizon")
        eps2, sigma2, path = self._eps2, self._sigma2, [self._sigma2_next]
        for _ in range(horizon - 1):
            eps2 = np.concatenate([[path[-1]], eps2[:-1]])  # E[eps^2] = sigma^2
            sigma2 = np.concatenate([[path[-1]], sigma2[:-1]])
            path.append(self._recursion(eps2, sigma2))
        return np.sqrt(np.asarray(path))

    def var_es(self) -> tuple[float, float]:
        """``(VaR, ES)`` of the next return as positive losses at level ``alpha``."""
        sigma = self.sigma_next
        return -(self._mu + sigma * self._z_alpha), -self._mu + sigma * self._tail_mean

    def _forecast_row(self) -> dict[str, float]:
        var, es = self.var_es()
        return {"sigma": self.sigma_next, "var": var, "es": es}


@register_baseline("historical_var")
class HistoricalVaR(RiskModel):
    """Historical-simulation VaR / ES over a rolling window of the last ``window`` returns.

    ``VaR = -Q_alpha(window)`` with numpy's ``method`` (default ``"linear"``, as
    pandas' rolling quantile); ``ES`` is minus the mean of the window returns at
    or below that quantile. The window is the whole state: ``apply(returns)``
    takes it from the end of ``returns``.

    Parameters
    ----------
    window : int
        Number of most recent returns used.
    alpha : float
        Tail probability.
    method : str
        Quantile estimator passed to :func:`numpy.quantile`.
    """

    def __init__(self, window: int = 250, alpha: float = 0.01, method: str = "linear") -> None:
        self.window = window
        self.alpha = alpha
        self.method = method

    @classmethod
    def test_config(cls) -> list[dict]:
        """A short window at two tail levels and quantile estimators."""
        return [
            {"params": {"window": 50, "alpha": 0.05}, "data": "returns"},
            {"params": {"window": 100, "alpha": 0.1, "method": "lower"}, "data": "returns"},
        ]

    def fit(self, returns: object) -> HistoricalVaR:
        """Fill the window with the last ``window`` values of ``returns``."""
        window = check_positive_int(self.window, "window")
        check_probability(self.alpha, "alpha")
        series = as_float_vector(returns, "returns")
        if series.size < window:
            raise InputError(f"returns has {series.size} values, fewer than window={window}")
        self._buffer = deque(series[-window:], maxlen=window)
        self._fitted = True
        return self

    def _update(self, returns: np.ndarray) -> None:
        """Slide the window over new returns."""
        self._buffer.extend(returns)

    def _apply(self, returns: np.ndarray) -> None:
        if returns.size < self.window:
            raise InputError(f"returns has {returns.size} values, fewer than window={self.window}")
        self._buffer = deque(returns[-self.window :], maxlen=self.window)

    def var_es(self) -> tuple[float, float]:
        """``(VaR, ES)`` of the next return from the current window."""
        self._require_fitted()
        values = np.fromiter(self._buffer, dtype=np.float64)  # (window,)
        quantile = float(np.quantile(values, self.alpha, method=self.method))
        return -quantile, -float(values[values <= quantile].mean())
