"""Probabilistic scores of Gaussian forecasts from a tidy backtest frame.

Every model in a weather backtest gives a Gaussian predictive distribution:
the deep models through a :class:`~tslib.encoders.heads.GaussianHead`, the
classical ones through their standard errors. A backtest frame stores it as the
point forecast (the mean) and one central interval; :func:`gaussian_scores`
recovers the standard deviation from that interval,

.. math:: \\sigma = \\frac{u - l}{2 z_{(1+c)/2}},

and adds intervals at other levels and the closed-form CRPS of each row.
:func:`forecast_scores` tables MAE, RMSE, MASE, coverage, width and CRPS per
model and horizon; :func:`paired_dm_test` runs a Diebold–Mariano test on the
rows two models share.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"model": "m", "origin": [0, 1], "horizon": 1, "y_true": [0.0, 1.0],
...                       "y_pred": [0.0, 0.0], "lower": [-1.96, -1.96], "upper": [1.96, 1.96]})
>>> scored = gaussian_scores(frame, interval=0.95)
>>> scored["sigma"].round(3).tolist(), scored["lower_80"].round(3).tolist()
([1.0, 1.0], [-1.282, -1.282])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from tslib.errors import InputError
from tslib.metrics.comparison import diebold_mariano
from tslib.metrics.forecasting import mae, mase, rmse

__all__ = ["gaussian_scores", "forecast_scores", "paired_dm_test"]


def _level_name(level: float) -> str:
    return f"{100 * level:g}".replace(".", "_")


def gaussian_scores(
    frame: pd.DataFrame, interval: float = 0.95, levels: Sequence[float] = (0.8,)
) -> pd.DataFrame:
    """Add ``sigma``, ``lower_<p>`` / ``upper_<p>`` for each level, and ``crps`` per row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Backtest rows with ``y_true``, ``y_pred`` (the Gaussian mean), ``lower``
        and ``upper`` (its central ``interval``).
    interval : float
        Coverage of ``lower`` / ``upper``; they are also copied to
        ``lower_<100 interval>`` / ``upper_<...>``.
    levels : sequence of float
        Further central coverages to add.

    Returns
    -------
    pandas.DataFrame
        A copy with the new columns.
    """
    missing = [c for c in ("y_true", "y_pred", "lower", "upper") if c not in frame.columns]
    if missing:
        raise InputError(f"gaussian_scores: frame lacks columns {missing} (backtest interval=)")
    if not 0.0 < interval < 1.0 or any(not 0.0 < level < 1.0 for level in levels):
        raise InputError(f"gaussian_scores: coverages must lie in (0, 1), got {interval}, {levels}")
    out = frame.copy()
    z = stats.norm.ppf(0.5 + interval / 2.0)
    sigma = (out["upper"] - out["lower"]).to_numpy(np.float64) / (2.0 * z)  # (n,)
    if np.any(sigma <= 0.0) or not np.all(np.isfinite(sigma)):
        raise InputError("gaussian_scores: every interval needs upper > lower")
    out["sigma"] = sigma
    mean, truth = out["y_pred"].to_numpy(np.float64), out["y_true"].to_numpy(np.float64)
    for level in (interval, *levels):
        half = stats.norm.ppf(0.5 + level / 2.0) * sigma  # (n,)
        out[f"lower_{_level_name(level)}"] = mean - half
        out[f"upper_{_level_name(level)}"] = mean + half
    u = (truth - mean) / sigma  # (n,)
    out["crps"] = sigma * (
        u * (2.0 * stats.norm.cdf(u) - 1.0) + 2.0 * stats.norm.pdf(u) - 1.0 / np.sqrt(np.pi)
    )
    return out


def forecast_scores(
    scored: pd.DataFrame,
    y_train: object | None = None,
    levels: Sequence[float] = (0.8, 0.95),
    by: Sequence[str] = ("model", "horizon"),
) -> pd.DataFrame:
    """MAE, RMSE, MASE, coverage and width per level, and CRPS, per group of ``by``.

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`gaussian_scores` (with the interval columns of ``levels``).
    y_train : array_like, optional
        Training series in data units; gives ``mase`` (scaled by the in-sample
        one-step naive MAE, Hyndman & Koehler 2006). Without it, no ``mase``.
    levels : sequence of float
        Coverages to report (their columns must exist).
    by : sequence of str
        Grouping columns.

    Returns
    -------
    pandas.DataFrame
        ``*by, n, mae, rmse[, mase], coverage_<p>, width_<p> ..., crps``.
    """
    names = [_level_name(level) for level in levels]
    needed = [*by, "y_true", "y_pred", "crps"]
    needed += [f"{side}_{n}" for n in names for side in ("lower", "upper")]
    missing = [c for c in needed if c not in scored.columns]
    if missing:
        raise InputError(f"forecast_scores: frame lacks columns {missing} (see gaussian_scores)")
    rows = []
    for key, group in scored.groupby(list(by), sort=True):
        truth, point = group["y_true"].to_numpy(), group["y_pred"].to_numpy()
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row.update(n=len(group), mae=mae(truth, point), rmse=rmse(truth, point))
        if y_train is not None:
            row["mase"] = mase(truth, point, y_train)
        for name in names:
            low, high = group[f"lower_{name}"].to_numpy(), group[f"upper_{name}"].to_numpy()
            row[f"coverage_{name}"] = float(np.mean((truth >= low) & (truth <= high)))
            row[f"width_{name}"] = float(np.mean(high - low))
        row["crps"] = float(group["crps"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def paired_dm_test(frame: pd.DataFrame, model_a: str, model_b: str, horizon: int) -> dict:
    """Diebold–Mariano test of ``model_a`` against ``model_b`` at one horizon.

    Only targets both models forecast (same ``origin`` and ``horizon``) are
    compared, in time order; squared-error loss. With origins ``every`` steps apart,
    h-step errors overlap over ``ceil(h / every)`` origins, and that is the lag
    window of the long-run variance (``timestamp - origin`` gives the step). See
    :func:`~tslib.metrics.comparison.diebold_mariano` for the result's keys
    (``stat`` < 0: ``model_a`` has the lower loss).
    """
    rows = frame[frame["horizon"] == horizon]
    errors = {}
    for name in (model_a, model_b):
        part = rows[rows["model"] == name]
        if part.empty:
            raise InputError(f"paired_dm_test: no rows of model {name!r} at horizon {horizon}")
        errors[name] = (part["y_true"] - part["y_pred"]).set_axis(part["origin"]).sort_index()
    shared = errors[model_a].index.intersection(errors[model_b].index)
    lags = _overlap(rows[rows["model"] == model_a], shared, horizon)
    result = diebold_mariano(
        errors[model_a].loc[shared].to_numpy(),
        errors[model_b].loc[shared].to_numpy(),
        horizon=lags,
    )
    return {"model_a": model_a, "model_b": model_b, **result, "horizon": horizon}


def _overlap(rows: pd.DataFrame, origins: pd.Index, horizon: int) -> int:
    """Consecutive origins whose h-step errors overlap: ``ceil(h / spacing)``, spacing in steps.

    With an origin every step this is h (errors correlated up to lag h - 1); with
    origins ``every`` steps apart the overlap shrinks to ``ceil(h / every)``.
    """
    if horizon == 1 or len(origins) < 2:
        return 1
    row = rows.iloc[0]
    step = (row["timestamp"] - row["origin"]) / horizon  # one step, in the index's units
    spacing = pd.Series(origins.sort_values()).diff().median() / step
    return max(1, math.ceil(horizon / float(spacing)))
