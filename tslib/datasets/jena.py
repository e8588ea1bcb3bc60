"""Jena climate 2009-2016 (Max Planck Institute for Biogeochemistry weather station).

File format: CSV with a ``Date Time`` column (``dd.mm.yyyy HH:MM:SS``) and 14
numeric columns (``p (mbar)``, ``T (degC)``, ...), one row every 10 minutes.

Documented repairs, each reported in ``LoadedDataset.repairs``:

* the sentinel ``-9999`` (known in the wind speeds ``wv (m/s)`` and
  ``max. wv (m/s)``) becomes NaN, in whichever column it appears;
* rows that repeat a timestamp with identical values are collapsed into one.
  Repeats that disagree raise :class:`~tslib.errors.DataError` unless
  ``duplicates="first"`` (keep the first, reported).

Rows out of time order raise DataError unless ``sort=True`` (reported). Gaps
are kept as gaps.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from tslib.datasets.archive import read_member
from tslib.datasets.base import DatasetInfo, LoadedDataset, register
from tslib.datasets.cache import RemoteFile, resolve_source
from tslib.datasets.validate import (
    check_no_nan,
    check_time_order,
    collapse_duplicate_times,
    parse_times,
    require_columns,
    set_invalid_to_nan,
    to_numeric,
)
from tslib.errors import InputError

__all__ = ["load_jena_climate", "parse_jena_climate", "JENA_COLUMNS", "JENA_REMOTE", "SENTINEL"]

JENA_COLUMNS = [
    "p (mbar)",
    "T (degC)",
    "Tpot (K)",
    "Tdew (degC)",
    "rh (%)",
    "VPmax (mbar)",
    "VPact (mbar)",
    "VPdef (mbar)",
    "sh (g/kg)",
    "H2OC (mmol/mol)",
    "rho (g/m**3)",
    "wv (m/s)",
    "max. wv (m/s)",
    "wd (deg)",
]
SENTINEL = -9999.0
_TIME_COLUMN = "Date Time"

JENA_REMOTE = RemoteFile(
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip",
    filename="jena_climate_2009_2016.csv.zip",
    page="https://www.bgc-jena.mpg.de/wetter/",
    size=13568290,
)

JENA_INFO = DatasetInfo(
    name="jena_climate",
    domain="weather",
    kind="download",
    frequency="10min",
    targets=("T (degC)",),
    units={c: c[c.index("(") + 1 : -1] for c in JENA_COLUMNS},
    source=JENA_REMOTE.page,
    licence="Max Planck Institute for Biogeochemistry, free for research and teaching use "
    "with attribution",
    citation="Max Planck Institute for Biogeochemistry, Jena weather station (Beutenberg), "
    "2009-2016; packaged by F. Chollet for Deep Learning with Python.",
    description="10-minute weather (pressure, temperature, humidity, wind, ...) at Jena, "
    "2009-2016; -9999 sentinels become NaN on load (see repairs).",
)


@register(JENA_INFO)
def load_jena_climate(
    path: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    download: bool = True,
    url: str | None = None,
    sha256: str | None = None,
    duplicates: str = "raise",
    sort: bool = False,
) -> LoadedDataset:
    """Load Jena climate 2009-2016.

    Parameters
    ----------
    path : str or Path, optional
        The CSV, its zip, or a folder holding one of them. Without it the zip is
        read from (or downloaded once into) the cache.
    cache_dir, download, url, sha256
        See :func:`tslib.datasets.cache.resolve_source`.
    duplicates : str
        ``"raise"`` on repeated timestamps with different values, or ``"first"``
        to keep the first of them (reported). Identical repeats are always collapsed.
    sort : bool
        Sort rows that are out of time order instead of raising (reported).
    """
    source_path = resolve_source(
        JENA_INFO.name,
        JENA_REMOTE,
        path=path,
        cache_dir=cache_dir,
        download=download,
        url=url,
        sha256=sha256,
    )
    name, content = read_member(source_path, ["jena_climate_2009_2016.csv"], dataset="jena")
    frame, repairs = parse_jena_climate(
        content, source=f"jena_climate {name}", duplicates=duplicates, sort=sort
    )
    return LoadedDataset(frame=frame, info=JENA_INFO, repairs=repairs)


def parse_jena_climate(
    content: bytes, *, source: str = "jena_climate", duplicates: str = "raise", sort: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse the Jena CSV bytes into a time-indexed frame and the list of repairs."""
    if duplicates not in ("raise", "first"):
        raise InputError(f"jena_climate: duplicates must be 'raise' or 'first', got {duplicates!r}")
    repairs: list[str] = []
    raw = pd.read_csv(io.BytesIO(content))
    require_columns(raw, [_TIME_COLUMN, *JENA_COLUMNS], source=source)
    raw = to_numeric(raw, JENA_COLUMNS, source=source)
    times = parse_times(
        raw[_TIME_COLUMN], column=_TIME_COLUMN, source=source, formats=["%d.%m.%Y %H:%M:%S"]
    )
    frame = raw[JENA_COLUMNS].set_index(pd.DatetimeIndex(times, name="datetime"))
    for column in JENA_COLUMNS:
        frame = set_invalid_to_nan(
            frame,
            column,
            frame[column].to_numpy() == SENTINEL,
            reason=f"{SENTINEL:g} is the missing-value sentinel",
            source=source,
            repairs=repairs,
        )
    frame = collapse_duplicate_times(
        frame, source=source, agree=None if duplicates == "raise" else [], repairs=repairs
    )
    frame = check_time_order(frame, source=source, sort=sort, repairs=repairs)
    check_no_nan(frame, JENA_INFO.targets, source=source)
    return frame, repairs
