r"""Adaptive conformal inference (Gibbs & Candès, 2021) for a stream of VaR forecasts.

A VaR forecast at tail probability :math:`\alpha` should be exceeded on a
fraction :math:`\alpha` of days. Under a regime shift it is not. ACI keeps a
working level :math:`\alpha_t`, asks the underlying model for its VaR at
:math:`\alpha_t` instead of :math:`\alpha`, and after each day moves the level by

.. math:: \alpha_{t+1} = \alpha_t + \gamma\,(\alpha - \mathrm{err}_t),

where :math:`\mathrm{err}_t = 1` on an exceedance (hit) and 0 otherwise: a hit
lowers the level (a larger VaR), a quiet day raises it a little. With the
convention that a level :math:`\le 0` gives an infinite VaR (no hit possible) and
a level :math:`\ge 1` a VaR of :math:`-\infty` (a sure hit), the levels stay in
:math:`[-\gamma, 1 + \gamma]` and, for **any** sequence of returns and forecasts,

.. math:: \Bigl|\frac1T\sum_{t=1}^T \mathrm{err}_t - \alpha\Bigr|
          \le \frac{\max(\alpha_1, 1 - \alpha_1) + \gamma}{\gamma T}

(Gibbs & Candès, 2021, Proposition 4.1): long-run coverage holds without any
assumption on the data. Small ``gamma`` adapts slowly and smoothly; large
``gamma`` tracks shifts fast with a jumpier VaR.

* :class:`AdaptiveConformal` is the stepwise component: ``level`` and
  ``update(hit) -> next level``; it works on top of any VaR stream that can
  quote a VaR at a given level;
* :func:`calibrate_var` drives it over a :class:`~tslib.evaluate.risk_forecast.RiskForecast`
  (anything with ``var_at(t, level)``) and the realised returns, day by day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.validation import as_float_vector, check_probability

__all__ = ["AdaptiveConformal", "calibrate_var", "aci_coverage_bound"]


def aci_coverage_bound(alpha: float, gamma: float, n_days: int) -> float:
    """Gibbs & Candès' bound on ``|hit rate - alpha|`` after ``n_days`` (level starts at alpha)."""
    return (max(alpha, 1.0 - alpha) + gamma) / (gamma * n_days)


class AdaptiveConformal:
    """Online level of adaptive conformal inference (see the module docstring).

    Parameters
    ----------
    alpha : float
        Target tail probability (0.01 for a 99 % VaR).
    gamma : float
        Step size, > 0.

    Examples
    --------
    >>> aci = AdaptiveConformal(alpha=0.05, gamma=0.01)
    >>> aci.update(hit=True)  # a hit: 0.05 + 0.01 * (0.05 - 1)
    0.0405
    >>> round(aci.update(hit=False), 6)
    0.041
    """

    def __init__(self, alpha: float = 0.01, gamma: float = 0.005) -> None:
        check_probability(alpha, "alpha")
        if not float(gamma) > 0.0:
            raise InputError(f"AdaptiveConformal: gamma must be > 0, got {gamma!r}")
        self.alpha = alpha
        self.gamma = gamma
        self.reset()

    def reset(self) -> None:
        """Back to the target level, with no days seen."""
        self._level = float(self.alpha)
        self.n_days = 0
        self.n_hits = 0

    @property
    def level(self) -> float:
        """The level to quote the next VaR at (may leave (0, 1), see the module docstring)."""
        return self._level

    def update(self, hit: bool) -> float:
        """Record whether today's return exceeded the VaR quoted at :attr:`level`; new level."""
        hit = bool(hit)
        self._level += float(self.gamma) * (float(self.alpha) - float(hit))
        self.n_days += 1
        self.n_hits += hit
        return self._level

    def get_params(self) -> dict:
        """Constructor arguments."""
        return {"alpha": self.alpha, "gamma": self.gamma}

    def clone(self) -> AdaptiveConformal:
        """A fresh component with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        return f"AdaptiveConformal(alpha={self.alpha!r}, gamma={self.gamma!r})"


def calibrate_var(
    forecast: object, returns: object, alpha: float = 0.01, gamma: float = 0.005
) -> pd.DataFrame:
    """Run ACI over a forecast stream: quote, observe, update, one day at a time.

    Parameters
    ----------
    forecast : RiskForecast
        Anything with ``n`` and ``var_at(t, level) -> float`` (VaR of day ``t``
        at ``level``, ``+inf`` for levels <= 0 and ``-inf`` for levels >= 1).
    returns : array_like
        (n,) realised returns of the same days.
    alpha, gamma : float
        Target tail probability and ACI step size.

    Returns
    -------
    pandas.DataFrame
        One row per day: ``level`` (the level quoted), ``var`` (the calibrated
        VaR, possibly infinite) and ``hit`` (return below ``-var``).
    """
    values = as_float_vector(returns, "returns")
    if getattr(forecast, "n", None) != values.size or not hasattr(forecast, "var_at"):
        raise InputError(
            f"calibrate_var: forecast must have var_at(t, level) and n == {values.size} days"
        )
    aci = AdaptiveConformal(alpha, gamma)
    levels, var, hits = np.empty(values.size), np.empty(values.size), np.empty(values.size, bool)
    for t, value in enumerate(values.tolist()):
        levels[t] = aci.level
        var[t] = forecast.var_at(t, aci.level)
        hits[t] = value < -var[t]  # never under +inf, always under -inf
        aci.update(hits[t])
    return pd.DataFrame({"level": levels, "var": var, "hit": hits})
