"""Seattle weather shipped with ``vega_datasets`` (offline).

* ``seattle_weather``: daily 2012-01-01 .. 2015-12-31, precipitation (mm),
  max / min temperature (degC), wind (m/s) and the weather type
  (drizzle, rain, sun, snow, fog) as a categorical column.
* ``seattle_temps``: hourly temperature (degF) for 2010. The file has one
  two-hour step (a daylight-saving gap); it is kept as a gap, not filled.

Both are bundled in the package (``vega_datasets.local_data``), so they load
without a network. If an installed version stops bundling one, the loader raises
:class:`~tslib.errors.DownloadError` instead of silently going online.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tslib.datasets.base import DatasetInfo, LoadedDataset, register, reject_path
from tslib.datasets.validate import check_no_nan, check_time_order, require_columns, to_numeric
from tslib.errors import DownloadError

__all__ = ["load_seattle_weather", "load_seattle_temps", "WEATHER_TYPES"]

WEATHER_TYPES = ["drizzle", "fog", "rain", "snow", "sun"]

_LICENCE = "vega-datasets (BSD-3-Clause); observations from NOAA, public domain"
_CITATION = "Vega datasets, https://github.com/vega/vega-datasets (NOAA NCDC observations)"

SEATTLE_WEATHER_INFO = DatasetInfo(
    name="seattle_weather",
    domain="weather",
    kind="packaged",
    frequency="D",
    targets=("temp_max",),
    units={"precipitation": "mm", "temp_max": "degC", "temp_min": "degC", "wind": "m/s"},
    source="vega_datasets.data.seattle_weather()",
    licence=_LICENCE,
    citation=_CITATION,
    description="Daily Seattle weather 2012-2015: precipitation, max/min temperature, wind "
    "and the weather type (categorical).",
)
SEATTLE_TEMPS_INFO = DatasetInfo(
    name="seattle_temps",
    domain="weather",
    kind="packaged",
    frequency="h",
    targets=("temp",),
    units={"temp": "degF"},
    source="vega_datasets.data.seattle_temps()",
    licence=_LICENCE,
    citation=_CITATION,
    description="Hourly Seattle temperature for 2010 (degF); one two-hour step is kept as a gap.",
)


@register(SEATTLE_WEATHER_INFO)
def load_seattle_weather(path: str | Path | None = None) -> LoadedDataset:
    """Daily Seattle weather, 2012-2015 (see :data:`SEATTLE_WEATHER_INFO`)."""
    reject_path(SEATTLE_WEATHER_INFO.name, path)
    source = SEATTLE_WEATHER_INFO.source
    raw = _read_vega("seattle_weather")
    numeric = ["precipitation", "temp_max", "temp_min", "wind"]
    require_columns(raw, ["date", *numeric, "weather"], source=source)
    frame = to_numeric(raw, numeric, source=source).set_index(pd.DatetimeIndex(raw["date"]))
    frame = frame[numeric + ["weather"]].rename_axis("date")
    frame["weather"] = pd.Categorical(frame["weather"], categories=WEATHER_TYPES)
    frame = check_time_order(frame, source=source)
    check_no_nan(frame, [*numeric, "weather"], source=source)
    return LoadedDataset(frame=frame, info=SEATTLE_WEATHER_INFO)


@register(SEATTLE_TEMPS_INFO)
def load_seattle_temps(path: str | Path | None = None) -> LoadedDataset:
    """Hourly Seattle temperature, 2010 (see :data:`SEATTLE_TEMPS_INFO`)."""
    reject_path(SEATTLE_TEMPS_INFO.name, path)
    source = SEATTLE_TEMPS_INFO.source
    raw = _read_vega("seattle_temps")
    require_columns(raw, ["date", "temp"], source=source)
    frame = to_numeric(raw, ["temp"], source=source)
    frame = frame.set_index(pd.DatetimeIndex(raw["date"]))[["temp"]].rename_axis("date")
    frame = check_time_order(frame, source=source)
    check_no_nan(frame, ["temp"], source=source)
    return LoadedDataset(frame=frame, info=SEATTLE_TEMPS_INFO)


def _read_vega(attribute: str) -> pd.DataFrame:
    from vega_datasets import data

    dataset = getattr(data, attribute)
    if not dataset.is_local:
        raise DownloadError(
            f"vega_datasets {dataset.name!r} is not bundled with the installed vega_datasets and "
            f"would need the network; download {dataset.url} and load it with "
            "tslib.datasets.load('csv', path=...)"
        )
    return dataset()
