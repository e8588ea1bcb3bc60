r"""One-day-ahead predictive distributions of returns, and the risk numbers they imply.

A :class:`RiskForecast` holds ``n`` predictive distributions, one per day, each
made before that day's return was known. It turns them into VaR and ES at any
tail probability ``alpha`` (positive losses, :mod:`tslib.metrics.risk`'s
convention) and into a variance forecast (for QLIKE and MSE against squared
returns), so every model is scored on the same footing and online calibration
(:mod:`tslib.calibration`) can ask any of them for a VaR at a moving level.

* :class:`LocationScaleForecast`: ``loc + scale * X`` with X standard normal or
  Student-t with ``df`` degrees of freedom (GARCH, RiskMetrics, the deep models);
* :class:`EmpiricalForecast`: the empirical distribution of a trailing window of
  past returns (historical simulation).

For a location-scale Student-t with :math:`q = t_\nu^{-1}(\alpha)`,

.. math:: \mathrm{VaR}_\alpha = -(\mu + s q), \qquad
          \mathrm{ES}_\alpha = -\mu + s\,\frac{\nu + q^2}{\nu - 1}\,\frac{f_\nu(q)}{\alpha},

and for the normal :math:`\mathrm{ES}_\alpha = -\mu + s\,\phi(q)/\alpha`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
from scipy import special, stats

from tslib.errors import InputError
from tslib.validation import as_float_array, check_probability

__all__ = ["RiskForecast", "LocationScaleForecast", "EmpiricalForecast"]


class RiskForecast(ABC):
    """``n`` one-day predictive distributions of returns (see the module docstring)."""

    n: int

    @abstractmethod
    def var(self, alpha: float) -> np.ndarray:
        """VaR at tail probability ``alpha`` for every day, (n,) positive losses."""

    @abstractmethod
    def es(self, alpha: float) -> np.ndarray:
        """Expected shortfall at tail probability ``alpha`` for every day, (n,)."""

    @abstractmethod
    def variance(self) -> np.ndarray:
        """Forecast variance of every day's return, (n,)."""

    @abstractmethod
    def var_at(self, t: int, alpha: float) -> float:
        """VaR of day ``t`` at any level; ``+inf`` for ``alpha <= 0``, ``-inf`` for ``>= 1``."""

    def _check_day(self, t: int) -> int:
        if not 0 <= t < self.n:
            raise InputError(f"{type(self).__name__}: day {t} is outside [0, {self.n})")
        return int(t)


def _edge_level(alpha: float) -> float | None:
    """The VaR of a level outside (0, 1): an empty or a full tail."""
    if alpha <= 0.0:
        return math.inf
    if alpha >= 1.0:
        return -math.inf
    return None


class LocationScaleForecast(RiskForecast):
    """``loc + scale * X`` per day, X standard normal (``df=None``) or Student-t(``df``).

    Parameters
    ----------
    loc, scale : array_like
        (n,) location and scale (> 0); for the normal, the scale is the std.
    df : array_like or None
        (n,) or scalar degrees of freedom (> 2, so the variance exists), or None.

    Examples
    --------
    >>> forecast = LocationScaleForecast(np.zeros(2), np.array([1.0, 2.0]))
    >>> forecast.var(0.05).round(4).tolist()
    [1.6449, 3.2897]
    """

    def __init__(self, loc: object, scale: object, df: object | None = None) -> None:
        self.loc = as_float_array(loc, "loc", ndim=1)
        self.scale = as_float_array(scale, "scale", ndim=1)
        self.n = self.loc.size
        if self.scale.size != self.n or np.any(self.scale <= 0.0):
            raise InputError(f"scale must hold {self.n} positive values")
        self.df = None
        if df is not None:
            self.df = np.broadcast_to(as_float_array(df, "df", ndim=(0, 1)), (self.n,)).copy()
            if np.any(self.df <= 2.0):
                raise InputError("df must exceed 2 (a finite variance)")

    @classmethod
    def from_standardized_t(cls, loc: object, sigma: object, df: object) -> LocationScaleForecast:
        """From a volatility ``sigma`` and a unit-variance Student-t (arch's ``t``)."""
        nu = as_float_array(df, "df", ndim=(0, 1))
        sigma = as_float_array(sigma, "sigma", ndim=1)
        return cls(loc, sigma * np.sqrt((nu - 2.0) / nu), np.broadcast_to(nu, sigma.shape))

    @classmethod
    def from_risk_head(cls, params: object, sigma: object) -> LocationScaleForecast:
        """From :class:`~tslib.encoders.risk_head.StudentTQuantileHead` parameters of scaled returns.

        Parameters
        ----------
        params : array_like
            (n, 3 + Q) head parameters ``loc, scale, df, quantiles...`` of one target,
            predicting the return divided by ``sigma``.
        sigma : array_like
            (n,) scale the model's target was divided by (e.g. the RiskMetrics volatility).
        """
        values = as_float_array(params, "params", ndim=2)
        scale = as_float_array(sigma, "sigma", ndim=1)
        if values.shape[0] != scale.size or values.shape[1] < 3:
            raise InputError(
                f"params {values.shape} must be (n, 3 + Q) with n = len(sigma) = {scale.size}"
            )
        return cls(scale * values[:, 0], scale * values[:, 1], values[:, 2])

    def _tail(self, alpha: float | np.ndarray, rows: slice | int = slice(None)):
        """Standard quantile q and tail mean m (positive) at ``alpha`` for ``rows``."""
        if self.df is None:
            q = special.ndtri(alpha)  # scipy's raw ufuncs: fast in the per-day ACI loop
            return q, np.exp(-0.5 * q * q) / math.sqrt(2.0 * math.pi) / alpha
        nu = self.df[rows]
        q = special.stdtrit(nu, alpha)
        return q, (nu + q * q) / (nu - 1.0) * stats.t.pdf(q, nu) / alpha

    def var(self, alpha: float) -> np.ndarray:
        alpha = check_probability(alpha, "alpha")
        q, _ = self._tail(alpha)
        return -(self.loc + self.scale * q)

    def es(self, alpha: float) -> np.ndarray:
        alpha = check_probability(alpha, "alpha")
        _, tail_mean = self._tail(alpha)
        return -self.loc + self.scale * tail_mean

    def variance(self) -> np.ndarray:
        if self.df is None:
            return self.scale**2
        return self.scale**2 * self.df / (self.df - 2.0)

    def var_at(self, t: int, alpha: float) -> float:
        t = self._check_day(t)
        edge = _edge_level(alpha)
        if edge is not None:
            return edge
        if self.df is None:
            q = special.ndtri(alpha)
        else:
            q = special.stdtrit(self.df[t], alpha)
        return float(-(self.loc[t] + self.scale[t] * q))


class EmpiricalForecast(RiskForecast):
    """Historical simulation: day ``t``'s distribution is the window ``windows[t]``.

    Matches :class:`~tslib.baselines.volatility.HistoricalVaR`: the VaR is minus
    numpy's ``method`` quantile of the window, the ES minus the mean of the window
    returns at or below it, the variance the window's sample variance.

    Parameters
    ----------
    windows : array_like
        (n, W) past returns behind each day (e.g. a sliding-window view).
    method : str
        Quantile estimator passed to :func:`numpy.quantile`.
    """

    def __init__(self, windows: object, method: str = "linear") -> None:
        self.windows = as_float_array(windows, "windows", ndim=2)
        if self.windows.shape[1] < 2:
            raise InputError("windows must hold at least 2 returns per day")
        self.n = self.windows.shape[0]
        self.method = method

    def var(self, alpha: float) -> np.ndarray:
        alpha = check_probability(alpha, "alpha")
        return -np.quantile(self.windows, alpha, axis=1, method=self.method)

    def es(self, alpha: float) -> np.ndarray:
        quantile = -self.var(alpha)[:, None]  # (n, 1)
        tail = self.windows <= quantile  # (n, W)
        return -(self.windows * tail).sum(axis=1) / tail.sum(axis=1)

    def variance(self) -> np.ndarray:
        return self.windows.var(axis=1, ddof=1)

    def var_at(self, t: int, alpha: float) -> float:
        t = self._check_day(t)
        edge = _edge_level(alpha)
        if edge is not None:
            return edge
        return -float(np.quantile(self.windows[t], alpha, method=self.method))
