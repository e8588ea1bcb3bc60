"""Tables for reading: every float shown to a fixed number of significant digits.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"T": [16, 1024], "step_us": [32.61234, 14590.71], "ok": [True, False]})
>>> format_table(frame)
      T step_us     ok
0    16   32.61   True
1  1024   14591  False
>>> format_number(0.000012345), format_number(2.0), format_number(float("nan"))
('1.234e-05', '2.000', 'nan')
"""

from __future__ import annotations

import math
import numbers

import pandas as pd

from tslib.errors import InputError

__all__ = ["format_number", "format_table"]


def format_number(value: object, digits: int = 4) -> object:
    """A float as text with ``digits`` significant digits; anything else unchanged.

    Integers, bools and strings are returned as they are. A float of ``digits``
    or more integer digits is rounded to a whole number rather than written in
    scientific notation (``14590.7`` -> ``"14591"``); trailing zeros are kept,
    so a column reads at one precision (``1.000``, ``17.26``).
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise InputError(f"format_number: digits must be a positive integer, got {digits!r}")
    if isinstance(value, (bool, numbers.Integral)) or not isinstance(value, numbers.Real):
        return value
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:.0f}"
    return f"{value:#.{digits}g}"


def format_table(table: pd.DataFrame | pd.Series, digits: int = 4) -> pd.DataFrame:
    """A copy of ``table`` for display, its floats as text with ``digits`` significant digits.

    Parameters
    ----------
    table : pandas.DataFrame or pandas.Series
        Numbers to show (a Series is shown as a one-column frame). Index and
        columns are kept; float index levels are left as they are.
    digits : int
        Significant digits of every float cell.

    Returns
    -------
    pandas.DataFrame
        Same shape, index and columns; float cells are strings (for display only:
        compute on the original).
    """
    if isinstance(table, pd.Series):
        table = table.to_frame()
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"format_table: expected a pandas DataFrame, got {type(table).__name__}")
    shown = table.copy()
    for position in range(shown.shape[1]):
        column = shown.iloc[:, position]
        if pd.api.types.is_float_dtype(column) or column.dtype == object:
            formatted = [format_number(value, digits) for value in column]
            shown.isetitem(position, pd.Series(formatted, index=shown.index, dtype=object))
    return shown
