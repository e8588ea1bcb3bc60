r"""Two Gaussian VaR / ES baselines: RiskMetrics EWMA and the unconditional normal.

Both are :class:`~tslib.baselines.volatility.RiskModel` baselines (positive
losses, ``alpha`` the tail probability; see :mod:`tslib.metrics.risk`). With
:math:`z_\alpha = \Phi^{-1}(\alpha)` and :math:`\phi` the normal density, a
normal forecast with mean :math:`\mu` and volatility :math:`\sigma` gives

.. math:: \mathrm{VaR} = -(\mu + \sigma z_\alpha), \qquad
          \mathrm{ES} = -\mu + \sigma\,\phi(z_\alpha)/\alpha .

* :class:`RiskMetricsVaR` (J.P. Morgan/Reuters, 1996): zero mean and
  :math:`\sigma^2_{t+1} = \lambda\sigma^2_t + (1-\lambda) r_t^2`, started at the mean
  of :math:`r^2` over the fitted returns and run through them;
* :class:`NormalVaR`: the mean and standard deviation of the fitted returns,
  never updated (the unconditional benchmark every conditional model should beat).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from tslib.baselines.base import register_baseline
from tslib.baselines.volatility import RiskModel
from tslib.errors import InputError
from tslib.validation import as_float_vector, check_probability

__all__ = ["RiskMetricsVaR", "NormalVaR", "normal_var_es"]


def normal_var_es(mu: float, sigma: float, alpha: float) -> tuple[float, float]:
    """``(VaR, ES)`` of a normal return N(mu, sigma^2) at tail probability ``alpha``."""
    z = float(stats.norm.ppf(alpha))
    return -(mu + sigma * z), -mu + sigma * float(stats.norm.pdf(z)) / alpha


@register_baseline("riskmetrics_var")
class RiskMetricsVaR(RiskModel):
    """RiskMetrics EWMA volatility with a zero mean and normal quantiles.

    Parameters
    ----------
    lam : float
        Decay factor in (0, 1); RiskMetrics uses 0.94 for daily returns.
    alpha : float
        Tail probability of the VaR / ES.

    Examples
    --------
    >>> model = RiskMetricsVaR(lam=0.5).fit([1.0, -1.0])
    >>> model.sigma_next
    1.0
    >>> round(model.update([3.0]).sigma_next, 4)
    2.2361
    """

    def __init__(self, lam: float = 0.94, alpha: float = 0.01) -> None:
        self.lam = lam
        self.alpha = alpha

    @classmethod
    def test_config(cls) -> list[dict]:
        """The RiskMetrics daily decay and a short memory at 5 %."""
        return [
            {"params": {}, "data": "returns"},
            {"params": {"lam": 0.8, "alpha": 0.05}, "data": "returns"},
        ]

    def _check_params(self) -> None:
        if not 0.0 < float(self.lam) < 1.0:
            raise InputError(f"RiskMetricsVaR: lam must lie in (0, 1), got {self.lam!r}")
        check_probability(self.alpha, "alpha")

    def fit(self, returns: object) -> RiskMetricsVaR:
        """Start at the mean squared return of ``returns`` and run the recursion through them."""
        self._check_params()
        series = as_float_vector(returns, "returns")
        self._initial_variance = float(np.mean(series**2))
        if self._initial_variance <= 0.0:
            raise InputError("RiskMetricsVaR: returns are all zero; the variance would be 0")
        self._variance = self._initial_variance
        self._update(series)
        self._fitted = True
        return self

    def _update(self, returns: np.ndarray) -> None:
        variance, lam = self._variance, float(self.lam)
        for value in returns.tolist():
            variance = lam * variance + (1.0 - lam) * value * value
        self._variance = variance

    def _apply(self, returns: np.ndarray) -> None:
        self._variance = self._initial_variance
        self._update(returns)

    @property
    def sigma_next(self) -> float:
        """Volatility forecast of the next return."""
        self._require_fitted()
        return math.sqrt(self._variance)

    def var_es(self) -> tuple[float, float]:
        """``(VaR, ES)`` of the next return as positive losses at level ``alpha``."""
        return normal_var_es(0.0, self.sigma_next, float(self.alpha))

    def _forecast_row(self) -> dict[str, float]:
        var, es = self.var_es()
        return {"sigma": self.sigma_next, "var": var, "es": es}


@register_baseline("normal_var")
class NormalVaR(RiskModel):
    """Unconditional normal VaR / ES: mean and standard deviation of the fitted returns.

    ``update`` and ``apply`` change nothing: the forecast is the same every day.

    Parameters
    ----------
    alpha : float
        Tail probability of the VaR / ES.
    """

    #: the forecast never depends on data after the fit (checked by the contract suite)
    stateless = True

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = alpha

    @classmethod
    def test_config(cls) -> list[dict]:
        """The 1 % and 5 % levels."""
        return [{"params": {}, "data": "returns"}, {"params": {"alpha": 0.05}, "data": "returns"}]

    def fit(self, returns: object) -> NormalVaR:
        """Estimate the mean and the standard deviation (ddof 1) of ``returns``."""
        check_probability(self.alpha, "alpha")
        series = as_float_vector(returns, "returns")
        if series.size < 2:
            raise InputError(f"NormalVaR: needs at least 2 returns, got {series.size}")
        self._mu, self._sigma = float(series.mean()), float(series.std(ddof=1))
        self._fitted = True
        return self

    def _update(self, returns: np.ndarray) -> None:
        """Nothing to advance: the unconditional forecast ignores new returns."""

    def _apply(self, returns: np.ndarray) -> None:
        """Nothing to recompute (see :meth:`_update`)."""

    @property
    def mu(self) -> float:
        """The fitted mean."""
        self._require_fitted()
        return self._mu

    @property
    def sigma_next(self) -> float:
        """The fitted standard deviation."""
        self._require_fitted()
        return self._sigma

    def var_es(self) -> tuple[float, float]:
        """``(VaR, ES)`` of the next return as positive losses at level ``alpha``."""
        self._require_fitted()
        return normal_var_es(self._mu, self._sigma, float(self.alpha))

    def _forecast_row(self) -> dict[str, float]:
        var, es = self.var_es()
        return {"sigma": self.sigma_next, "var": var, "es": es}
