"""Two RUL models compared unit by unit: a paired bootstrap of their RMSE difference.

On the C-MAPSS protocol each test unit gives one error per model, at its last
cycle, and the units (engines) are the exchangeable draws. Resampling units with
replacement, the same units for both models, gives a percentile confidence interval
of ``RMSE(a) - RMSE(b)`` (scipy's :func:`scipy.stats.bootstrap`, ``paired=True``).
The input is the tidy frame of a units backtest (:mod:`tslib.evaluate.unit_walk`).

Examples
--------
>>> frame = pd.DataFrame({
...     "model": ["a"] * 4 + ["b"] * 4, "unit": [1, 2, 3, 4] * 2, "last": True,
...     "y_true": [10.0, 20.0, 30.0, 40.0] * 2,
...     "y_pred": [11.0, 19.0, 31.0, 39.0, 15.0, 25.0, 35.0, 45.0]})
>>> result = paired_unit_bootstrap(frame, "a", "b", n_resamples=200, seed=0)
>>> result["difference"], result["n_units"], result["high"] < 0
(-4.0, 4, True)
>>> print(bootstrap_verdict(result, "a", "b")[1])
=> a is better b at the 5% level
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.metrics.paired_bootstrap import paired_bootstrap
from tslib.validation import check_positive_int, check_probability

__all__ = ["paired_unit_bootstrap", "rmse_difference", "bootstrap_verdict"]


def rmse_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """``RMSE(a) - RMSE(b)`` of two error arrays along ``axis`` (vectorised for scipy)."""
    return np.sqrt(np.mean(a**2, axis=axis)) - np.sqrt(np.mean(b**2, axis=axis))


def _errors(frame: pd.DataFrame, model: str, truth: str, last: bool) -> pd.Series:
    rows = frame[frame["model"] == model]
    if last:
        rows = rows[rows["last"].to_numpy(bool)]
    if rows.empty:
        raise InputError(f"paired_unit_bootstrap: no rows of model {model!r} to compare")
    if rows["unit"].duplicated().any():
        raise InputError(
            f"paired_unit_bootstrap: model {model!r} has several rows per unit; "
            "compare one row per unit (last=True)"
        )
    return pd.Series(rows["y_pred"].to_numpy() - rows[truth].to_numpy(), index=rows["unit"])


def paired_unit_bootstrap(
    frame: pd.DataFrame,
    model_a: str,
    model_b: str,
    *,
    truth: str = "y_true",
    last: bool = True,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> dict:
    """Percentile bootstrap CI of ``RMSE(model_a) - RMSE(model_b)``, resampling units.

    Parameters
    ----------
    frame : pandas.DataFrame
        A units backtest frame (``model``, ``unit``, ``last``, ``truth``, ``y_pred``).
    model_a, model_b : str
        The two models; their errors are paired by unit (units of ``model_a``'s order).
    truth : str
        Truth column: ``"y_true"`` (as published) or ``"y_capped"``.
    last : bool
        Compare the last cycle of each unit (the standard protocol); False needs one
        row per unit already.
    n_resamples : int
        Bootstrap resamples.
    confidence : float
        Confidence level of the interval.
    seed : int or None
        Seed of the resampling.

    Returns
    -------
    dict
        ``difference`` (the RMSE difference on the units themselves), ``low``,
        ``high`` (the interval), ``n_units``, ``confidence``.

    Raises
    ------
    InputError
        A model without rows, several rows per unit, or units the two models do not share.
    """
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    confidence = check_probability(confidence, "confidence")
    errors_a = _errors(frame, model_a, truth, last)
    errors_b = _errors(frame, model_b, truth, last)
    if set(errors_a.index) != set(errors_b.index):
        raise InputError(
            f"paired_unit_bootstrap: {model_a!r} and {model_b!r} were scored on different units"
        )
    a = errors_a.to_numpy(np.float64)  # (U,)
    b = errors_b.reindex(errors_a.index).to_numpy(np.float64)  # (U,) same units, same order
    boot = paired_bootstrap(
        a, b, statistic=rmse_difference, n_resamples=n_resamples, confidence=confidence, seed=seed
    )
    return {
        "difference": boot["estimate"],
        "low": boot["ci_low"],
        "high": boot["ci_high"],
        "n_units": int(a.size),
        "confidence": confidence,
    }


def bootstrap_verdict(result: dict, model_a: str, model_b: str, unit: str = "cycles") -> list[str]:
    """Two lines reporting a :func:`paired_unit_bootstrap` result: the interval, then the verdict.

    Parameters
    ----------
    result : dict
        What :func:`paired_unit_bootstrap` returned for ``model_a`` against ``model_b``.
    model_a, model_b : str
        The two models, in the order they were compared.
    unit : str
        Unit of the RMSE.

    Returns
    -------
    list of str
        ``"RMSE difference a - b: ..., 95% paired bootstrap CI [...] over N test units"``
        and ``"=> a is better / worse / not distinguishable from b at the 5% level"``
        (better: the whole interval is below 0; worse: above 0).

    Raises
    ------
    InputError
        ``result`` lacks a key of :func:`paired_unit_bootstrap`'s result.
    """
    missing = [k for k in ("difference", "low", "high", "n_units", "confidence") if k not in result]
    if missing:
        raise InputError(f"bootstrap_verdict: result lacks {missing}")
    level = result["confidence"]
    if result["high"] < 0:
        verdict = "better"
    elif result["low"] > 0:
        verdict = "worse"
    else:
        verdict = "not distinguishable from"
    return [
        f"RMSE difference {model_a} - {model_b}: {result['difference']:+.2f} {unit}, "
        f"{level:.0%} paired bootstrap CI [{result['low']:+.2f}, {result['high']:+.2f}] "
        f"over {result['n_units']} test units",
        f"=> {model_a} is {verdict} {model_b} at the {1 - level:.0%} level",
    ]
