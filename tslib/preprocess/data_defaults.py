"""What a forecasting notebook infers from the data when its parameters leave it open.

A domain notebook must never assume the default data's shape. These functions pick,
from the loaded data alone, the target column, the grid step, the scored horizons and
a column found by name (precipitation, for example), so that the same notebook runs on
any station file.

Examples
--------
>>> import pandas as pd
>>> grid_step(pd.date_range("2020-01-01", periods=5, freq="10min"))
Timedelta('0 days 01:00:00')
>>> default_horizons(pd.Timedelta("1h")), default_horizons(pd.Timedelta("1D"), [7])
([1, 24], [1, 7])
>>> find_column(["temp", "Precipitation (mm)"], ("precip", "rain"))
'Precipitation (mm)'
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tslib.datasets.base import LoadedDataset
from tslib.errors import DataError, InputError
from tslib.preprocess.regular import infer_step

__all__ = ["default_target", "grid_step", "default_horizons", "find_column"]


def default_target(dataset: LoadedDataset, target: str | None = None) -> str:
    """The column to forecast: ``target`` if given, else the dataset's first target.

    Parameters
    ----------
    dataset : LoadedDataset
        What :func:`tslib.load` returned.
    target : str, optional
        A column the user asked for.

    Returns
    -------
    str
        ``target``, else ``dataset.info.targets[0]``, else the first numeric column.

    Raises
    ------
    InputError
        ``target`` is not a column of the frame.
    DataError
        No target is declared and the frame has no numeric column.
    """
    frame = dataset.frame
    if target is not None:
        if target not in frame.columns:
            raise InputError(f"target {target!r} is not a column; columns: {list(frame.columns)}")
        return target
    if dataset.info.targets:
        return dataset.info.targets[0]
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if not numeric:
        raise DataError(f"no target declared and no numeric column in {list(frame.columns)}")
    return numeric[0]


def grid_step(
    index: pd.DatetimeIndex, resample: str | pd.Timedelta | None = "auto"
) -> pd.Timedelta:
    """The step of the regular grid a series goes onto.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Timestamps of the data (gaps and duplicates allowed).
    resample : {"auto", None} or str or Timedelta
        ``"auto"``: the inferred step, but at least one hour (sub-hourly data is
        averaged into hours); ``None``: the inferred step as is; otherwise this step.

    Returns
    -------
    pandas.Timedelta
    """
    if resample is None:
        return infer_step(index)
    if isinstance(resample, str) and resample == "auto":
        return max(infer_step(index), pd.Timedelta("1h"))
    return pd.Timedelta(resample)


def default_horizons(step: pd.Timedelta, requested: Sequence[int] | None = None) -> list[int]:
    """The horizons to score, in steps, always including horizon 1.

    Parameters
    ----------
    step : pandas.Timedelta
        Grid step.
    requested : sequence of int, optional
        Horizons asked for; None or empty: one day or ``[1, 7]`` days.

    Returns
    -------
    list of int
        Sorted, unique: ``requested`` plus 1; by default ``[1, 7]`` for a daily or
        longer step and ``[1, steps per day]`` below it.

    Raises
    ------
    InputError
        A requested horizon is not a positive integer.
    """
    if requested:
        bad = [h for h in requested if int(h) != h or h < 1]
        if bad:
            raise InputError(f"horizons must be positive integers; got {bad}")
        return sorted({1, *(int(h) for h in requested)})
    if step >= pd.Timedelta("1D"):
        return [1, 7]
    return sorted({1, round(pd.Timedelta("1D") / step)})


def find_column(columns: Sequence[str], keywords: Sequence[str]) -> str | None:
    """The first column whose lower-cased name contains one of ``keywords``, else None.

    Parameters
    ----------
    columns : sequence of str
        Candidate column names, in order of preference.
    keywords : sequence of str
        Lower-case fragments, e.g. ``("precip", "rain", "prcp")``.

    Returns
    -------
    str or None
    """
    for column in columns:
        if any(keyword in column.lower() for keyword in keywords):
            return column
    return None
