"""Timestamp columns whose time zones differ from row to row.

pandas refuses to parse a column that mixes UTC offsets (local time across a
daylight-saving change, ``+01:00`` then ``+02:00``) or mixes timestamps with and
without a zone, with a bare ``ValueError``. :func:`parse_mixed_zones` turns the
first case into a documented repair (every timestamp converted to UTC) and the
second, which has no safe reading, into a :class:`~tslib.errors.DataError`
naming a row of each kind.
"""

from __future__ import annotations

import pandas as pd

from tslib.errors import DataError

__all__ = ["parse_mixed_zones"]


def parse_mixed_zones(
    values: pd.Series,
    fmt: str,
    error: Exception,
    column: str,
    source: str,
    repairs: list[str] | None,
) -> pd.Series:
    """Parse timestamps whose time zones differ (pandas raised ``error`` on them).

    Parameters
    ----------
    values : pandas.Series
        The raw timestamp column.
    fmt : str
        The format being tried (``"ISO8601"`` or a ``strftime`` format).
    error : Exception
        What pandas raised, quoted when no timestamp has a zone at all.
    column, source : str
        Names for messages.
    repairs : list of str or None
        Repair log; ``None`` turns the UTC conversion into an error.

    Returns
    -------
    pandas.Series
        UTC timestamps when every timestamp carries an offset (reported).

    Raises
    ------
    DataError
        When timestamps with and without a time zone mix (naming a row of
        each), or offsets differ and there is no repair log.
    """
    unique = pd.Series(values.dropna().unique())
    zones = unique.map(lambda v: _zone_of(v, fmt))  # "naive", an offset string, or None
    first_naive = next((v for v, z in zip(unique, zones) if z == "naive"), None)
    first_aware = next((v for v, z in zip(unique, zones) if z not in ("naive", None)), None)
    if first_aware is None:
        raise DataError(f"{source}: column {column!r} cannot be parsed as timestamps ({error})")

    def row_of(value: object) -> object:
        return values.index[(values == value).to_numpy()][0]

    if first_naive is not None:
        raise DataError(
            f"{source}: column {column!r} mixes timestamps without a time zone (row "
            f"{row_of(first_naive)}: {first_naive!r}) and with one (row {row_of(first_aware)}: "
            f"{first_aware!r}); give every timestamp a UTC offset, or none"
        )
    offsets = sorted({z for z in zones if z is not None})
    message = (
        f"{source}: column {column!r} has timestamps with {len(offsets)} different UTC offsets "
        f"({', '.join(offsets[:4])}{' ...' if len(offsets) > 4 else ''})"
    )
    if repairs is None:
        raise DataError(f"{message}; convert them to one time zone first")
    repairs.append(f"{message}; converted every timestamp to UTC")
    return pd.to_datetime(values, format=fmt, errors="coerce", utc=True)


def _zone_of(value: object, fmt: str) -> str | None:
    """``"naive"``, the UTC offset (``"+01:00"``) of one timestamp, or None if unparseable."""
    try:
        stamp = pd.to_datetime(value, format=fmt)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        return "naive"
    return stamp.strftime("%z") or str(stamp.tzinfo)
