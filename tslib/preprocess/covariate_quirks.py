"""Detect and repair covariate quirks of real sensor files before they reach a model.

Two quirks of public traffic files (the UCI Metro Interstate file has both):

* **a covariate constant for a whole year** or longer (a weather field that is
  0 for every hour of a year, which no real weather does): the field was not
  recorded then, so a model cannot learn its effect from those years. Found by
  :func:`constant_spans`; the caller drops such a column and says so;
* **a holiday named only on the midnight hour** of the holiday, every other hour
  of the same day carrying "no holiday": the holiday affects the whole day, so
  :func:`holiday_flag` spreads the label to every row of that calendar date.
  Holidays are known in advance, so spreading within the day is not a look-ahead.

Examples
--------
>>> import pandas as pd
>>> index = pd.date_range("2024-07-03 22:00", periods=5, freq="h")
>>> names = pd.Series([None, None, "Independence Day", None, None], index=index)
>>> flag, note = holiday_flag(names)
>>> flag.tolist()
[0.0, 0.0, 1.0, 1.0, 1.0]
>>> note
'holiday: named on 1 row(s), all at midnight; spread to the whole day (3 rows)'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tslib.errors import DataError

__all__ = ["constant_spans", "midnight_only", "spread_to_day", "holiday_flag"]


def _datetime_index(data: pd.Series | pd.DataFrame, where: str) -> pd.DatetimeIndex:
    if not isinstance(data.index, pd.DatetimeIndex):
        raise DataError(f"{where}: need a DatetimeIndex, got {type(data.index).__name__}")
    return data.index


def constant_spans(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, min_span: str = "365D"
) -> pd.DataFrame:
    """Runs of one repeated value that last at least ``min_span`` in time.

    NaN rows are skipped (they neither break nor extend a run). A run's span is
    the time from its first to its last row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed frame.
    columns : sequence of str, optional
        Numeric columns to check; default every numeric column.
    min_span : str
        Shortest span reported, a :class:`pandas.Timedelta` string.

    Returns
    -------
    pandas.DataFrame
        ``column, value, start, end, days, rows``, one row per run.
    """
    index = _datetime_index(frame, "constant_spans")
    if columns is None:
        columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    shortest = pd.Timedelta(min_span)
    rows = []
    for column in columns:
        if column not in frame.columns:
            raise DataError(f"constant_spans: column {column!r} is not in the frame")
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        kept = np.flatnonzero(~np.isnan(values))
        if kept.size == 0:
            continue
        series = values[kept]
        breaks = np.flatnonzero(series[1:] != series[:-1]) + 1
        starts = np.concatenate([[0], breaks])
        stops = np.concatenate([breaks, [series.size]]) - 1
        for first, last in zip(starts, stops):
            begin, end = index[kept[first]], index[kept[last]]
            if end - begin >= shortest:
                rows.append(
                    {
                        "column": column,
                        "value": float(series[first]),
                        "start": begin,
                        "end": end,
                        "days": (end - begin) / pd.Timedelta("1D"),
                        "rows": int(last - first + 1),
                    }
                )
    return pd.DataFrame(rows, columns=["column", "value", "start", "end", "days", "rows"])


def _labelled(series: pd.Series) -> np.ndarray:
    """(T,) bool: a holiday label is present (a non-empty name other than "None", or > 0)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return np.nan_to_num(series.to_numpy(dtype=float)) > 0
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).to_numpy(dtype=bool)
    text = series.astype("string").str.strip()
    return (text.notna() & ~text.isin(["", "None", "none", "0"])).to_numpy(dtype=bool)


def midnight_only(series: pd.Series) -> bool:
    """True when labels exist and every labelled row is at 00:00 while its date has other rows."""
    index = _datetime_index(series, "midnight_only")
    labelled = _labelled(series)
    if not labelled.any():
        return False
    at_midnight = (index.hour == 0) & (index.minute == 0)
    if not at_midnight[labelled].all():
        return False
    dates = pd.Series(index.normalize(), index=np.arange(len(index)))
    rows_per_date = dates.map(dates.value_counts())
    return bool((rows_per_date.to_numpy()[labelled] > 1).any())


def spread_to_day(series: pd.Series) -> pd.Series:
    """Give every row of a calendar date the label found on that date (first one wins)."""
    index = _datetime_index(series, "spread_to_day")
    labelled = _labelled(series)
    dates = index.normalize()
    source = pd.Series(series.to_numpy(dtype=object), index=np.arange(len(series)))
    found = source[labelled].groupby(dates[labelled]).first()  # date -> label
    spread = pd.Series(dates, index=series.index).map(found)
    return spread.where(spread.notna(), series.where(pd.Series(labelled, index=series.index)))


def holiday_flag(series: pd.Series) -> tuple[pd.Series, str]:
    """A 0/1 float holiday flag from a holiday column, with the midnight-only quirk repaired.

    Parameters
    ----------
    series : pandas.Series
        Time-indexed holiday names (NA, "" or "None" for none) or a numeric flag.

    Returns
    -------
    tuple
        ``(flag, note)``: the flag (float 0/1, same index) and one sentence saying
        what was found and done.
    """
    labelled = _labelled(series)
    name = series.name or "holiday"
    if midnight_only(series):
        spread = spread_to_day(series)
        flag = pd.Series(_labelled(spread).astype(np.float64), index=series.index, name=name)
        note = (
            f"{name}: named on {int(labelled.sum())} row(s), all at midnight; spread to the "
            f"whole day ({int(flag.sum())} rows)"
        )
        return flag, note
    flag = pd.Series(labelled.astype(np.float64), index=series.index, name=name)
    return flag, f"{name}: {int(labelled.sum())} holiday row(s); used as given"
