"""Metro Interstate Traffic Volume (UCI id 492): hourly I-94 westbound traffic, Minneapolis.

File format (checked against real copies of the file): CSV with header
``holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,
date_time,traffic_volume``, ``date_time`` as ``2012-10-02 09:00:00``, hourly
from 2012-10-02 09:00 to 2018-09-30 23:00 with long gaps (2014-08 to 2015-06).
UCI ships it as the single member ``Metro_Interstate_Traffic_Volume.csv.gz`` of
its zip. ``holiday`` is the holiday name on one hour per holiday and the string
``"None"`` elsewhere (an empty field is read the same way). 48,204 rows,
40,575 distinct hours.

Documented repairs, each reported in ``LoadedDataset.repairs``:

* rows that repeat a timestamp (one per reported weather condition, plus a few
  exact copies) are collapsed into the first row, and their
  ``weather_description`` values are joined with ``" | "``. Repeats agree on
  ``traffic_volume`` in the real file; if they do not,
  :class:`~tslib.errors.DataError` is raised. They may disagree slightly on
  the weather numbers (``temp`` 301.01 vs 300.97 K on 2016-07-12 14:00): the
  first row's values are kept and the number of such hours is reported;
* ``temp == 0`` (0 K, a sensor glitch on 10 hours in 2014) becomes NaN;
* ``rain_1h`` above ``rain_1h_max_mm`` (default 305 mm, about the world record
  for one hour; the file has 9831.3 mm on 2016-07-11 17:00) becomes NaN.

Gaps stay gaps: the index is not made regular unless ``reindex=True``.
``holiday`` holds the holiday name, or NA on other rows.

The download is **not checksummed**: no digest or size of the zip from a source
we could name was found, so the loader does not verify it (pass ``sha256=`` to
pin one yourself).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
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

__all__ = ["load_metro_traffic", "parse_metro_traffic", "METRO_COLUMNS", "METRO_REMOTE"]

METRO_COLUMNS = [
    "holiday",
    "temp",
    "rain_1h",
    "snow_1h",
    "clouds_all",
    "weather_main",
    "weather_description",
    "date_time",
    "traffic_volume",
]
_NUMERIC = ["temp", "rain_1h", "snow_1h", "clouds_all", "traffic_volume"]
_WEATHER_NUMBERS = ["temp", "rain_1h", "snow_1h", "clouds_all"]
_TIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M"]
_MEMBER_NAMES = ["Metro_Interstate_Traffic_Volume.csv.gz", "Metro_Interstate_Traffic_Volume.csv"]

#: No SHA-256 or size of this zip from a source we could name: it is downloaded unverified.
METRO_REMOTE = RemoteFile(
    url="https://archive.ics.uci.edu/static/public/492/metro+interstate+traffic+volume.zip",
    filename="metro_interstate_traffic_volume.zip",
    page="https://archive.ics.uci.edu/dataset/492/metro+interstate+traffic+volume",
)

METRO_INFO = DatasetInfo(
    name="metro_traffic",
    domain="traffic",
    kind="download",
    frequency="h",
    targets=("traffic_volume",),
    units={
        "temp": "K",
        "rain_1h": "mm",
        "snow_1h": "mm",
        "clouds_all": "%",
        "traffic_volume": "vehicles/hour",
    },
    source=METRO_REMOTE.page,
    licence="CC BY 4.0",
    citation="Hogue, J. (2019). Metro Interstate Traffic Volume [Dataset]. UCI Machine "
    "Learning Repository. https://doi.org/10.24432/C5X60B",
    description="Hourly westbound I-94 traffic volume (Minneapolis-St Paul) with weather and "
    "holidays, 2012-10 to 2018-09, with long gaps; duplicate weather rows collapsed and "
    "sensor glitches set to NaN on load (see repairs).",
)


@register(METRO_INFO)
def load_metro_traffic(
    path: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    download: bool = True,
    url: str | None = None,
    sha256: str | None = None,
    reindex: bool = False,
    rain_1h_max_mm: float = 305.0,
) -> LoadedDataset:
    """Load Metro Interstate Traffic Volume.

    Parameters
    ----------
    path : str or Path, optional
        The CSV, the ``.csv.gz``, the UCI zip, or a folder holding one of them.
        Without it the UCI zip is read from (or downloaded once into) the cache.
    cache_dir, download, url, sha256
        See :func:`tslib.datasets.cache.resolve_source`.
    reindex : bool
        Make the index regular hourly, inserting all-NaN rows in gaps (reported).
    rain_1h_max_mm : float
        ``rain_1h`` values above this are glitches and become NaN.

    Returns
    -------
    LoadedDataset
        ``frame`` indexed by ``date_time`` (hourly, gaps kept).
    """
    source_path = resolve_source(
        METRO_INFO.name,
        METRO_REMOTE,
        path=path,
        cache_dir=cache_dir,
        download=download,
        url=url,
        sha256=sha256,
    )
    notes: list[str] = []  # a file read instead of the one path= names
    name, content = read_member(source_path, _MEMBER_NAMES, dataset=METRO_INFO.name, notes=notes)
    frame, repairs = parse_metro_traffic(
        content, source=f"metro_traffic {name}", rain_1h_max_mm=rain_1h_max_mm
    )
    repairs[:0] = [f"metro_traffic: {note}" for note in notes]
    if reindex:
        regular = frame.asfreq("h")
        repairs.append(
            f"metro_traffic {name}: reindex=True inserted {len(regular) - len(frame)} all-NaN "
            "hourly row(s) into the gaps"
        )
        frame = regular
    return LoadedDataset(frame=frame, info=METRO_INFO, repairs=repairs)


def parse_metro_traffic(
    content: bytes, *, source: str = "metro_traffic", rain_1h_max_mm: float = 305.0
) -> tuple[pd.DataFrame, list[str]]:
    """Parse the Metro CSV bytes into a time-indexed frame and the list of repairs."""
    repairs: list[str] = []
    raw = read_delimited(
        content, name=source, repairs=repairs, keep_default_na=False, na_values=[""]
    )
    require_columns(raw, METRO_COLUMNS, source=source)
    raw = to_numeric(raw, _NUMERIC, source=source)
    times = parse_times(raw["date_time"], column="date_time", source=source, formats=_TIME_FORMATS)
    frame = raw.drop(columns="date_time").set_index(pd.DatetimeIndex(times, name="date_time"))
    holiday = frame["holiday"].astype("string")
    frame["holiday"] = holiday.mask(holiday.isin(["None", ""]))
    _report_weather_disagreements(frame, source=source, repairs=repairs)
    frame = collapse_duplicate_times(
        frame,
        source=source,
        agree=["traffic_volume"],
        join={"weather_description": " | "},
        repairs=repairs,
    )
    frame = check_time_order(frame, source=source)
    frame = set_invalid_to_nan(
        frame,
        "temp",
        frame["temp"].to_numpy() == 0,
        reason="temp = 0 K is a sensor glitch",
        source=source,
        repairs=repairs,
    )
    rain = frame["rain_1h"].to_numpy(dtype=float)
    frame = set_invalid_to_nan(
        frame,
        "rain_1h",
        np.nan_to_num(rain) > rain_1h_max_mm,
        reason=f"more than {rain_1h_max_mm:g} mm in one hour is a sensor glitch",
        source=source,
        repairs=repairs,
    )
    check_no_nan(frame, METRO_INFO.targets, source=source)
    columns = [c for c in METRO_COLUMNS if c != "date_time"]
    return frame[columns], repairs


def _report_weather_disagreements(frame: pd.DataFrame, *, source: str, repairs: list[str]) -> None:
    """Report repeated hours whose rows disagree on a weather number (the first row is kept)."""
    repeated = frame[frame.index.duplicated(keep=False)]
    if repeated.empty:
        return
    distinct = repeated.groupby(level=0, sort=False)[_WEATHER_NUMBERS].nunique(dropna=False)
    differing = distinct[(distinct > 1).any(axis=1)]
    if differing.empty:
        return
    columns = [c for c in _WEATHER_NUMBERS if (differing[c] > 1).any()]
    repairs.append(
        f"{source}: {len(differing)} repeated hour(s) disagree on {columns} (first at "
        f"{differing.index[0]}); the first row's values were kept"
    )
