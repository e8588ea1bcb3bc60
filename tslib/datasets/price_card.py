"""The data card of a daily price file: source, licence, size, span, frequency and repairs.

One block of text per price series, as the finance notebook prints it before any
model sees the data: where the file comes from, how many days it spans, how regular
its trading calendar is, which column the returns come from, and every repair or
quirk (rows dropped by the loader, days without an intraday range, zero volume).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.datasets.base import LoadedDataset
from tslib.errors import InputError

__all__ = ["price_card"]


def price_card(name: str, data: LoadedDataset, price_column: str, returns: pd.DataFrame) -> str:
    """The data card of one price series, as lines of text.

    Parameters
    ----------
    name : str
        The stream's name (first line).
    data : LoadedDataset
        The loaded prices (frame with a DatetimeIndex, info and repairs).
    price_column : str
        The column the returns come from.
    returns : pandas.DataFrame
        :func:`~tslib.datasets.prices.price_returns` of the prices (``return`` and ``range``).

    Returns
    -------
    str
        Seven lines: description, source and licence, citation, size and span,
        frequency, price column and return count, repairs and notes.
    """
    frame = data.frame
    if not isinstance(frame.index, pd.DatetimeIndex) or len(frame) < 2:
        raise InputError(f"price_card: {name!r} needs at least 2 dated rows")
    gaps = np.diff(frame.index.values).astype("timedelta64[D]").astype(int)  # (T - 1,) days
    info = data.info
    repairs = list(data.repairs)
    if "range" in returns and returns["range"].isna().any():
        missing = int(returns["range"].isna().sum())
        repairs.append(f"no intraday range (High == Low or missing) on {missing} days")
    if "Volume" in frame and (frame["Volume"] == 0).any():
        zero = int((frame["Volume"] == 0).sum())
        repairs.append(f"volume 0 on {zero} days (kept; volume is not used)")
    first, last = frame.index[0].date(), frame.index[-1].date()
    return "\n".join(
        [
            f"== {name}: {info.description or info.source}",
            f"source: {info.source} | licence: {info.licence}",
            f"citation: {info.citation}",
            f"size: {len(frame)} rows x {frame.shape[1]} columns | span {first} .. {last}",
            f"frequency: trading days (median gap {int(np.median(gaps))} day, "
            f"{int((gaps > 4).sum())} gaps longer than a long weekend)",
            f"price column: {price_column} | returns: {len(returns)}",
            "repairs and notes: " + ("; ".join(repairs) if repairs else "none"),
        ]
    )
