r"""Adaptive conformal inference (Gibbs & Candès, 2021) for a stream of VaR forecasts.

A VaR forecast at tail probability :math:`\alpha` should be exceeded on a
fraction :math:`\alpha` of days. Under a regime shift it is not. ACI keeps a
working level :math:`\alpha_t`, asks the underlying model for its VaR at
:math:`\alpha_t` instead of :math:`\alpha`, and after each day moves the level by

.. math:: \alpha_{t+1} = \alpha_t + \gamma\,(\alpha - \mathrm{err}_t)
          \qquad (\texttt{scale="linear"}, \text{Gibbs \& Candès}),

where :math:`\mathrm{err}_t = 1` on an exceedance (hit) and 0 otherwise: a hit
lowers the level (a larger VaR), a quiet day raises it a little. A level
:math:`\le 0` quotes an infinite VaR (no hit possible) and a level :math:`\ge 1`
a VaR of :math:`-\infty` (a sure hit), so the levels stay in
:math:`[-\gamma, 1 + \gamma]` and, for **any** sequence of returns and forecasts,

.. math:: \Bigl|\frac1T\sum_{t=1}^T \mathrm{err}_t - \alpha\Bigr|
          \le \frac{\max(\alpha_1, 1 - \alpha_1) + \gamma}{\gamma T}

(Gibbs & Candès, 2021, Proposition 4.1): long-run coverage holds without any
assumption on the data.

At a 1 % level the additive step is coarse: with :math:`\gamma = 0.005` one hit
halves the level and two close hits push it below zero, where the VaR is
infinite until about a hundred quiet days have passed. ``scale="log"`` makes the
same update on the log of the level,

.. math:: \log\alpha_{t+1} = \log\alpha_t + \gamma\,(\alpha - \mathrm{err}_t),

so each hit multiplies the level by :math:`e^{-\gamma(1-\alpha)}` and it never
reaches zero; levels below ``floor`` (default :math:`\alpha / 100`) quote an
infinite VaR. The same telescoping argument gives
:math:`\sum_t(\alpha - \mathrm{err}_t) = (\log\alpha_{T+1} - \log\alpha_1)/\gamma`
with :math:`\log\alpha_t \in [\log(\text{floor}) - \gamma, \gamma]`, hence

.. math:: \Bigl|\frac1T\sum_{t=1}^T \mathrm{err}_t - \alpha\Bigr|
          \le \frac{\max(\log(\alpha_1/\text{floor}), -\log\alpha_1) + \gamma}{\gamma T},

about ten times tighter than the linear bound at :math:`\alpha = 0.01` for the
same responsiveness.

* :class:`AdaptiveConformal` is the stepwise component: ``level``,
  ``quote_level`` (what to ask the model for) and ``update(hit) -> next level``;
  it works on top of any VaR stream that can quote a VaR at a given level;
* :func:`calibrate_var` drives it over a :class:`~tslib.evaluate.risk_forecast.RiskForecast`
  (anything with ``var_at(t, level)``) and the realised returns, day by day.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.validation import as_float_vector, check_probability

__all__ = ["AdaptiveConformal", "calibrate_var", "aci_coverage_bound", "SCALES"]

#: How the level moves: additively (Gibbs & Candès) or on its logarithm.
SCALES = ("linear", "log")


def _floor(alpha: float, floor: float | None) -> float:
    return float(alpha) / 100.0 if floor is None else float(floor)


def aci_coverage_bound(
    alpha: float, gamma: float, n_days: int, scale: str = "linear", floor: float | None = None
) -> float:
    """The guaranteed bound on ``|hit rate - alpha|`` after ``n_days`` (level starts at alpha)."""
    if scale == "linear":
        return (max(alpha, 1.0 - alpha) + gamma) / (gamma * n_days)
    width = max(math.log(alpha / _floor(alpha, floor)), -math.log(alpha))
    return (width + gamma) / (gamma * n_days)


class AdaptiveConformal:
    """Online level of adaptive conformal inference (see the module docstring).

    Parameters
    ----------
    alpha : float
        Target tail probability (0.01 for a 99 % VaR).
    gamma : float
        Step size, > 0.
    scale : {"linear", "log"}
        Update the level itself (Gibbs & Candès) or its logarithm.
    floor : float, optional
        With ``scale="log"``: levels below it quote an infinite VaR; default ``alpha / 100``.

    Examples
    --------
    >>> aci = AdaptiveConformal(alpha=0.05, gamma=0.01)
    >>> aci.update(hit=True)  # a hit: 0.05 + 0.01 * (0.05 - 1)
    0.0405
    >>> round(aci.update(hit=False), 6)
    0.041
    >>> log_aci = AdaptiveConformal(alpha=0.01, gamma=0.5, scale="log")
    >>> round(log_aci.update(hit=True), 6)  # 0.01 * exp(0.5 * (0.01 - 1))
    0.006096
    """

    def __init__(
        self,
        alpha: float = 0.01,
        gamma: float = 0.005,
        scale: str = "linear",
        floor: float | None = None,
    ) -> None:
        check_probability(alpha, "alpha")
        if not float(gamma) > 0.0:
            raise InputError(f"AdaptiveConformal: gamma must be > 0, got {gamma!r}")
        if scale not in SCALES:
            raise InputError(f"AdaptiveConformal: scale must be one of {SCALES}, got {scale!r}")
        if floor is not None and not 0.0 < float(floor) < float(alpha):
            raise InputError(f"AdaptiveConformal: floor must lie in (0, alpha), got {floor!r}")
        self.alpha = alpha
        self.gamma = gamma
        self.scale = scale
        self.floor = floor
        self.reset()

    def reset(self) -> None:
        """Back to the target level, with no days seen."""
        self._level = float(self.alpha)
        self.n_days = 0
        self.n_hits = 0

    @property
    def level(self) -> float:
        """The working level :math:`\\alpha_t` (may leave (0, 1), see the module docstring)."""
        return self._level

    @property
    def quote_level(self) -> float:
        """The level to ask the model's VaR at: ``<= 0`` means an infinite VaR, ``>= 1`` minus infinity."""
        if self.scale == "log" and self._level < _floor(self.alpha, self.floor):
            return 0.0
        return self._level

    def update(self, hit: bool) -> float:
        """Record whether today's return exceeded the VaR quoted at :attr:`quote_level`; new level."""
        hit = bool(hit)
        step = float(self.gamma) * (float(self.alpha) - float(hit))
        self._level = self._level + step if self.scale == "linear" else self._level * math.exp(step)
        self.n_days += 1
        self.n_hits += hit
        return self._level

    def bound(self, n_days: int | None = None) -> float:
        """The coverage guarantee after ``n_days`` (default: the days seen so far)."""
        days = self.n_days if n_days is None else n_days
        return aci_coverage_bound(self.alpha, self.gamma, max(days, 1), self.scale, self.floor)

    def get_params(self) -> dict:
        """Constructor arguments."""
        return {"alpha": self.alpha, "gamma": self.gamma, "scale": self.scale, "floor": self.floor}

    def clone(self) -> AdaptiveConformal:
        """A fresh component with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"AdaptiveConformal({args})"


def calibrate_var(
    forecast: object,
    returns: object,
    alpha: float = 0.01,
    gamma: float = 0.005,
    scale: str = "linear",
    floor: float | None = None,
) -> pd.DataFrame:
    """Run ACI over a forecast stream: quote, observe, update, one day at a time.

    Parameters
    ----------
    forecast : RiskForecast
        Anything with ``n`` and ``var_at(t, level) -> float`` (VaR of day ``t``
        at ``level``, ``+inf`` for levels <= 0 and ``-inf`` for levels >= 1).
    returns : array_like
        (n,) realised returns of the same days.
    alpha, gamma, scale, floor
        As in :class:`AdaptiveConformal`.

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
    aci = AdaptiveConformal(alpha, gamma, scale, floor)
    levels, var, hits = np.empty(values.size), np.empty(values.size), np.empty(values.size, bool)
    for t, value in enumerate(values.tolist()):
        levels[t] = aci.quote_level
        var[t] = forecast.var_at(t, levels[t])
        hits[t] = value < -var[t]  # never under +inf, always under -inf
        aci.update(hits[t])
    return pd.DataFrame({"level": levels, "var": var, "hit": hits})
