"""Metric tables from tidy prediction frames (backtests and replays).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"model": ["a", "a"], "horizon": [1, 1],
...                       "y_true": [1.0, 3.0], "y_pred": [2.0, 3.0]})
>>> summarize(frame, metrics=("mae",))
  model  horizon  n  mae
0     a        1  2  0.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from tslib.errors import InputError
from tslib.evaluate.units import target_inverse, to_data_units
from tslib.metrics.forecasting import interval_coverage, interval_width, mae, rmse, smape

__all__ = ["summarize", "METRICS"]

#: Metric name -> ``function(group) -> float`` over a frame with ``y_true`` / ``y_pred``
#: (and ``lower`` / ``upper`` for the interval metrics).
METRICS: dict[str, Callable[[pd.DataFrame], float]] = {
    "mae": lambda g: mae(g["y_true"], g["y_pred"]),
    "rmse": lambda g: rmse(g["y_true"], g["y_pred"]),
    "smape": lambda g: smape(g["y_true"], g["y_pred"]),
    "coverage": lambda g: interval_coverage(g["y_true"], g["lower"], g["upper"]),
    "width": lambda g: interval_width(g["lower"], g["upper"]),
}


def summarize(
    frame: pd.DataFrame,
    metrics: Sequence[str] | Mapping[str, Callable[[object, object], float]] = ("mae", "rmse"),
    by: Sequence[str] = ("model", "horizon"),
    target_transform: object | None = None,
) -> pd.DataFrame:
    """One row per group of ``by`` with the count ``n`` and each metric.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy predictions with ``y_true``, ``y_pred`` (and ``lower`` / ``upper``),
        e.g. from :func:`~tslib.evaluate.backtest.backtest`. Rows whose
        ``y_pred`` is NaN (no prediction yet) are left out.
    metrics : sequence of str or mapping
        Names among :data:`METRICS`, or name -> ``f(y_true, y_pred) -> float``.
    by : sequence of str
        Grouping columns.
    target_transform : transform, Pipeline or callable, optional
        The fitted target transform of a frame still in model units
        (``attrs["units"] != "data"``): values are inverted first, so the
        metrics are in data units. A frame already in data units is refused.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, n, *metrics`` (tidy, ready for seaborn).
    """
    missing = [c for c in (*by, "y_true", "y_pred") if c not in frame.columns]
    if missing:
        raise InputError(f"summarize: frame lacks columns {missing}")
    if isinstance(metrics, Mapping):
        functions = {
            name: (lambda g, f=f: f(g["y_true"].to_numpy(), g["y_pred"].to_numpy()))
            for name, f in metrics.items()
        }
    else:
        unknown = [name for name in metrics if name not in METRICS]
        if unknown:
            raise InputError(
                f"summarize: unknown metric {unknown[0]!r}; use one of {sorted(METRICS)}"
            )
        functions = {name: METRICS[name] for name in metrics}
    frame = to_data_units(frame, target_inverse(target_transform))
    scored = frame[frame["y_pred"].notna()]
    rows = []
    for key, group in scored.groupby(list(by), sort=True):
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row["n"] = len(group)
        row.update({name: float(function(group)) for name, function in functions.items()})
        rows.append(row)
    return pd.DataFrame(rows, columns=[*by, "n", *functions])
