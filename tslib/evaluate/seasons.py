"""Errors by meteorological season (DJF, MAM, JJA, SON) from a tidy backtest frame.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"model": "m", "timestamp": pd.to_datetime(["2020-01-05", "2020-07-01"]),
...                       "y_true": [1.0, 2.0], "y_pred": [0.0, 2.0]})
>>> rmse_by_season(frame)["m"].to_dict()
{'DJF': 1.0, 'JJA': 0.0}
"""

from __future__ import annotations

import pandas as pd

from tslib.errors import InputError

__all__ = ["rmse_by_season", "SEASONS"]

#: Meteorological seasons of the northern hemisphere, by (month % 12) // 3.
SEASONS = ("DJF", "MAM", "JJA", "SON")


def rmse_by_season(frame: pd.DataFrame) -> pd.DataFrame:
    """RMSE of each model in each meteorological season of the forecast ``timestamp``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Backtest rows (``model, timestamp, y_true, y_pred``), usually of one horizon.

    Returns
    -------
    pandas.DataFrame
        Index ``season`` (the seasons present, in calendar order), one column per model.
    """
    missing = [c for c in ("model", "timestamp", "y_true", "y_pred") if c not in frame.columns]
    if missing:
        raise InputError(f"rmse_by_season: frame lacks columns {missing}")
    season = (frame["timestamp"].dt.month % 12 // 3).map(dict(enumerate(SEASONS)))
    squared = (frame["y_true"] - frame["y_pred"]) ** 2
    table = squared.groupby([season, frame["model"]]).mean().pow(0.5).unstack("model")
    table = table.reindex([s for s in SEASONS if s in table.index])
    table.index.name = "season"
    return table
