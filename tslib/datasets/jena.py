"""Jena climate 2009-2016 (Max Planck Institute for Biogeochemistry weather station).

File format (checked against real copies of the file): the zip holds one
``jena_climate_2009_2016.csv``: a quoted header ``"Date Time","p (mbar)",...``
then a ``Date Time`` column (``dd.mm.yyyy HH:MM:SS``, from
``01.01.2009 00:10:00`` to ``01.01.2017 00:00:00``) and 14 numeric columns
written with two decimals, one row every 10 minutes; 420,551 rows.

Known quirks of the real file and the documented repairs, each reported in
``LoadedDataset.repairs``:

* the sentinel ``-9999`` (written ``-9999.00``; known in the wind speeds
  ``wv (m/s)`` and ``max. wv (m/s)``) becomes NaN, in whichever column it
  appears;
* some timestamps appear twice: 2010-01-07 has 287 rows instead of 144,
  the day repeated as a block. Those repeats are exact copies, so by default
  rows that repeat a timestamp with identical values are collapsed into the
  first (a block repeat then leaves the rows in time order). Repeats that
  disagree raise :class:`~tslib.errors.DataError` unless ``duplicates="first"``
  (keep the first, reported);
* there are gaps (some days are short, two dates are missing); they are kept.

Rows out of time order (after collapsing duplicates) raise DataError unless
``sort=True`` (reported).

The download is checked against its size only (13,568,290 bytes): no SHA-256
of the zip is published, so its content is **not checksummed**.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tslib.datasets.archive import read_member
from tslib.datasets.base import DatasetInfo, LoadedDataset, register
from tslib.datasets.cache import RemoteFile, resolve_source
from tslib.datasets.reading import read_delimited
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

#: The Keras/TensorFlow copy. Its size, 13,568,290 bytes, is the Content-Length that
#: ``keras.utils.get_file`` reports in TensorFlow's "Time series forecasting" tutorial
#: (https://www.tensorflow.org/tutorials/structured_data/time_series). No SHA-256 is
#: published for it, so the content is not checksummed.
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
    licence="Unknown: no licence statement was found for this data (MPI-BGC weather page "
    "https://www.bgc-jena.mpg.de/wetter/); attribute MPI-BGC and ask them before "
    "redistributing",
    citation="Max Planck Institute for Biogeochemistry, Jena weather station (Beutenberg), "
    "2009-2016; packaged by F. Chollet for Deep Learning with Python.",
    description="10-minute weather (pressure, temperature, humidity, wind, ...) at Jena, "
    "2009-2016; -9999 sentinels become NaN and exactly repeated rows are collapsed on load "
    "(see repairs).",
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
    notes: list[str] = []  # a file read instead of the one path= names
    name, content = read_member(
        source_path, ["jena_climate_2009_2016.csv"], dataset="jena", notes=notes
    )
    frame, repairs = parse_jena_climate(
        content, source=f"jena_climate {name}", duplicates=duplicates, sort=sort
    )
    repairs[:0] = [f"jena_climate: {note}" for note in notes]
    return LoadedDataset(frame=frame, info=JENA_INFO, repairs=repairs)


def parse_jena_climate(
    content: bytes, *, source: str = "jena_climate", duplicates: str = "raise", sort: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse the Jena CSV bytes into a time-indexed frame and the list of repairs."""
    if duplicates not in ("raise", "first"):
        raise InputError(f"jena_climate: duplicates must be 'raise' or 'first', got {duplicates!r}")
    repairs: list[str] = []
    raw = read_delimited(content, name=source, repairs=repairs)
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
