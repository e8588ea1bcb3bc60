"""Rejection of infinite values by transforms whose running statistics they would poison.

NaN means *missing* throughout :mod:`tslib.preprocess` and is skipped or filled.
An infinite value is different: in a running mean it stays forever (and becomes
NaN after one of the other sign), and pandas' windowed statistics and the
stepwise recursions treat it differently. Transforms with such statistics
therefore reject ``+inf`` and ``-inf`` in both paths with a :class:`DataError`
naming the column and the row; replace them first (for example with NaN, or with
:class:`~tslib.preprocess.outliers.HampelFilter`, which handles them).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError

__all__ = ["reject_infinite_frame", "reject_infinite_row"]

_ADVICE = "replace it first (e.g. with NaN, or filter it with HampelFilter)"


def reject_infinite_frame(data: pd.DataFrame, owner: str, what: str = "column") -> None:
    """Raise :class:`DataError` naming the first column and row of ``data`` holding ±inf.

    Parameters
    ----------
    data : pd.DataFrame
        Float columns (the columns a transform reads).
    owner : str
        The transform's name, for the message.
    what : str
        How the columns are called in the message (``"column"``, ``"training column"``).
    """
    values = data.to_numpy(dtype=np.float64)  # (T, C)
    infinite = np.isinf(values)
    if not infinite.any():
        return
    row, col = np.argwhere(infinite)[0]
    raise DataError(
        f"{owner}: {what} {data.columns[col]!r} holds {values[row, col]} at row "
        f"{data.index[row]!r} (position {row}); {_ADVICE}"
    )


def reject_infinite_row(x: dict[str, float], timestamp: Any, owner: str) -> None:
    """Raise :class:`DataError` naming the column of one step's row that holds ±inf."""
    for column, value in x.items():
        if math.isinf(value):
            raise DataError(
                f"{owner}: column {column!r} holds {value} at row {timestamp!r}; {_ADVICE}"
            )
