"""``summarize``: the former name of :func:`~tslib.evaluate.scoring.score` (kept for callers).

New code calls ``ts.score(frame, scorers, by=...)`` or ``ts.backtest(..., scorers=...)``.
``summarize`` adds two conveniences on top of it: metrics given as ``f(y_true, y_pred)``
and a ``target_transform`` that puts a frame still in model units into data units.

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
from tslib.evaluate.forecast_scorers import METRICS
from tslib.evaluate.scoring import score
from tslib.evaluate.units import target_inverse, to_data_units

__all__ = ["summarize", "METRICS"]


def summarize(
    frame: pd.DataFrame,
    metrics: Sequence[str] | Mapping[str, Callable[[object, object], float]] = ("mae", "rmse"),
    by: Sequence[str] = ("model", "horizon"),
    target_transform: object | None = None,
) -> pd.DataFrame:
    """``score(frame, metrics, by)`` after an optional move to data units.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy predictions with ``y_true``, ``y_pred`` (and ``lower`` / ``upper``).
    metrics : sequence of str or mapping
        Names among :data:`METRICS`, or name -> ``f(y_true, y_pred) -> float``.
    by : sequence of str
        Grouping columns.
    target_transform : transform, Pipeline or callable, optional
        The fitted target transform of a frame still in model units; a frame already
        in data units is refused.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, n, *metrics``.
    """
    missing = [c for c in ("y_true", "y_pred") if c not in frame.columns]
    if missing:
        raise InputError(f"summarize: frame lacks columns {missing}")
    if isinstance(metrics, Mapping):
        metrics = {
            name: (lambda g, f=f: f(g["y_true"].to_numpy(), g["y_pred"].to_numpy()))
            for name, f in metrics.items()
        }
    else:
        metrics = list(metrics)
    frame = to_data_units(frame, target_inverse(target_transform))
    return score(frame, metrics, by=by)
