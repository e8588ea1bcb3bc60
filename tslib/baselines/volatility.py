r"""One-step Value-at-Risk and Expected Shortfall baselines: GARCH and historical simulation.

Risk numbers follow :mod:`tslib.metrics.risk`: positive losses, ``alpha`` the
tail probability. Both models share a stepwise interface:

* ``fit(returns)`` - estimate once (GARCH) or fill the window (historical);
* ``update(r_new)`` - advance with one or more new returns, parameters fixed;
* ``var_es()`` - ``(VaR, ES)`` for the *next*, not yet observed, return;
* ``run(returns)`` - walk forward: forecast, then observe, for each return in
  turn; returns a DataFrame with one row per return (the forecast made before it).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
from arch import arch_model

from tslib.baselines.base import as_observations
from tslib.errors import InputError, StateError
from tslib.validation import check_positive_int, check_probability

__all__ = ["GarchVaR", "HistoricalVaR"]

_DISTRIBUTIONS = ("normal", "t", "skewt", "ged")


class _RiskModel:
    """Shared walk-forward loop; subclasses implement ``var_es`` and ``update``."""

    def var_es(self) -> tuple[float, float]:
        raise NotImplementedError

    def update(self, returns: object) -> _RiskModel:
        raise NotImplementedError

    def run(self, returns: object) -> pd.DataFrame:
        """Forecast-then-observe over ``returns``; columns ``var`` and ``es`` (and ``sigma``)."""
        rows = []
        for value in as_observations(returns, "returns"):
            rows.append(self._forecast_row())
            self.update(value)
        return pd.DataFrame(rows)

    def _forecast_row(self) -> dict[str, float]:
        var, es = self.var_es()
        return {"var": var, "es": es}


class GarchVaR(_RiskModel):
    r"""GARCH(p, q) VaR / ES with a constant (or zero) mean, fitted once with ``arch``.

    With :math:`\varepsilon_t = r_t - \mu`, the variance recursion is

    .. math:: \sigma^2_{t+1} = \omega + \sum_{i=1}^p \alpha_i \varepsilon^2_{t+1-i}
                               + \sum_{j=1}^q \beta_j \sigma^2_{t+1-j},

    run by hand after the fit with arch's estimated parameters, started from
    arch's last residuals and conditional variances (so the first forecast
    equals ``res.forecast(horizon=1)``). With :math:`q_\alpha` and
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

    def get_params(self) -> dict:
        """Constructor arguments."""
        return {"p": self.p, "q": self.q, "dist": self.dist, "alpha": self.alpha, "mean": self.mean}

    def _require_fitted(self) -> None:
        if not hasattr(self, "_omega"):
            raise StateError("GarchVaR is not fitted; call fit(returns) first")

    def fit(self, returns: object) -> GarchVaR:
        """Estimate the model on ``returns`` (1-D, time order) by maximum likelihood."""
        p, q = check_positive_int(self.p, "p"), check_positive_int(self.q, "q")
        alpha = check_probability(self.alpha, "alpha")
        if self.dist not in _DISTRIBUTIONS:
            raise InputError(f"dist must be one of {_DISTRIBUTIONS}, got {self.dist!r}")
        if self.mean not in ("Constant", "Zero"):
            raise InputError(f"mean must be 'Constant' or 'Zero', got {self.mean!r}")
        series = as_observations(returns, "returns")
        model = arch_model(
            series, mean=self.mean, vol="GARCH", p=p, q=q, dist=self.dist, rescale=False
        )
        self.result_ = model.fit(disp="off")
        params = self.result_.params
        self._mu = float(params["mu"]) if self.mean == "Constant" else 0.0
        self._omega = float(params["omega"])
        self._alphas = np.array([params[f"alpha[{i}]"] for i in range(1, p + 1)])  # (p,)
        self._betas = np.array([params[f"beta[{j}]"] for j in range(1, q + 1)])  # (q,)
        dist_params = params[model.distribution.parameter_names()].to_numpy()
        self._z_alpha = float(model.distribution.ppf(alpha, dist_params))
        self._tail_mean = -model.distribution.partial_moment(1, self._z_alpha, dist_params) / alpha
        resid = np.asarray(self.result_.resid)
        variance = np.asarray(self.result_.conditional_volatility) ** 2
        self._eps2 = resid[::-1][:p] ** 2  # (p,) newest first
        self._sigma2 = variance[::-1][:q]  # (q,) newest first
        self._sigma2_next = self._recursion(self._eps2, self._sigma2)
        return self

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

    def update(self, returns: object) -> GarchVaR:
        """Feed new returns through the variance recursion with the fitted parameters."""
        self._require_fitted()
        for value in as_observations(returns, "returns"):
            self._eps2 = np.concatenate([[(value - self._mu) ** 2], self._eps2[:-1]])
            self._sigma2 = np.concatenate([[self._sigma2_next], self._sigma2[:-1]])
            self._sigma2_next = self._recursion(self._eps2, self._sigma2)
        return self

    def forecast(self, horizon: int) -> np.ndarray:
        """Conditional volatility forecasts for steps 1..horizon, shape (horizon,).

        Future squared residuals are replaced by their expectation, the variance.
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


class HistoricalVaR(_RiskModel):
    """Historical-simulation VaR / ES over a rolling window of the last ``window`` returns.

    ``VaR = -Q_alpha(window)`` with numpy's ``method`` (default ``"linear"``, as
    pandas' rolling quantile); ``ES`` is minus the mean of the window returns at
    or below that quantile.

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

    def get_params(self) -> dict:
        """Constructor arguments."""
        return {"window": self.window, "alpha": self.alpha, "method": self.method}

    def fit(self, returns: object) -> HistoricalVaR:
        """Fill the window with the last ``window`` values of ``returns``."""
        window = check_positive_int(self.window, "window")
        check_probability(self.alpha, "alpha")
        series = as_observations(returns, "returns")
        if series.size < window:
            raise InputError(f"returns has {series.size} values, fewer than window={window}")
        self._buffer = deque(series[-window:], maxlen=window)
        return self

    def update(self, returns: object) -> HistoricalVaR:
        """Slide the window over new returns."""
        if not hasattr(self, "_buffer"):
            raise StateError("HistoricalVaR is not fitted; call fit(returns) first")
        self._buffer.extend(as_observations(returns, "returns"))
        return self

    def var_es(self) -> tuple[float, float]:
        """``(VaR, ES)`` of the next return from the current window."""
        if not hasattr(self, "_buffer"):
            raise StateError("HistoricalVaR is not fitted; call fit(returns) first")
        values = np.fromiter(self._buffer, dtype=np.float64)  # (window,)
        quantile = float(np.quantile(values, self.alpha, method=self.method))
        return -quantile, -float(values[values <= quantile].mean())
