"""split_by_unit: whole units per part, never rows; seeded shuffling; errors name the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, InputError
from tslib.preprocess import split_by_unit


def _units_frame(n_units: int = 10) -> pd.DataFrame:
    rows = [(unit, cycle) for unit in range(1, n_units + 1) for cycle in range(1, 3 + unit % 4)]
    index = pd.MultiIndex.from_tuples(rows, names=["unit", "cycle"])
    return pd.DataFrame({"s": np.arange(len(rows), dtype=float)}, index=index)


def _units(part: pd.DataFrame) -> set:
    return set(part.index.get_level_values("unit"))


def test_every_unit_lands_whole_in_exactly_one_part():
    frame = _units_frame()
    train, val, test = split_by_unit(frame, val=0.2, test=0.3, seed=3)
    assert len(train) + len(val) + len(test) == len(frame)
    assert _units(train).isdisjoint(_units(val)) and _units(train).isdisjoint(_units(test))
    assert _units(val).isdisjoint(_units(test))
    assert (len(_units(train)), len(_units(val)), len(_units(test))) == (5, 2, 3)
    for part in (train, val, test):  # all rows of a chosen unit, in the original order
        for unit in _units(part):
            assert part.loc[unit].equals(frame.loc[unit])
        positions = frame.index.get_indexer(part.index)
        assert np.all(np.diff(positions) > 0)


def test_without_seed_the_last_units_are_held_out():
    train, val, test = split_by_unit(_units_frame(), val=0.2, test=0.1)
    assert _units(test) == {10} and _units(val) == {8, 9} and _units(train) == set(range(1, 8))


def test_seed_is_reproducible_and_changes_the_assignment():
    frame = _units_frame(20)
    first = [_units(p) for p in split_by_unit(frame, val=0.25, seed=1)]
    again = [_units(p) for p in split_by_unit(frame, val=0.25, seed=1)]
    other = [_units(p) for p in split_by_unit(frame, val=0.25, seed=2)]
    assert first == again and first != other
    assert first[2] == set()  # no test part by default


def test_a_small_fraction_still_holds_out_one_unit():
    _, val, _ = split_by_unit(_units_frame(3), val=0.05)
    assert len(_units(val)) == 1


def test_explicit_unit_lists():
    train, val, test = split_by_unit(_units_frame(), val=[2, 4], test=[9])
    assert _units(val) == {2, 4} and _units(test) == {9} and 4 not in _units(train)


def test_errors_name_the_problem():
    frame = _units_frame(4)
    with pytest.raises(DataError, match="MultiIndex"):
        split_by_unit(frame.reset_index(drop=True))
    with pytest.raises(DataError, match="no level"):
        split_by_unit(frame, level="engine")
    with pytest.raises(InputError, match="val must be a fraction"):
        split_by_unit(frame, val=1.5)
    with pytest.raises(InputError, match="not in the frame"):
        split_by_unit(frame, val=[99])
    with pytest.raises(InputError, match="both val and test"):
        split_by_unit(frame, val=[2], test=[2])
    with pytest.raises(DataError, match="no training unit"):
        split_by_unit(frame, val=0.5, test=0.5)
