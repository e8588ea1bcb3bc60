"""Daily price files for risk models: a packaged index or a Yahoo-format CSV, and their returns.

``load_prices("sp500")`` or ``load_prices("csv", path=...)`` returns the loaded
dataset and the price column to use: the one asked for, else ``Adj Close`` when
the file has it (dividends and splits folded in), else ``Close``. A Yahoo file
(``Date,Open,High,Low,Close,Adj Close,Volume``) goes through the ``csv`` loader
with ``Date`` as the time column and its ``null`` rows dropped (reported in
``repairs``). ``price_returns`` turns prices into percent log returns and the
day's range, ``100 log(High / Low)``, which is missing where the file has no
intraday range (``High == Low``, as in the early decades of long index files).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets.base import LoadedDataset, load
from tslib.datasets.reading import read_delimited
from tslib.errors import DataError, InputError

__all__ = ["load_prices", "price_returns", "choose_price_column", "first_test_day"]


def choose_price_column(columns: list[str], price_column: str | None, source: str) -> str:
    """``price_column`` if given (it must exist), else ``Adj Close``, else ``Close``."""
    if price_column is not None:
        if price_column not in columns:
            raise DataError(f"{source}: no column {price_column!r}; columns are {columns}")
        return price_column
    for candidate in ("Adj Close", "Close"):
        if candidate in columns:
            return candidate
    raise DataError(
        f"{source}: neither 'Adj Close' nor 'Close' is a column ({columns}); pass price_column="
    )


def load_prices(
    dataset: str, path: str | Path | None = None, price_column: str | None = None
) -> tuple[LoadedDataset, str]:
    """Load daily prices and pick the price column (see the module docstring).

    Parameters
    ----------
    dataset : str
        A registered dataset (``"sp500"``, ``"nasdaq"``) or ``"csv"``.
    path : str or Path, optional
        The CSV file, for ``dataset="csv"``.
    price_column : str, optional
        Column of prices; default ``Adj Close`` when present, else ``Close``.

    Returns
    -------
    tuple
        ``(LoadedDataset, price column)``.
    """
    if dataset != "csv":
        loaded = load(dataset, path=path)
        return loaded, choose_price_column(list(loaded.frame.columns), price_column, dataset)
    if path is None:
        raise InputError("load_prices: dataset 'csv' needs path= pointing at a price file")
    file = Path(path).expanduser()
    if not file.is_file():
        state = "is a folder; pass the CSV file itself" if file.is_dir() else "does not exist"
        raise DataError(f"csv: file {str(file)!r} {state}")
    # The header only; duplicate names are reported by load("csv") below.
    header = list(read_delimited(file, name=f"csv {file.name}", repairs=[], nrows=0).columns)
    column = choose_price_column(header, price_column, f"csv {file.name}")
    loaded = load(
        "csv",
        path=file,
        time_column="Date" if "Date" in header else None,
        targets=[column],
        drop_missing_targets=True,
    )
    return loaded, column


def price_returns(
    frame: pd.DataFrame, price_column: str, high: str = "High", low: str = "Low"
) -> pd.DataFrame:
    """Percent log returns and daily ranges, from the second row on.

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed prices.
    price_column : str
        Column of (positive) prices.
    high, low : str
        Intraday high and low columns; the range is NaN without them, where
        ``High <= Low`` or where either is missing.

    Returns
    -------
    pandas.DataFrame
        ``return`` = ``100 log(p_t / p_{t-1})`` and ``range`` = ``100 log(High / Low)``.

    Raises
    ------
    DataError
        If a price is not positive (naming the row).
    """
    if price_column not in frame.columns:
        raise DataError(f"price_returns: no column {price_column!r}")
    prices = frame[price_column].astype(np.float64)
    if (prices <= 0).any():
        row = prices.index[np.flatnonzero((prices <= 0).to_numpy())[0]]
        raise DataError(f"price_returns: column {price_column!r} is not positive at row {row}")
    returns = 100.0 * np.log(prices).diff()
    span = pd.Series(np.nan, index=frame.index)
    if high in frame.columns and low in frame.columns:
        hi, lo = frame[high].astype(np.float64), frame[low].astype(np.float64)
        valid = (hi > lo) & (lo > 0)
        span = (100.0 * np.log(hi.where(valid) / lo.where(valid))).astype(np.float64)
    return pd.DataFrame({"return": returns, "range": span}, index=frame.index).iloc[1:]


def first_test_day(
    index: pd.DatetimeIndex, test_start: str | None, min_history: int, fraction: float = 0.3
) -> tuple[int, str]:
    """Position of the first test day, and why it was chosen.

    The first day on or after ``test_start``; the start of the last ``fraction``
    of the days instead when ``test_start`` is None, when the data starts after
    it or ends before it, or when it leaves fewer than ``min_history`` days before it.

    Examples
    --------
    >>> days = pd.bdate_range("2000-01-03", periods=100)
    >>> first_test_day(days, "2000-03-01", min_history=20)
    (42, 'first day on or after 2000-03-01')
    >>> first_test_day(days, "2030-01-01", min_history=20)[0]
    70
    """
    if not 0.0 < fraction < 1.0:
        raise InputError(f"first_test_day: fraction must lie in (0, 1), got {fraction}")
    n = len(index)
    fallback = n - int(np.ceil(fraction * n))
    if test_start is not None:
        position = int(index.searchsorted(pd.Timestamp(test_start)))
        if min_history <= position < n:
            return position, f"first day on or after {test_start}"
        why = f"{test_start} leaves {position} days before it (need {min_history}) or none after"
    else:
        why = "no TEST_START"
    if fallback < min_history:
        raise DataError(
            f"first_test_day: {n} days are too few: the last {fraction:.0%} as test span "
            f"leaves {fallback} days before it, fewer than {min_history}"
        )
    return fallback, f"last {fraction:.0%} of the days ({why})"
