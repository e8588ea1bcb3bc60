"""Axis labels with units, from a dataset card's ``units`` (column -> unit).

Examples
--------
>>> axis_label("temp_max", {"temp_max": "degC"})
'temp_max (degC)'
>>> axis_label("T (degC)", {"T (degC)": "degC"}), axis_label("wind", {})
('T (degC)', 'wind')
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["axis_label"]


def axis_label(column: str, units: Mapping[str, str]) -> str:
    """``"column (unit)"`` when ``units`` gives the column's unit and the name lacks it.

    Parameters
    ----------
    column : str
        The column plotted.
    units : mapping
        Column -> unit, e.g. ``LoadedDataset.info.units``; a column it lacks is
        labelled by its name alone.
    """
    unit = units.get(column)
    return f"{column} ({unit})" if unit and f"({unit})" not in column else column
