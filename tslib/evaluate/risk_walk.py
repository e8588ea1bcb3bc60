"""Walk the classical risk baselines forward over a test span, one day at a time.

Each function returns a :class:`~tslib.evaluate.risk_forecast.RiskForecast` for
days ``start .. n - 1`` of ``returns``: the forecast of day ``t`` uses
``returns[:t]`` only (the tests perturb later returns and check nothing moves).
The stepwise baselines of :mod:`tslib.baselines` do the work (``fit`` once,
then ``update`` per day), so these are their test-span paths, not a re-implementation.

GARCH is the one model that is refitted: every ``refit_every`` days on the
trailing ``fit_window`` returns (all returns so far when None), and never when
``refit_every`` is None.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.baselines.riskmetrics import NormalVaR, RiskMetricsVaR
from tslib.baselines.volatility import GarchVaR
from tslib.errors import InputError
from tslib.evaluate.risk_forecast import EmpiricalForecast, LocationScaleForecast
from tslib.validation import as_float_vector, check_positive_int

__all__ = ["garch_walk", "riskmetrics_walk", "normal_walk", "historical_walk"]


def _check_start(returns: object, start: int, need: int) -> np.ndarray:
    values = as_float_vector(returns, "returns")
    if not need <= start < values.size:
        raise InputError(
            f"start must lie in [{need}, {values.size}) so that the first forecast has "
            f"{need} past returns, got {start}"
        )
    return values


def garch_walk(
    returns: object,
    start: int,
    *,
    refit_every: int | None = 250,
    fit_window: int | None = None,
    dist: str = "t",
    mean: str = "Constant",
) -> tuple[LocationScaleForecast, pd.DataFrame]:
    """GARCH(1,1) forecasts for days ``start ..``, refitted every ``refit_every`` days.

    Parameters
    ----------
    returns : array_like
        (n,) returns in time order (percent).
    start : int
        First forecast day; needs at least 100 returns before it.
    refit_every : int or None
        Days between maximum-likelihood refits; None fits once at ``start``.
    fit_window : int or None
        Trailing returns each fit uses; None uses every return before the refit day.
    dist : {"t", "normal"}
        Innovation distribution.
    mean : {"Constant", "Zero"}
        Mean model.

    Returns
    -------
    forecast : LocationScaleForecast
        ``n - start`` predictive distributions.
    fits : pandas.DataFrame
        One row per fit: ``day`` (first day it forecasts), ``n_obs`` and the
        parameters (``mu``, ``omega``, ``alpha[1]``, ``beta[1]``, ``nu``).
    """
    values = _check_start(returns, start, 100)
    if dist not in ("t", "normal"):
        raise InputError(f"garch_walk: dist must be 't' or 'normal', got {dist!r}")
    step = (
        values.size - start
        if refit_every is None
        else check_positive_int(refit_every, "refit_every")
    )
    if fit_window is not None:
        check_positive_int(fit_window, "fit_window")
    loc, sigma, df, fits = [], [], [], []
    for origin in range(start, values.size, step):
        first = 0 if fit_window is None else max(0, origin - fit_window)
        model = GarchVaR(dist=dist, mean=mean).fit(values[first:origin])
        params = model.params
        path = model.run(values[origin : origin + step])  # forecast, then observe
        sigma.append(path["sigma"].to_numpy())
        loc.append(np.full(len(path), params.get("mu", 0.0)))
        df.append(np.full(len(path), params.get("nu", np.nan)))
        fits.append({"day": origin, "n_obs": origin - first, **params})
    loc, sigma, df = np.concatenate(loc), np.concatenate(sigma), np.concatenate(df)
    if dist == "t":
        forecast = LocationScaleForecast.from_standardized_t(loc, sigma, df)
    else:
        forecast = LocationScaleForecast(loc, sigma)
    return forecast, pd.DataFrame(fits)


def riskmetrics_walk(returns: object, start: int, lam: float = 0.94) -> LocationScaleForecast:
    """RiskMetrics EWMA (normal, zero mean) fitted on ``returns[:start]``, then updated daily."""
    values = _check_start(returns, start, 1)
    path = RiskMetricsVaR(lam=lam).fit(values[:start]).run(values[start:])
    return LocationScaleForecast(np.zeros(len(path)), path["sigma"].to_numpy())


def normal_walk(returns: object, start: int) -> LocationScaleForecast:
    """The unconditional normal of ``returns[:start]`` for every later day."""
    values = _check_start(returns, start, 2)
    model = NormalVaR().fit(values[:start])
    n = values.size - start
    return LocationScaleForecast(np.full(n, model.mu), np.full(n, model.sigma_next))


def historical_walk(returns: object, start: int, window: int = 250) -> EmpiricalForecast:
    """Historical simulation over the trailing ``window`` returns of every day."""
    window = check_positive_int(window, "window")
    values = _check_start(returns, start, window)
    views = np.lib.stride_tricks.sliding_window_view(values[:-1], window)  # (n - W, W)
    return EmpiricalForecast(views[start - window :])
