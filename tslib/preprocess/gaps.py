"""Causal gap handling for sensor series: a regular grid, short gaps imputed, long gaps reset.

On a regular grid (:func:`tslib.preprocess.regular.regularize`) a missing reading
is a NaN row.
:func:`plan_gaps` decides, for every row and from the rows up to it only, what a
live system does with one stream:

* an observed row: step the model on it;
* one of the first ``max_gap`` missing rows of a gap: step on an imputed value
  (the row is flagged ``imputed``; the model sees a mask column);
* a later missing row of a longer gap: do not step, the sensor is offline;
  the gap is never bridged by interpolation;
* the first observed row after such a long gap: reset the stream's state
  (``runner.reset``), then step.

The decisions are causal: at row t the plan only knows how long the current gap
has lasted so far, not how long it will last. A stream starts at its first
observation. Stepped rows between two resets form a *segment*; models are
trained on windows inside segments and run from a fresh state at each segment.

Examples
--------
>>> import numpy as np
>>> observed = np.array([1, 1, 0, 1, 0, 0, 0, 1, 1], dtype=bool)
>>> plan = plan_gaps(observed, max_gap=2)
>>> plan.step.astype(int).tolist()
[1, 1, 1, 1, 1, 1, 0, 1, 1]
>>> plan.imputed.astype(int).tolist()
[0, 0, 1, 0, 1, 1, 0, 0, 0]
>>> np.flatnonzero(plan.reset).tolist(), plan.segments
([7], [(0, 6), (7, 9)])
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tslib.errors import InputError

__all__ = ["GapPlan", "plan_gaps", "gap_runs", "gap_table"]


@dataclass(frozen=True)
class GapPlan:
    """What a live system does at each row of one stream (see the module docstring).

    Attributes
    ----------
    observed : numpy.ndarray
        (T,) bool, a reading exists.
    step : numpy.ndarray
        (T,) bool, the model steps on this row (observed or imputed).
    imputed : numpy.ndarray
        (T,) bool, stepped on an imputed value.
    reset : numpy.ndarray
        (T,) bool, the stream's state is reset before this row (after a long gap).
    steps_since_reset : numpy.ndarray
        (T,) int, stepped rows since the stream started or was last reset,
        this row included (0 on rows that are not stepped).
    max_gap : int
        Longest run of missing rows that is imputed.
    """

    observed: np.ndarray
    step: np.ndarray
    imputed: np.ndarray
    reset: np.ndarray
    steps_since_reset: np.ndarray
    max_gap: int

    @property
    def segments(self) -> list[tuple[int, int]]:
        """Row ranges ``(start, stop)`` of consecutive stepped rows between resets."""
        stepped = np.flatnonzero(self.step)
        if stepped.size == 0:
            return []
        starts = np.flatnonzero(self.steps_since_reset == 1)  # first row of each segment
        before = stepped[np.searchsorted(stepped, starts[1:]) - 1]  # last row of each segment
        stops = [*(before + 1).tolist(), int(stepped[-1]) + 1]
        return [(int(a), int(b)) for a, b in zip(starts, stops)]

    def summary(self) -> dict:
        """Counts: ``rows``, ``observed``, ``imputed``, ``offline`` (missing, not stepped,
        after the first observation), ``resets`` and ``segments``."""
        started = np.cumsum(self.observed) > 0
        return {
            "rows": int(self.observed.size),
            "observed": int(self.observed.sum()),
            "imputed": int(self.imputed.sum()),
            "offline": int((started & ~self.step).sum()),
            "resets": int(self.reset.sum()),
            "segments": len(self.segments),
        }


def plan_gaps(observed: object, max_gap: int) -> GapPlan:
    """Plan stepping, imputation and resets for one stream, causally.

    Parameters
    ----------
    observed : array_like
        (T,) bool, whether each row of the regular grid has a reading.
    max_gap : int
        Missing rows in a row that are still imputed and stepped (>= 0). The
        first observation after a gap longer than this resets the stream.

    Returns
    -------
    GapPlan
    """
    mask = np.asarray(observed)
    if mask.ndim != 1 or mask.dtype != bool:
        raise InputError(f"plan_gaps: observed must be a 1-D bool array, got {mask.dtype}")
    if isinstance(max_gap, bool) or not isinstance(max_gap, (int, np.integer)) or max_gap < 0:
        raise InputError(f"plan_gaps: max_gap must be an int >= 0, got {max_gap!r}")
    size = mask.size
    step = np.zeros(size, dtype=bool)
    reset = np.zeros(size, dtype=bool)
    since = np.zeros(size, dtype=np.int64)
    started, missing, count = False, 0, 0
    for t in range(size):
        if mask[t]:
            if started and missing > max_gap:
                reset[t], count = True, 0
            started, missing = True, 0
            step[t] = True
        elif started:
            missing += 1
            step[t] = missing <= max_gap
        if step[t]:
            count += 1
            since[t] = count
    return GapPlan(
        observed=mask.copy(),
        step=step,
        imputed=step & ~mask,
        reset=reset,
        steps_since_reset=since,
        max_gap=int(max_gap),
    )


def gap_runs(observed: object, index: pd.Index | None = None) -> pd.DataFrame:
    """Runs of missing rows between observations (leading / trailing NaN rows excluded).

    Parameters
    ----------
    observed : array_like
        (T,) bool.
    index : pandas.Index, optional
        Timestamps of the rows, to report ``start`` / ``end`` as times.

    Returns
    -------
    pandas.DataFrame
        One row per gap: ``first_row``, ``rows`` (missing rows) and, with an
        index, ``start`` and ``end`` (first and last missing timestamp).
    """
    mask = np.asarray(observed, dtype=bool)
    seen = np.flatnonzero(mask)
    if seen.size < 2:
        return pd.DataFrame({"first_row": [], "rows": []}, dtype=np.int64)
    jumps = np.diff(seen)  # rows between consecutive observations
    where = np.flatnonzero(jumps > 1)
    frame = pd.DataFrame({"first_row": seen[where] + 1, "rows": jumps[where] - 1})
    if index is not None:
        frame["start"] = index[frame["first_row"].to_numpy()]
        frame["end"] = index[(frame["first_row"] + frame["rows"] - 1).to_numpy()]
    return frame


def gap_table(
    plans: Mapping[Hashable, GapPlan], index: pd.Index, step: pd.Timedelta | None = None
) -> pd.DataFrame:
    """One row per stream: its plan's :meth:`GapPlan.summary`, its gaps and the longest one.

    Parameters
    ----------
    plans : mapping
        Stream id -> gap plan.
    index : pandas.Index
        Timestamps of the rows.
    step : pandas.Timedelta, optional
        Grid step; with it the longest gap is given in hours (``longest gap, h``),
        without it in rows (``longest gap, rows``).

    Returns
    -------
    pandas.DataFrame
        Columns ``rows``, ``observed``, ``imputed``, ``offline``, ``resets``,
        ``segments``, ``gaps`` (runs of missing rows between observations) and the
        longest gap (0 without gaps), indexed by stream id.
    """
    table = pd.DataFrame({s: plan.summary() for s, plan in plans.items()}).T
    runs = {s: gap_runs(plan.observed, index) for s, plan in plans.items()}
    table["gaps"] = [len(runs[s]) for s in plans]
    longest = [float(runs[s]["rows"].max()) if len(runs[s]) else 0.0 for s in plans]
    if step is None:
        table["longest gap, rows"] = longest
    else:
        per_hour = pd.Timedelta("1h") / step
        table["longest gap, h"] = [rows / per_hour for rows in longest]
    return table
