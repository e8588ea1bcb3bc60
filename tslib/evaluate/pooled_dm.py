"""Diebold–Mariano per horizon on losses pooled over streams at each origin.

Sensors of one network share shocks, so their errors at one origin are not
independent: testing the rows of every stream as separate points would overstate
the evidence. :func:`pooled_dm_table` averages the absolute errors of all streams at
each origin first, so the test sees one loss differential per origin, and an h-step
forecast's differentials are autocorrelated up to lag h - 1, which the test's
long-run variance takes into account (HLN correction, two-sided; see
:func:`~tslib.metrics.comparison.diebold_mariano`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> n = 40
>>> frame = pd.DataFrame({"model": ["a"] * n + ["b"] * n, "horizon": 1,
...                       "origin": np.tile(np.arange(n), 2), "y_true": 0.0,
...                       "y_pred": np.r_[rng.normal(0, 1, n), rng.normal(0, 3, n)]})
>>> table = pooled_dm_table(frame, "a", "b")
>>> table.columns.tolist()
['horizon', 'MAE a', 'MAE b', 'DM stat', 'p-value', 'origins']
>>> bool(table["p-value"].iloc[0] < 0.01)
True
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from tslib.errors import InputError
from tslib.metrics.comparison import diebold_mariano

__all__ = ["pooled_dm_table"]


def pooled_dm_table(
    frame: pd.DataFrame,
    model_a: str,
    model_b: str,
    lags: Mapping[object, int] | None = None,
) -> pd.DataFrame:
    """One Diebold–Mariano test of ``model_a`` against ``model_b`` per horizon.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy predictions with ``model``, ``horizon``, ``origin``, ``y_true``,
        ``y_pred`` (e.g. from the segments backtest), several streams per origin.
    model_a, model_b : str
        The two models compared.
    lags : mapping, optional
        Horizon value -> its length in steps, the test's ``horizon`` (default: the
        horizon value itself, right when horizons are given in steps).

    Returns
    -------
    pandas.DataFrame
        One row per horizon: ``horizon``, ``MAE <a>``, ``MAE <b>`` (over every row),
        ``DM stat`` (negative: a has the lower loss), ``p-value`` and ``origins``.
    """
    missing = [c for c in ("model", "horizon", "origin", "y_true", "y_pred") if c not in frame]
    if missing:
        raise InputError(f"pooled_dm_table: frame lacks columns {missing}")
    for name in (model_a, model_b):
        if not (frame["model"] == name).any():
            raise InputError(f"pooled_dm_table: no rows of model {name!r}")
    errors = frame.assign(abs_error=(frame["y_true"] - frame["y_pred"]).abs())
    rows = []
    for horizon, at in errors.groupby("horizon"):
        per_origin = at.groupby(["origin", "model"])["abs_error"].mean().unstack()
        test = diebold_mariano(
            per_origin[model_a],
            per_origin[model_b],
            horizon=int((lags or {}).get(horizon, horizon)),
            loss="absolute",
        )
        rows.append(
            {
                "horizon": horizon,
                f"MAE {model_a}": at[at.model == model_a].abs_error.mean(),
                f"MAE {model_b}": at[at.model == model_b].abs_error.mean(),
                "DM stat": test["stat"],
                "p-value": test["pvalue"],
                "origins": test["n"],
            }
        )
    return pd.DataFrame(rows)
