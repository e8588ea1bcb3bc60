"""Checks and documented repairs applied when a dataset is loaded.

Checks raise :class:`~tslib.errors.DataError` with a message that names the
source (dataset and file), the column and the row. Rows are numbered from 0
after the header, as pandas numbers them; time-indexed rows are also named by
their timestamp.

Repairs change data only in documented ways and append one human-readable
message to the ``repairs`` list they are given; nothing is dropped or changed
silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tslib.datasets.time_zones import parse_mixed_zones
from tslib.errors import DataError

__all__ = [
    "require_columns",
    "to_numeric",
    "parse_times",
    "check_time_order",
    "check_no_nan",
    "collapse_duplicate_times",
    "set_invalid_to_nan",
]

_SHOWN = 5  # how many offending rows a message lists


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, source: str) -> None:
    """Raise DataError if any of ``columns`` is missing from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}; found {list(frame.columns)}")


def to_numeric(frame: pd.DataFrame, columns: Sequence[str], *, source: str) -> pd.DataFrame:
    """Return a copy with ``columns`` converted to numbers.

    Raises
    ------
    DataError
        Naming the column, the first row and the value that is not a number.
    """
    out = frame.copy()
    for column in columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            bad = values.index[:1]
        elif pd.api.types.is_numeric_dtype(values):
            continue
        else:
            converted = pd.to_numeric(values, errors="coerce")
            bad = values.index[converted.isna() & values.notna()]
            if len(bad) == 0:
                out[column] = converted
                continue
        row = bad[0]
        raise DataError(
            f"{source}: column {column!r} must be numeric, but row {row} holds "
            f"{values.loc[row]!r} ({len(bad)} non-numeric value(s))"
        )
    return out


def parse_times(
    values: pd.Series,
    *,
    column: str,
    source: str,
    formats: Sequence[str] | None = None,
    repairs: list[str] | None = None,
) -> pd.Series:
    """Parse ``values`` as datetimes, trying each of ``formats`` (default: ISO 8601).

    Timestamps that all carry a UTC offset, but not the same one (local time
    across a daylight-saving change), are converted to UTC, reported in
    ``repairs``; without a repair log they raise.

    Raises
    ------
    DataError
        Naming the first row whose value no format can parse (or that is empty),
        or the first rows where timestamps with and without a time zone mix.
    """
    best: pd.Series | None = None
    for fmt in formats or ["ISO8601"]:
        try:
            parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        except (ValueError, TypeError) as error:  # mixed time zones (pandas: "Pass utc=True")
            parsed = parse_mixed_zones(values, fmt, error, column, source, repairs)
        if best is None or parsed.isna().sum() < best.isna().sum():
            best = parsed
        if not parsed.isna().any():
            return parsed
    assert best is not None
    bad = values.index[best.isna()]
    row = bad[0]
    raise DataError(
        f"{source}: column {column!r} row {row} holds {values.loc[row]!r}, which is not a "
        f"timestamp in format {' or '.join(formats or ['ISO8601'])} "
        f"({len(bad)} unparseable value(s))"
    )


def check_time_order(
    frame: pd.DataFrame, *, source: str, sort: bool = False, repairs: list[str] | None = None
) -> pd.DataFrame:
    """Check that the DatetimeIndex has no NaT, no duplicates and increases.

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed frame.
    source : str
        Name for messages.
    sort : bool
        Sort a non-monotonic index (stable) instead of raising; reported in ``repairs``.
    repairs : list of str, optional
        Repair log to append to.

    Raises
    ------
    DataError
        On a missing timestamp, a duplicate timestamp, or (unless ``sort``) a
        timestamp earlier than the one before it.
    """
    index = frame.index
    if index.isna().any():
        position = int(np.flatnonzero(index.isna())[0])
        raise DataError(f"{source}: missing timestamp at row {position}")
    duplicated = index.duplicated(keep=False)
    if duplicated.any():
        stamps = index[duplicated].unique()
        rows = np.flatnonzero(index == stamps[0]).tolist()
        raise DataError(
            f"{source}: duplicate timestamp {stamps[0]} at rows {rows} "
            f"({len(stamps)} duplicated timestamp(s))"
        )
    if not index.is_monotonic_increasing:
        backwards = np.flatnonzero(np.diff(index.asi8) < 0)
        if not sort:
            position = int(backwards[0]) + 1
            raise DataError(
                f"{source}: timestamps are not increasing: row {position} ({index[position]}) "
                f"comes after {index[position - 1]} ({len(backwards)} step(s) back in time); "
                "pass sort=True to sort the rows"
            )
        frame = frame.sort_index(kind="stable")
        if repairs is not None:
            repairs.append(
                f"{source}: sorted rows by time ({len(backwards)} step(s) back in time in the file)"
            )
    return frame


def check_no_nan(frame: pd.DataFrame, columns: Sequence[str], *, source: str) -> None:
    """Raise DataError naming the first target column with NaN or ±inf, the count and first row.

    An infinite value is no measurement (``inf`` in a CSV is usually a division
    by zero upstream); it is refused like a missing one rather than loaded.
    """
    for column in columns:
        missing = frame[column].isna()
        if missing.any():
            first = frame.index[np.flatnonzero(missing.to_numpy())[0]]
            raise DataError(
                f"{source}: target column {column!r} has {int(missing.sum())} missing "
                f"value(s), first at row {first}"
            )
        if pd.api.types.is_float_dtype(frame[column]):
            infinite = np.isinf(frame[column].to_numpy(dtype=np.float64))
            if infinite.any():
                position = int(np.flatnonzero(infinite)[0])
                raise DataError(
                    f"{source}: target column {column!r} has {int(infinite.sum())} infinite "
                    f"value(s), first {frame[column].iloc[position]} at row "
                    f"{frame.index[position]}"
                )


def collapse_duplicate_times(
    frame: pd.DataFrame,
    *,
    source: str,
    agree: Sequence[str] | None = None,
    join: Mapping[str, str] | None = None,
    repairs: list[str],
) -> pd.DataFrame:
    """Collapse rows that repeat a timestamp into the first of them (documented repair).

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed frame.
    source : str
        Name for messages.
    agree : sequence of str, optional
        Columns that must be identical within a repeated timestamp; ``None``
        means every column (only exact duplicate rows are collapsed).
    join : Mapping[str, str], optional
        Text columns whose distinct values are joined with the given separator
        instead of keeping the first one.
    repairs : list of str
        Repair log; gets one message with the number of collapsed rows.

    Raises
    ------
    DataError
        If repeats of a timestamp disagree on an ``agree`` column.
    """
    repeated = frame.index.duplicated(keep=False)
    if not repeated.any():
        return frame
    join = dict(join or {})
    columns = list(frame.columns if agree is None else agree)
    groups = frame[repeated].groupby(level=0, sort=False)
    distinct = groups[columns].nunique(dropna=False)
    conflicting = distinct[(distinct > 1).any(axis=1)]
    if len(conflicting):
        stamp = conflicting.index[0]
        column = next(c for c in columns if conflicting.loc[stamp, c] > 1)
        values = frame.loc[frame.index == stamp, column].tolist()
        raise DataError(
            f"{source}: rows at {stamp} repeat the timestamp but disagree on {column!r} "
            f"({values}); {len(conflicting)} conflicting timestamp(s)"
        )
    first = ~frame.index.duplicated(keep="first")
    out = frame[first].copy()
    for column, separator in join.items():
        joined = groups[column].agg(lambda s, sep=separator: sep.join(dict.fromkeys(s.astype(str))))
        out.loc[joined.index, column] = joined
    n_removed = int(len(frame) - len(out))
    n_stamps = int(frame.index[repeated].nunique())
    how = f", joining {sorted(join)}" if join else ""
    repairs.append(
        f"{source}: collapsed {n_removed} duplicate row(s) at {n_stamps} repeated "
        f"timestamp(s), keeping the first row{how}; first at {frame.index[repeated][0]}"
    )
    return out


def set_invalid_to_nan(
    frame: pd.DataFrame,
    column: str,
    invalid: pd.Series | np.ndarray,
    *,
    reason: str,
    source: str,
    repairs: list[str],
) -> pd.DataFrame:
    """Return a copy with ``frame[column]`` set to NaN where ``invalid``; log it in ``repairs``."""
    invalid = np.asarray(invalid, dtype=bool)
    if not invalid.any():
        return frame
    out = frame.copy()
    out[column] = out[column].astype(float)
    out.loc[invalid, column] = np.nan
    rows = [str(label) for label in frame.index[invalid][:_SHOWN]]
    more = " ..." if invalid.sum() > _SHOWN else ""
    repairs.append(
        f"{source}: set {int(invalid.sum())} value(s) of {column!r} to NaN ({reason}); "
        f"rows {', '.join(rows)}{more}"
    )
    return out
