"""Time-ordered splits: train / validation / test, rolling-origin folds, and splits by unit.

Nothing is shuffled: every training row comes before every validation row, which
comes before every test row. An optional ``gap`` drops rows between the parts so
that windows reaching across a boundary cannot leak.

Run-to-failure data (a ``(unit, cycle)`` MultiIndex) is split by whole units
instead (:func:`split_by_unit`): a unit's rows all land in one part, so no part
sees another part's engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError

__all__ = ["train_val_test_split", "rolling_origin", "split_by_unit"]


def _part_start(frame: pd.DataFrame, where: Any, name: str, end: int) -> int:
    """First row of a part: ``end`` minus a fraction of all rows, or a start timestamp."""
    if isinstance(where, Real) and not isinstance(where, bool):
        if not 0.0 <= where < 1.0:
            raise InputError(f"{name} must be a fraction in [0, 1) or a timestamp, got {where}")
        return end - int(round(where * len(frame)))
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"{name}={where!r} is a timestamp but the frame has no DatetimeIndex")
    try:
        stamp = pd.Timestamp(where)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name}={where!r} is neither a fraction nor a timestamp") from error
    return int(frame.index.searchsorted(stamp, side="left"))


def train_val_test_split(
    frame: pd.DataFrame, val: Any = 0.15, test: Any = 0.15, gap: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split a time-ordered frame into consecutive train, validation and test frames.

    Parameters
    ----------
    frame : pd.DataFrame
        Frame sorted by time.
    val, test : float or timestamp
        A fraction of all rows in [0, 1) (the last rows go to test, the rows before
        them to validation), or the first timestamp of the part.
    gap : int
        Rows dropped before the validation part (when it is not empty) and before
        the test part.

    Returns
    -------
    train, val, test : pd.DataFrame

    Examples
    --------
    >>> frame = pd.DataFrame({"y": range(10)})
    >>> [len(part) for part in train_val_test_split(frame, val=0.2, test=0.3, gap=1)]
    [3, 2, 3]
    """
    if gap < 0:
        raise InputError(f"gap must be >= 0, got {gap}")
    if not frame.index.is_monotonic_increasing:
        raise DataError("train_val_test_split: the frame index is not sorted in time")
    test_start = _part_start(frame, test, "test", len(frame))
    val_end = test_start - gap
    val_start = _part_start(frame, val, "val", val_end)
    if val_start > test_start:
        raise InputError(f"val starts after test (row {val_start} > row {test_start})")
    if val_start in (val_end, test_start):  # empty validation part
        val_start = val_end = train_end = test_start - gap
    elif val_start > val_end:
        raise InputError(f"gap={gap} removes the whole validation part")
    else:
        train_end = val_start - gap
    if train_end <= 0:
        raise DataError(
            f"train_val_test_split: {len(frame)} rows leave no training rows "
            f"(val={val!r}, test={test!r}, gap={gap})"
        )
    return frame.iloc[:train_end], frame.iloc[val_start:val_end], frame.iloc[test_start:]


def rolling_origin(
    frame: pd.DataFrame,
    initial: int,
    horizon: int,
    step: int,
    max_folds: int | None = None,
    expanding: bool = True,
    gap: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield rolling-origin backtest folds as positional ``(train_idx, test_idx)`` arrays.

    Fold ``k`` has origin ``o = initial + k * step``. Its training rows are
    ``0 .. o - 1`` (expanding) or ``o - initial .. o - 1`` (sliding), and its test
    rows ``o + gap .. o + gap + horizon - 1``. Folds stop when the test part would
    run past the end of the frame, or after ``max_folds`` folds.

    Parameters
    ----------
    frame : pd.DataFrame
        Frame sorted by time.
    initial : int
        Training rows of the first fold (and of every fold when not expanding).
    horizon : int
        Test rows per fold.
    step : int
        Rows between consecutive origins.
    max_folds : int or None
        Keep only the first ``max_folds`` folds.
    expanding : bool
        Grow the training part (True) or slide a fixed-size one (False).
    gap : int
        Rows skipped between the origin and the test part.

    Examples
    --------
    >>> frame = pd.DataFrame({"y": range(7)})
    >>> [(tr.tolist(), te.tolist()) for tr, te in rolling_origin(frame, 3, 2, 2, expanding=False)]
    [([0, 1, 2], [3, 4]), ([2, 3, 4], [5, 6])]
    """
    if initial < 1 or horizon < 1 or step < 1 or gap < 0:
        raise InputError(
            f"need initial, horizon, step >= 1 and gap >= 0; got {initial}, {horizon}, {step}, {gap}"
        )
    if max_folds is not None and max_folds < 1:
        raise InputError(f"max_folds must be >= 1 or None, got {max_folds}")
    if not frame.index.is_monotonic_increasing:
        raise DataError("rolling_origin: the frame index is not sorted in time")
    n_rows = len(frame)
    if initial + gap + horizon > n_rows:
        raise DataError(
            f"rolling_origin: {n_rows} rows are fewer than initial + gap + horizon = "
            f"{initial + gap + horizon}"
        )
    n_folds = (n_rows - initial - gap - horizon) // step + 1
    if max_folds is not None:
        n_folds = min(n_folds, max_folds)
    return _folds(initial, horizon, step, n_folds, expanding, gap)


def _folds(
    initial: int, horizon: int, step: int, n_folds: int, expanding: bool, gap: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for fold in range(n_folds):
        origin = initial + fold * step
        first = 0 if expanding else origin - initial
        yield np.arange(first, origin), np.arange(origin + gap, origin + gap + horizon)


def _unit_count(where: Any, name: str, n_units: int) -> int:
    """Units in a part given as a fraction of all units (at least one when > 0)."""
    if isinstance(where, bool) or not isinstance(where, Real) or not 0.0 <= where < 1.0:
        raise InputError(
            f"split_by_unit: {name} must be a fraction in [0, 1) or a list of units, got {where!r}"
        )
    return 0 if where == 0 else max(1, int(round(where * n_units)))


def split_by_unit(
    frame: pd.DataFrame,
    val: Any = 0.2,
    test: Any = 0.0,
    *,
    seed: int | None = None,
    level: int | str = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split a frame indexed by ``(unit, ...)`` into train, validation and test **units**.

    Every row of a unit goes to the same part, and rows keep their order, so
    windows and recurrent states never mix engines across parts.

    Parameters
    ----------
    frame : pd.DataFrame
        Frame with a MultiIndex whose ``level`` holds the unit id.
    val, test : float or sequence
        A fraction of the units in [0, 1) (rounded, at least one unit when > 0),
        or the unit ids themselves.
    seed : int or None
        None: units are taken in sorted order, the last ones going to test and the
        ones before them to validation. An int: units are shuffled first with
        ``numpy.random.default_rng(seed)`` (C-MAPSS units are exchangeable).
    level : int or str
        Index level of the unit id.

    Returns
    -------
    train, val, test : pd.DataFrame
        Row subsets of ``frame``; ``val`` and ``test`` may be empty.

    Raises
    ------
    DataError
        The frame has no such index level, or no training unit is left.
    InputError
        A bad fraction, an unknown unit, or a unit in both ``val`` and ``test``.

    Examples
    --------
    >>> index = pd.MultiIndex.from_product([[1, 2, 3, 4, 5], [1, 2]], names=["unit", "cycle"])
    >>> frame = pd.DataFrame({"s": range(10)}, index=index)
    >>> train, val, test = split_by_unit(frame, val=0.2, test=0.2)
    >>> [sorted(set(part.index.get_level_values("unit"))) for part in (train, val, test)]
    [[1, 2, 3], [4], [5]]
    """
    if not isinstance(frame.index, pd.MultiIndex):
        raise DataError("split_by_unit: the frame needs a (unit, cycle) MultiIndex")
    try:
        units_of_rows = frame.index.get_level_values(level)
    except (KeyError, IndexError) as error:
        raise DataError(f"split_by_unit: the frame index has no level {level!r}") from error
    units = np.array(sorted(units_of_rows.unique()))
    if seed is not None:
        units = np.random.default_rng(seed).permutation(units)
    parts: dict[str, list] = {}
    remaining, known = list(units), set(units.tolist())
    for name, where in (("test", test), ("val", val)):
        if isinstance(where, Real) or isinstance(where, str):
            count = min(_unit_count(where, name, len(units)), len(remaining))
            parts[name] = remaining[len(remaining) - count :] if count else []
        else:
            chosen = list(where)
            unknown = [u for u in chosen if u not in known]
            if unknown:
                raise InputError(f"split_by_unit: {name} units {unknown[:5]} are not in the frame")
            taken = [u for u in chosen if u not in remaining]
            if taken:
                raise InputError(f"split_by_unit: units {taken[:5]} are in both val and test")
            parts[name] = chosen
        chosen_set = set(parts[name])
        remaining = [u for u in remaining if u not in chosen_set]
    if not remaining:
        raise DataError(
            f"split_by_unit: {len(units)} unit(s) leave no training unit (val={val!r}, test={test!r})"
        )
    masks = {name: units_of_rows.isin(chosen) for name, chosen in parts.items()}
    train_mask = ~(masks["val"] | masks["test"])
    return frame[train_mask], frame[masks["val"]], frame[masks["test"]]
