"""Daily stock-index prices shipped with the ``arch`` package (offline).

``sp500`` and ``nasdaq`` are the S&P 500 and NASDAQ Composite daily prices,
1999-01-04 to 2018-12-31 (trading days only), from ``arch.data.sp500.load()``
and ``arch.data.nasdaq.load()``. Returns are left to the preprocessing layer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tslib.datasets.base import DatasetInfo, LoadedDataset, register, reject_path
from tslib.datasets.validate import check_no_nan, check_time_order, require_columns, to_numeric

__all__ = ["load_sp500", "load_nasdaq", "PRICE_COLUMNS"]

PRICE_COLUMNS = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]

_UNITS = {c: "index points" for c in PRICE_COLUMNS[:-1]} | {"Volume": "shares"}
_LICENCE = (
    "Distributed with the arch package (NCSA licence); prices originally from Yahoo Finance, "
    "for research and teaching use"
)
_CITATION = "Sheppard, K. et al. arch: ARCH models in Python. https://github.com/bashtage/arch"

SP500_INFO = DatasetInfo(
    name="sp500",
    domain="finance",
    kind="packaged",
    frequency="B",
    targets=("Adj Close",),
    units=_UNITS,
    source="arch.data.sp500.load()",
    licence=_LICENCE,
    citation=_CITATION,
    description="S&P 500 index, daily OHLC, adjusted close and volume, 1999-2018 "
    "(trading days; holidays are gaps).",
)
NASDAQ_INFO = DatasetInfo(
    name="nasdaq",
    domain="finance",
    kind="packaged",
    frequency="B",
    targets=("Adj Close",),
    units=_UNITS,
    source="arch.data.nasdaq.load()",
    licence=_LICENCE,
    citation=_CITATION,
    description="NASDAQ Composite index, daily OHLC, adjusted close and volume, 1999-2018 "
    "(trading days; holidays are gaps).",
)


@register(SP500_INFO)
def load_sp500(path: str | Path | None = None) -> LoadedDataset:
    """S&P 500 daily prices from ``arch`` (see :data:`SP500_INFO`)."""
    reject_path(SP500_INFO.name, path)
    from arch.data import sp500

    return _load_prices(SP500_INFO, sp500.load)


@register(NASDAQ_INFO)
def load_nasdaq(path: str | Path | None = None) -> LoadedDataset:
    """NASDAQ Composite daily prices from ``arch`` (see :data:`NASDAQ_INFO`)."""
    reject_path(NASDAQ_INFO.name, path)
    from arch.data import nasdaq

    return _load_prices(NASDAQ_INFO, nasdaq.load)


def _load_prices(meta: DatasetInfo, read: Callable[[], pd.DataFrame]) -> LoadedDataset:
    source = meta.source
    frame = read()
    require_columns(frame, PRICE_COLUMNS, source=source)
    frame = to_numeric(frame[PRICE_COLUMNS], PRICE_COLUMNS, source=source)
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    frame = check_time_order(frame, source=source)
    check_no_nan(frame, meta.targets, source=source)
    return LoadedDataset(frame=frame, info=meta)
