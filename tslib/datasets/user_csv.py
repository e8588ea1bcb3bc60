"""The user's own CSV of timestamps and numeric columns (``load("csv", path=...)``).

The time column is ``time_column`` when given, else the first non-numeric
column whose every non-empty value parses as a datetime. Every other selected
column must be numeric. The frame is indexed by time; timestamps must be unique
and increasing (``sort=True`` sorts them, reported), and targets (default:
every numeric column) must have no missing values. Nothing is dropped unless
``drop_missing_targets=True``, which drops rows whose targets are missing (for
example the ``null`` rows of a Yahoo Finance file) and reports them in ``repairs``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tslib.datasets.base import DatasetInfo, LoadedDataset, register
from tslib.datasets.reading import read_delimited
from tslib.datasets.validate import (
    check_no_nan,
    check_time_order,
    parse_times,
    require_columns,
    to_numeric,
)
from tslib.errors import DataError, InputError

__all__ = ["load_csv", "infer_time_column"]

CSV_INFO = DatasetInfo(
    name="csv",
    domain="generic",
    kind="user",
    frequency=None,
    targets=(),
    source="user file",
    licence="the user's own data",
    citation="cite the source of your own data",
    description="Any CSV with a time column and numeric columns.",
)


@register(CSV_INFO)
def load_csv(
    path: str | Path | None = None,
    *,
    time_column: str | None = None,
    targets: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    time_format: str | None = None,
    sort: bool = False,
    frequency: str | None = None,
    drop_missing_targets: bool = False,
) -> LoadedDataset:
    """Load a CSV of timestamps and numeric columns.

    Parameters
    ----------
    path : str or Path
        The CSV file (required).
    time_column : str, optional
        Name of the time column; inferred when omitted.
    targets : sequence of str, optional
        Target columns; default every numeric column.
    columns : sequence of str, optional
        Numeric columns to keep; default every column except the time column.
    time_format : str, optional
        ``strftime`` format of the timestamps; default ISO 8601.
    sort : bool
        Sort rows that are out of time order instead of raising (reported).
    frequency : str, optional
        pandas offset alias to record in ``info.frequency``.
    drop_missing_targets : bool
        Drop rows where a target is missing (reported) instead of raising.

    Raises
    ------
    InputError
        Without ``path``.
    DataError
        If the file is missing, no time column is found, a column is missing or
        not numeric, timestamps repeat or go backwards, or a target has NaN.
    """
    if path is None:
        raise InputError("csv: pass path= pointing at your CSV file")
    file = Path(path).expanduser()
    source = f"csv {file.name}"
    if file.is_dir():
        raise DataError(f"csv: {str(file)!r} is a folder; pass the CSV file itself as path=")
    if not file.is_file():
        raise DataError(f"csv: file {str(file)!r} does not exist")
    repairs: list[str] = []
    raw = read_delimited(file, name=source, repairs=repairs)
    if time_column is None:
        time_column = infer_time_column(raw, source=source, time_format=time_format)
    require_columns(raw, [time_column], source=source)
    numeric = list(columns) if columns is not None else [c for c in raw if c != time_column]
    target_columns = list(targets) if targets is not None else numeric
    require_columns(raw, [*numeric, *target_columns], source=source)
    if not numeric:
        raise DataError(f"{source}: no numeric columns besides the time column {time_column!r}")
    raw = to_numeric(
        raw, sorted(set(numeric) | set(target_columns), key=list(raw).index), source=source
    )
    formats = [time_format] if time_format else None
    times = parse_times(
        raw[time_column], column=time_column, source=source, formats=formats, repairs=repairs
    )
    keep = list(dict.fromkeys([*numeric, *target_columns]))
    frame = raw[keep].set_index(pd.DatetimeIndex(times, name=time_column))
    frame = check_time_order(frame, source=source, sort=sort, repairs=repairs)
    if drop_missing_targets:
        frame = _drop_missing_targets(frame, target_columns, source=source, repairs=repairs)
    check_no_nan(frame, target_columns, source=source)
    meta = dataclasses.replace(
        CSV_INFO, targets=tuple(target_columns), frequency=frequency, source=str(file)
    )
    return LoadedDataset(frame=frame, info=meta, repairs=repairs)


def _drop_missing_targets(
    frame: pd.DataFrame, targets: Sequence[str], *, source: str, repairs: list[str]
) -> pd.DataFrame:
    """Drop rows where any target is NaN; one repair message with the count and first rows."""
    missing = frame[list(targets)].isna().any(axis=1)
    if missing.any():
        first = ", ".join(str(t) for t in frame.index[missing.to_numpy()][:3])
        repairs.append(
            f"{source}: dropped {int(missing.sum())} row(s) with a missing target "
            f"({', '.join(targets)}), first at {first}"
        )
    if missing.all():
        raise DataError(f"{source}: every row has a missing target ({', '.join(targets)})")
    return frame.loc[~missing.to_numpy()]


def infer_time_column(raw: pd.DataFrame, *, source: str, time_format: str | None = None) -> str:
    """The first non-numeric column whose every non-empty value parses as a datetime.

    Raises
    ------
    DataError
        If no column qualifies.
    """
    for column in raw.columns:
        values = raw[column]
        if pd.api.types.is_numeric_dtype(values) or values.isna().all():
            continue
        present = values.dropna()
        try:
            parsed = pd.to_datetime(present, format=time_format or "ISO8601", errors="coerce")
        except (ValueError, TypeError):  # mixed time zones: timestamps, parse_times decides
            return str(column)
        if parsed.notna().all():
            return str(column)
    raise DataError(
        f"{source}: no column parses as timestamps (format {time_format or 'ISO 8601'}); "
        f"columns are {list(raw.columns)}; pass time_column= and time_format="
    )
