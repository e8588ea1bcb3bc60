"""Put a time-indexed frame on a regular grid, flagging every timestamp that had no data.

Real station files skip timestamps (a sensor outage, a daylight-saving hour, a
missing day). Stepwise models and most baselines assume one row per step, so
:func:`regularize` reindexes a frame to its sampling step, leaving NaN where
nothing was observed and saying which rows were inserted; causal imputers from
:mod:`tslib.preprocess.imputation` then fill them. A finer series can be
averaged into a coarser step at the same time (10-minute readings into hours).

Both operations are causal. A grid row labelled ``t`` only uses source rows at
or before ``t``: aggregation buckets are closed on the right and labelled by
their right edge, so the hourly value labelled 01:00 averages (00:00, 01:00].
A trailing bucket whose right edge lies after the last source row is dropped,
because it is not complete yet. Hence the grid of any prefix of the data is a
prefix of the grid of the whole data, with the same values.

Examples
--------
>>> import pandas as pd
>>> index = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04"])
>>> grid = regularize(pd.DataFrame({"t": [1.0, 2.0, 4.0]}, index=index))
>>> grid.frame["t"].tolist(), grid.inserted.tolist()
([1.0, 2.0, nan, 4.0], [False, False, True, False])
>>> grid.step
Timedelta('1 days 00:00:00')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError

__all__ = ["RegularFrame", "infer_step", "regularize"]


@dataclass(frozen=True)
class RegularFrame:
    """A frame on a regular time grid and what it took to get there.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per grid timestamp; NaN where nothing was observed.
    step : pandas.Timedelta
        The grid step.
    inserted : pandas.Series
        Boolean, aligned with ``frame``: True on grid rows that no source row fed.
    aggregated : bool
        Whether source rows were averaged into a coarser step.
    messages : list of str
        One line per change (rows inserted, rows averaged, trailing bucket dropped).
    """

    frame: pd.DataFrame
    step: pd.Timedelta
    inserted: pd.Series
    aggregated: bool = False
    messages: list[str] = field(default_factory=list)


def _check_index(frame: pd.DataFrame, where: str) -> pd.DatetimeIndex:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{where}: the frame needs a DatetimeIndex, got {type(index).__name__}")
    if index.hasnans:
        raise DataError(f"{where}: the time index has missing timestamps (NaT)")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DataError(f"{where}: timestamps must be unique and increasing")
    return index


def infer_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The most common positive difference between consecutive timestamps.

    Unlike :func:`pandas.infer_freq`, gaps and a few irregular steps do not
    prevent an answer. Ties go to the smaller step.

    Raises
    ------
    DataError
        With fewer than two timestamps, or timestamps that are not increasing.
    """
    frame = pd.DataFrame(index=index)
    index = _check_index(frame, "infer_step")
    if len(index) < 2:
        raise DataError(f"infer_step: need at least two timestamps, got {len(index)}")
    steps = pd.Series(index[1:] - index[:-1])
    counts = steps.value_counts()
    best = counts[counts == counts.max()].index.min()
    return pd.Timedelta(best)


def regularize(
    frame: pd.DataFrame, step: str | pd.Timedelta | None = None, *, how: str = "mean"
) -> RegularFrame:
    """Reindex ``frame`` to a regular grid of ``step``; average finer data into the step.

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed (unique, increasing :class:`~pandas.DatetimeIndex`).
    step : str or pandas.Timedelta, optional
        The grid step (``"1h"``, ``"1D"``); default :func:`infer_step`. A step
        coarser than the data's averages the rows of each bucket (numeric columns
        with ``how``, other columns keep the bucket's last value).
    how : {"mean", "last"}
        How numeric columns are aggregated into a coarser step.

    Returns
    -------
    RegularFrame

    Raises
    ------
    DataError
        Bad index, or (without aggregation) timestamps that do not lie on the
        grid anchored at the first timestamp (pass a coarser ``step``).
    InputError
        A non-positive ``step`` or an unknown ``how``.
    """
    index = _check_index(frame, "regularize")
    if how not in ("mean", "last"):
        raise InputError(f"regularize: how must be 'mean' or 'last', got {how!r}")
    if len(index) == 0:
        raise DataError("regularize: the frame is empty")
    native = infer_step(index) if len(index) > 1 else None
    try:
        grid_step = native if step is None else pd.Timedelta(step)
    except ValueError as error:
        raise InputError(f"regularize: step {step!r} is not a time step") from error
    if grid_step is None:  # a single row is already regular
        return RegularFrame(frame.copy(), pd.Timedelta(0), pd.Series(False, index=index))
    if grid_step <= pd.Timedelta(0):
        raise InputError(f"regularize: step must be positive, got {grid_step}")
    if native is not None and grid_step > native:
        return _aggregate(frame, grid_step, how)
    return _reindex(frame, grid_step)


def _label(step: pd.Timedelta) -> str:
    """A short name of a step: ``"10min"``, ``"1h"``, ``"1D"``."""
    if step % pd.Timedelta("1D") == pd.Timedelta(0):
        return f"{step.days}D"
    name = pd.tseries.frequencies.to_offset(step).freqstr
    return name if name[0].isdigit() else f"1{name}"


def _reindex(frame: pd.DataFrame, step: pd.Timedelta) -> RegularFrame:
    index = frame.index
    offsets = (index - index[0]) / step  # (T,) grid positions
    off_grid = np.flatnonzero(offsets != np.round(offsets))
    if off_grid.size:
        raise DataError(
            f"regularize: {off_grid.size} timestamp(s) are not on the {_label(step)} grid anchored at "
            f"{index[0]}, first {index[off_grid[0]]}; pass a coarser step= to average them"
        )
    grid = pd.date_range(index[0], index[-1], freq=step, name=index.name, unit=index.unit)
    inserted = pd.Series(~grid.isin(index), index=grid, name="inserted")
    messages = []
    if inserted.any():
        first = grid[inserted.to_numpy()][0]
        messages.append(
            f"reindexed to a {_label(step)} grid: {int(inserted.sum())} missing timestamp(s) inserted "
            f"as NaN rows (first {first})"
        )
    return RegularFrame(frame.reindex(grid), step, inserted, False, messages)


def _aggregate(frame: pd.DataFrame, step: pd.Timedelta, how: str) -> RegularFrame:
    index = frame.index
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    others = [c for c in frame.columns if c not in numeric]
    buckets = frame.resample(step, closed="right", label="right")
    parts = [getattr(buckets[numeric], how)()] if numeric else []
    if others:
        parts.append(buckets[others].last())
    counts = buckets.size()
    out = (
        pd.concat(parts, axis=1)[list(frame.columns)] if parts else pd.DataFrame(index=counts.index)
    )
    messages = [
        f"averaged {len(frame)} rows at {_label(infer_step(index))} into {_label(step)} buckets labelled by "
        f"their right edge (each value uses only rows at or before its label)"
    ]
    if len(out) and out.index[-1] > index[-1]:  # the last bucket is still open
        out, counts = out.iloc[:-1], counts.iloc[:-1]
        messages.append("dropped the last bucket: it ends after the last row (incomplete)")
    out.index.name = index.name
    inserted = pd.Series((counts == 0).to_numpy(), index=out.index, name="inserted")
    if inserted.any():
        messages.append(f"{int(inserted.sum())} bucket(s) had no row and are NaN")
    return RegularFrame(out, step, inserted, True, messages)
