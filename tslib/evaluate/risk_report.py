"""Backtest tables for one-day risk forecasts: VaR coverage, ES, pinball, QLIKE, ACI, sub-periods.

Every function scores :class:`~tslib.evaluate.risk_forecast.RiskForecast` objects
(one per model) on the same realised returns, with the tests of
:mod:`tslib.metrics.risk`. Column names follow the report keys: a tail
probability ``alpha`` is labelled by its confidence, ``var99`` for 0.01 and
``var95`` for 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tslib.calibration.aci import calibrate_var
from tslib.errors import InputError
from tslib.evaluate.risk_forecast import RiskForecast
from tslib.metrics.forecasting import pinball_loss
from tslib.metrics.risk import (
    acerbi_szekely_z2,
    christoffersen_independence,
    conditional_coverage,
    kupiec_pof,
    mcneil_frey_es_test,
)
from tslib.metrics.variance import qlike, volatility_dm_test
from tslib.validation import as_float_vector

__all__ = [
    "level_label",
    "coverage_tests",
    "risk_backtest",
    "risk_table",
    "aci_table",
    "subperiod_table",
]


def level_label(alpha: float) -> str:
    """``"var99"`` for ``alpha = 0.01``, ``"var95"`` for 0.05, ``"var97.5"`` for 0.025."""
    return f"var{100.0 * (1.0 - alpha):g}"


def coverage_tests(hits: np.ndarray, alpha: float) -> dict:
    """Hit count and rate, Kupiec, Christoffersen independence and conditional coverage p-values."""
    return {
        "hits": int(np.sum(hits)),
        "rate": float(np.mean(hits)),
        "kupiec_p": kupiec_pof(hits, alpha)["pvalue"],
        "christoffersen_p": christoffersen_independence(hits)["pvalue"],
        "cc_p": conditional_coverage(hits, alpha)["pvalue"],
    }


def _check(returns: object, forecast: RiskForecast, name: str) -> np.ndarray:
    values = as_float_vector(returns, "returns")
    if forecast.n != values.size:
        raise InputError(f"forecast {name!r} has {forecast.n} days, returns have {values.size}")
    return values


def risk_backtest(
    returns: object, forecast: RiskForecast, alphas: tuple[float, ...] = (0.01, 0.05), seed: int = 0
) -> dict:
    """All VaR / ES / variance scores of one model over the test days.

    Returns
    -------
    dict
        For each level (prefix ``var99_`` etc.): ``hits``, ``rate``, ``kupiec_p``,
        ``christoffersen_p``, ``cc_p``, ``pinball`` (of the return quantile
        ``-VaR``), ``es_test_p`` (McNeil-Frey bootstrap, residuals scaled by the
        forecast volatility; NaN with fewer than 2 hits) and ``es_z2`` (Acerbi-Szekely);
        then ``qlike`` and ``mse`` of the variance forecast against squared returns.
    """
    values = _check(returns, forecast, "forecast")
    sigma = np.sqrt(forecast.variance())  # (T,)
    row: dict[str, float] = {}
    for alpha in alphas:
        var, es = forecast.var(alpha), forecast.es(alpha)  # (T,) each
        label = level_label(alpha)
        hits = values < -var
        for key, value in coverage_tests(hits, alpha).items():
            row[f"{label}_{key}"] = value
        row[f"{label}_pinball"] = pinball_loss(values, -var[:, None], [alpha])
        loss_var = np.maximum(var, 0.0)  # a VaR below 0 (a sure gain) is scored as 0
        loss_es = np.maximum(es, np.maximum(loss_var, 1e-12))
        es_test = mcneil_frey_es_test(values, loss_var, loss_es, sigma, seed=seed)
        row[f"{label}_es_test_p"] = es_test["pvalue"]
        row[f"{label}_es_z2"] = acerbi_szekely_z2(values, loss_var, loss_es, alpha)
    variance = forecast.variance()
    row["qlike"] = qlike(values, variance)
    row["mse"] = float(np.mean((values**2 - variance) ** 2))
    return row


def risk_table(
    returns: object,
    forecasts: Mapping[str, RiskForecast],
    alphas: tuple[float, ...] = (0.01, 0.05),
    reference: str | None = None,
) -> pd.DataFrame:
    """:func:`risk_backtest` for every model, one row each.

    With ``reference`` (a key of ``forecasts``), adds ``dm_qlike_stat`` and
    ``dm_qlike_p``: the Diebold-Mariano test of each model's variance forecast
    against the reference's on QLIKE (negative: the model is better).
    """
    values = as_float_vector(returns, "returns")
    if reference is not None and reference not in forecasts:
        raise InputError(f"reference {reference!r} is not one of the models {list(forecasts)}")
    rows = {}
    for name, forecast in forecasts.items():
        _check(values, forecast, name)
        row = risk_backtest(values, forecast, alphas)
        if reference is not None and name != reference:
            test = volatility_dm_test(values, forecast.variance(), forecasts[reference].variance())
            row["dm_qlike_stat"], row["dm_qlike_p"] = test["stat"], test["pvalue"]
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def aci_table(
    returns: object,
    forecasts: Mapping[str, RiskForecast],
    alpha: float = 0.01,
    gamma: float = 0.005,
    scale: str = "linear",
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Coverage of every model with and without adaptive conformal inference.

    Returns
    -------
    table : pandas.DataFrame
        One row per model: ``raw_rate``, ``raw_kupiec_p``, ``raw_christoffersen_p``
        and the same for ``aci_``, plus ``aci_cc_p`` and ``aci_infinite_days`` (days
        whose level fell to 0 or below, where the calibrated VaR is infinite).
    paths : dict
        Model name to the :func:`~tslib.calibration.calibrate_var` frame.

    ``gamma`` and ``scale`` are those of :class:`~tslib.calibration.AdaptiveConformal`.
    """
    values = as_float_vector(returns, "returns")
    rows, paths = {}, {}
    for name, forecast in forecasts.items():
        _check(values, forecast, name)
        raw = coverage_tests(values < -forecast.var(alpha), alpha)
        path = calibrate_var(forecast, values, alpha=alpha, gamma=gamma, scale=scale)
        calibrated = coverage_tests(path["hit"].to_numpy(), alpha)
        rows[name] = {
            **{f"raw_{key}": raw[key] for key in ("rate", "kupiec_p", "christoffersen_p")},
            **{
                f"aci_{key}": calibrated[key]
                for key in ("rate", "kupiec_p", "christoffersen_p", "cc_p")
            },
            "aci_infinite_days": int(np.isinf(path["var"]).sum()),
        }
        paths[name] = path
    return pd.DataFrame.from_dict(rows, orient="index"), paths


def subperiod_table(
    returns: pd.Series,
    forecasts: Mapping[str, RiskForecast],
    periods: Mapping[str, tuple[str, str]],
    alpha: float = 0.01,
) -> pd.DataFrame:
    """VaR coverage and QLIKE per model inside each dated period, and in the rest ("calm").

    Parameters
    ----------
    returns : pandas.Series
        Test-day returns with a DatetimeIndex.
    forecasts : mapping
        Model name to its forecast of those days.
    periods : mapping
        Period name to ``(first day, last day)``; periods outside the span are skipped.
    alpha : float
        Tail probability of the VaR.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(period, model)``: ``days``, ``hits``, ``rate``, ``kupiec_p``, ``qlike``.
    """
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        raise InputError("subperiod_table: returns must be a Series with a DatetimeIndex")
    values = _check(returns.to_numpy(), next(iter(forecasts.values())), "first")
    masks, stressed = {}, np.zeros(values.size, dtype=bool)
    for name, (first, last) in periods.items():
        inside = np.asarray(
            (returns.index >= pd.Timestamp(first)) & (returns.index <= pd.Timestamp(last))
        )
        if inside.any():
            masks[name] = inside
            stressed |= inside
    masks["calm (rest)"] = ~stressed
    rows = []
    for period, mask in masks.items():
        for model, forecast in forecasts.items():
            hits = (values < -forecast.var(alpha))[mask]
            rows.append(
                {
                    "period": period,
                    "model": model,
                    "days": int(mask.sum()),
                    "hits": int(hits.sum()),
                    "rate": float(hits.mean()) if mask.any() else np.nan,
                    "kupiec_p": kupiec_pof(hits, alpha)["pvalue"] if mask.any() else np.nan,
                    "qlike": qlike(values[mask], forecast.variance()[mask])
                    if mask.any()
                    else np.nan,
                }
            )
    return pd.DataFrame(rows).set_index(["period", "model"])
