"""Scorers of one-day risk forecasts: VaR coverage, ES, pinball, QLIKE, Diebold-Mariano, ACI.

Each scorer is ``f(group) -> float`` over the rows of one group (one stream and model,
or one sub-period) of the tidy frame the ``"risk"`` protocol's backtest returns
(:mod:`tslib.evaluate.risk_walk`): ``return``, ``variance`` and, per tail probability
``alpha``, the columns ``var99`` / ``es99`` (labels by confidence: ``var95`` for 0.05,
``var97.5`` for 0.025). The scorers are registered in :data:`RISK_SCORERS`, so
``backtest(models, streams, scorers=["var99_kupiec_p", "qlike"])`` gives the risk table.

Coverage scorers exist for every VaR column of the frame: the model's own VaR
(``var99_rate``...), the VaR of a quantile head (``qvar99_rate``...) and the VaR
calibrated online by adaptive conformal inference (``aci_log_var99_rate``...), each
with ``_hits``, ``_rate``, ``_kupiec_p``, ``_christoffersen_p`` and ``_cc_p``. A hit
is a return below minus the VaR (never under an infinite VaR). A scorer whose
column is missing or has NaN in the group gives NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tslib.metrics.forecasting import pinball_loss
from tslib.metrics.risk import (
    acerbi_szekely_z2,
    christoffersen_independence,
    conditional_coverage,
    kupiec_pof,
    mcneil_frey_es_test,
)
from tslib.metrics.variance import qlike, volatility_dm_test

__all__ = [
    "level_label",
    "es_label",
    "aci_label",
    "RISK_LEVELS",
    "COVERAGE_KEYS",
    "RISK_SCORERS",
    "coverage_scorers",
]

#: Tail probabilities whose columns get named scorers.
RISK_LEVELS = (0.01, 0.025, 0.05, 0.10)

#: What the coverage scorers of one VaR column report (suffixes of their names).
COVERAGE_KEYS = ("hits", "rate", "kupiec_p", "christoffersen_p", "cc_p")

Scorer = Callable[[pd.DataFrame], float]


def level_label(alpha: float) -> str:
    """``"var99"`` for ``alpha = 0.01``, ``"var95"`` for 0.05, ``"var97.5"`` for 0.025."""
    return f"var{100.0 * (1.0 - alpha):g}"


def es_label(alpha: float) -> str:
    """``"es99"`` for ``alpha = 0.01``: the expected-shortfall column of that level."""
    return "es" + level_label(alpha)[3:]


def aci_label(scale: str, alpha: float) -> str:
    """``"aci_log_var99"``: the ACI-calibrated VaR column of one scale and level."""
    return f"aci_{scale}_{level_label(alpha)}"


def _column(group: pd.DataFrame, column: str) -> np.ndarray | None:
    if column not in group:
        return None
    values = group[column].to_numpy(np.float64)
    return None if np.isnan(values).any() else values


def _hits(group: pd.DataFrame, column: str) -> np.ndarray | None:
    var = _column(group, column)
    return None if var is None else group["return"].to_numpy(np.float64) < -var


def _coverage(column: str, alpha: float, key: str) -> Scorer:
    def scorer(group: pd.DataFrame) -> float:
        hits = _hits(group, column)
        if hits is None or not hits.size:
            return np.nan
        if key == "hits":
            return float(hits.sum())
        if key == "rate":
            return float(hits.mean())
        if key == "kupiec_p":
            return kupiec_pof(hits, alpha)["pvalue"]
        if key == "christoffersen_p":
            return christoffersen_independence(hits)["pvalue"]
        return conditional_coverage(hits, alpha)["pvalue"]

    scorer.__name__ = f"{column}_{key}"
    return scorer


def coverage_scorers(column: str, alpha: float) -> dict[str, Scorer]:
    """``{column}_hits``, ``_rate``, ``_kupiec_p``, ``_christoffersen_p``, ``_cc_p`` of a VaR column."""
    return {f"{column}_{key}": _coverage(column, alpha, key) for key in COVERAGE_KEYS}


def _pinball(alpha: float) -> Scorer:
    def scorer(group: pd.DataFrame) -> float:
        var = _column(group, level_label(alpha))
        if var is None:
            return np.nan
        return pinball_loss(group["return"].to_numpy(np.float64), -var[:, None], [alpha])

    return scorer


def _es_inputs(group: pd.DataFrame, alpha: float):
    """Returns, loss VaR (a VaR below 0, a sure gain, scored as 0), loss ES and volatility."""
    var, es = _column(group, level_label(alpha)), _column(group, es_label(alpha))
    if var is None or es is None:
        return None
    loss_var = np.maximum(var, 0.0)
    loss_es = np.maximum(es, np.maximum(loss_var, 1e-12))
    sigma = np.sqrt(group["variance"].to_numpy(np.float64))
    return group["return"].to_numpy(np.float64), loss_var, loss_es, sigma


def _es_test_p(alpha: float) -> Scorer:
    """McNeil-Frey bootstrap p (residuals in units of the forecast volatility; NaN under 2 hits)."""

    def scorer(group: pd.DataFrame) -> float:
        inputs = _es_inputs(group, alpha)
        return np.nan if inputs is None else mcneil_frey_es_test(*inputs, seed=0)["pvalue"]

    return scorer


def _es_z2(alpha: float) -> Scorer:
    """Acerbi-Szekely Z2 (negative: tail risk underestimated)."""

    def scorer(group: pd.DataFrame) -> float:
        inputs = _es_inputs(group, alpha)
        return np.nan if inputs is None else acerbi_szekely_z2(*inputs[:3], alpha)

    return scorer


def _infinite_days(column: str) -> Scorer:
    def scorer(group: pd.DataFrame) -> float:
        return float(np.isinf(group[column]).sum()) if column in group else np.nan

    return scorer


def _qlike(group: pd.DataFrame) -> float:
    """QLIKE of the variance forecast against squared returns (lower is better)."""
    return qlike(group["return"].to_numpy(np.float64), group["variance"].to_numpy(np.float64))


def _mse(group: pd.DataFrame) -> float:
    """Mean squared error of the variance forecast against squared returns."""
    values = group["return"].to_numpy(np.float64)
    return float(np.mean((values**2 - group["variance"].to_numpy(np.float64)) ** 2))


def _dm(key: str) -> Scorer:
    """Diebold-Mariano test on QLIKE against the reference model (``ref_variance``)."""

    def scorer(group: pd.DataFrame) -> float:
        if "ref_variance" not in group:
            return np.nan
        variance, reference = group["variance"].to_numpy(), group["ref_variance"].to_numpy()
        if np.array_equal(variance, reference):  # the reference itself
            return np.nan
        return volatility_dm_test(group["return"].to_numpy(), variance, reference)[key]

    return scorer


def _build() -> dict[str, Scorer]:
    scorers: dict[str, Scorer] = {"qlike": _qlike, "mse": _mse}
    scorers["dm_qlike_stat"], scorers["dm_qlike_p"] = _dm("stat"), _dm("pvalue")
    for alpha in RISK_LEVELS:
        label = level_label(alpha)
        scorers.update(coverage_scorers(label, alpha))
        scorers[f"{label}_pinball"] = _pinball(alpha)
        scorers[f"{label}_es_test_p"] = _es_test_p(alpha)
        scorers[f"{label}_es_z2"] = _es_z2(alpha)
        scorers.update(coverage_scorers(f"q{label}", alpha))
        for scale in ("linear", "log"):
            column = aci_label(scale, alpha)
            scorers.update(coverage_scorers(column, alpha))
            scorers[f"{column}_infinite_days"] = _infinite_days(column)
    return scorers


#: Every named risk scorer (see the module docstring).
RISK_SCORERS: dict[str, Scorer] = _build()
