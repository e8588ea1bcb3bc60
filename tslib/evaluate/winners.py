"""Which model wins each metric, per group of a tidy score table.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"model": ["a", "b", "a", "b"], "horizon": [1, 1, 7, 7],
...                       "rmse": [1.0, 2.0, 3.0, 2.5], "coverage_95": [0.9, 0.96, 0.8, 0.99]})
>>> metric_winners(table, ["horizon"], lowest=["rmse"], closest={"coverage_95": 0.95})
   horizon rmse coverage_95 closest to 0.95
0        1    a                           b
1        7    b                           b
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tslib.errors import InputError

__all__ = ["metric_winners"]


def metric_winners(
    table: pd.DataFrame,
    by: Sequence[str] = ("horizon",),
    *,
    lowest: Sequence[str] = (),
    highest: Sequence[str] = (),
    closest: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The ``model`` with the best value of each metric, one row per group of ``by``.

    Parameters
    ----------
    table : pandas.DataFrame
        Scores with a ``model`` column (``ts.score`` / ``ts.backtest(scorers=...)``).
    by : sequence of str
        Grouping columns (empty: the whole table).
    lowest, highest : sequence of str
        Metrics where lower (errors, CRPS) or higher (AUC, hit rate) is better.
    closest : mapping, optional
        Metric -> its target value (a coverage's nominal level); the model nearest wins,
        in a column ``"<metric> closest to <target>"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by`` then one per metric, holding the winning model's name; ties go to
        the first model in ``table``.

    Raises
    ------
    InputError
        A column that is not in ``table``, or no metric.
    """
    closest = dict(closest or {})
    needed = ["model", *by, *lowest, *highest, *closest]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(f"metric_winners: table lacks columns {missing}")
    if not (lowest or highest or closest):
        raise InputError("metric_winners: name at least one metric")
    rows = []
    groups = table.groupby(list(by), sort=True) if by else [((), table)]
    for key, group in groups:
        scores = group.set_index("model")
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row.update({m: scores[m].idxmin() for m in lowest})
        row.update({m: scores[m].idxmax() for m in highest})
        row.update(
            {f"{m} closest to {t:g}": (scores[m] - t).abs().idxmin() for m, t in closest.items()}
        )
        rows.append(row)
    return pd.DataFrame(rows)
