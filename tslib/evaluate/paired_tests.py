"""Paired tests over a tidy backtest frame: is one model's loss lower than another's?

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> truth = rng.normal(size=200)
>>> frame = pd.concat([pd.DataFrame({"model": m, "origin": np.arange(200), "horizon": 1,
...                                  "y_true": truth, "y_pred": truth + rng.normal(scale=s,
...                                  size=200)}) for m, s in (("a", 0.5), ("b", 1.0))])
>>> result = paired_dm_test(frame, "a", "b", horizon=1)
>>> result["n"], result["stat"] < 0
(200, True)
"""

from __future__ import annotations

import math

import pandas as pd

from tslib.errors import InputError
from tslib.metrics.comparison import diebold_mariano

__all__ = ["paired_dm_test"]


def paired_dm_test(frame: pd.DataFrame, model_a: str, model_b: str, horizon: int) -> dict:
    """Diebold–Mariano test of ``model_a`` against ``model_b`` at one horizon.

    Only targets both models forecast (same ``origin`` and ``horizon``) are
    compared, in time order; squared-error loss. With origins ``every`` steps apart,
    h-step errors overlap over ``ceil(h / every)`` origins, and that is the lag
    window of the long-run variance (``timestamp - origin`` gives the step). See
    :func:`~tslib.metrics.comparison.diebold_mariano` for the result's keys
    (``stat`` < 0: ``model_a`` has the lower loss).

    Parameters
    ----------
    frame : pandas.DataFrame
        A backtest frame (``model, origin, horizon, y_true, y_pred``; ``timestamp``
        for horizons above one).
    model_a, model_b : str
        The models compared.
    horizon : int
        The horizon compared.

    Returns
    -------
    dict
        ``model_a``, ``model_b``, the test's keys (``n``, ``mean_loss_diff``,
        ``stat``, ``pvalue``...) and ``horizon``.

    Raises
    ------
    InputError
        A model without rows at ``horizon``.
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
