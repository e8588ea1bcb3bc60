"""Recorded-metric keys read from a score table indexed by (model, level).

Notebooks record flat keys ``<metric>_<model>`` (GUIDE: recorded metrics). A score
table from :func:`tslib.score` with ``by=["model", "horizon"]`` holds every value; this
module names the cells to record once, instead of one line per key.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"model": ["a", "a", "b", "b"], "horizon": [1, 7, 1, 7],
...                       "rmse": [1.0, 2.0, 3.0, 4.0]}).set_index(["model", "horizon"])
>>> table_metrics(table, {"rmse_h1": ("rmse", 1), "rmse_h7": ("rmse", 7)}, ["a", "b"])
{'rmse_h1_a': 1.0, 'rmse_h7_a': 2.0, 'rmse_h1_b': 3.0, 'rmse_h7_b': 4.0}
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

from tslib.errors import InputError

__all__ = ["table_metrics"]


def table_metrics(
    table: pd.DataFrame, keys: Mapping[str, tuple[str, Hashable]], models: Sequence[str]
) -> dict[str, float]:
    """``{f"{key}_{model}": table.loc[(model, level), column]}`` for every key and model.

    Parameters
    ----------
    table : pandas.DataFrame
        Score table with a (model, level) MultiIndex, e.g. (model, horizon).
    keys : mapping of str to (str, hashable)
        Key prefix -> (column, second index level), e.g. ``{"rmse_h1": ("rmse", 1)}``.
    models : sequence of str
        Models to record, in order.

    Returns
    -------
    dict of str to float
        Ordered by model, then key.

    Raises
    ------
    InputError
        The table lacks a (model, level) row or a column.
    """
    metrics = {}
    for model in models:
        for key, (column, level) in keys.items():
            if (model, level) not in table.index or column not in table.columns:
                raise InputError(f"table_metrics: no {column!r} for ({model!r}, {level!r})")
            metrics[f"{key}_{model}"] = float(table.loc[(model, level), column])
    return metrics
