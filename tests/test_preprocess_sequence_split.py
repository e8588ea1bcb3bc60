"""Event ordering with a stated tie-break, and the leave-last-out split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, InputError
from tslib.preprocess.sequence_split import (
    leave_last_out_split,
    order_events,
    tie_summary,
)


def tied_log(n_users: int = 400) -> pd.DataFrame:
    """Every user: two early events, then two events in the same second, written by item id."""
    rows = []
    for user in range(n_users):
        rows += [(user, 100 + user, 10), (user, 200 + user, 20)]
        rows += [(user, 1, 30), (user, 2, 30)]  # tie, file order = item order
    frame = pd.DataFrame(rows, columns=["user", "item", "timestamp"])
    return frame.sample(frac=1.0, random_state=0)  # unsorted, like u.data


def test_order_is_user_then_time_and_keeps_the_index():
    frame = tied_log(5)
    ordered = order_events(frame, ties="file")
    assert ordered["user"].is_monotonic_increasing
    for _, events in ordered.groupby("user"):
        assert events["timestamp"].is_monotonic_increasing
    assert sorted(ordered.index) == sorted(frame.index)
    pd.testing.assert_frame_equal(ordered, frame.loc[ordered.index])


def test_file_ties_keep_row_order_and_random_ties_ignore_it():
    frame = tied_log().sort_values(["user", "timestamp", "item"])  # ties written by item id
    by_file = leave_last_out_split(frame, ties="file")
    assert (by_file.test["item"] == 2).all() and (by_file.valid["item"] == 1).all()
    by_chance = leave_last_out_split(frame, ties="random", seed=0)
    share = (by_chance.test["item"] == 2).mean()
    assert 0.4 < share < 0.6  # about half: the item id no longer decides the split
    # the non-tied events are never moved by the tie-break
    assert set(by_chance.train["item"]) == set(by_file.train["item"])


def test_random_ties_are_seeded():
    frame = tied_log(50)
    a = order_events(frame, seed=3)
    b = order_events(frame, seed=3)
    c = order_events(frame, seed=4)
    assert a.index.equals(b.index) and not a.index.equals(c.index)


def test_split_parts_positions_and_dropped_users():
    frame = pd.DataFrame(
        {
            "user": [7, 7, 7, 7, 3, 3, 3, 9, 9],
            "item": [1, 2, 3, 4, 5, 6, 7, 8, 9],
            "timestamp": [4, 3, 2, 1, 1, 2, 3, 1, 2],
        }
    )
    split = leave_last_out_split(frame, ties="file", min_events=3)
    assert split.dropped_users == 1  # user 9 has two events
    assert dict(zip(split.test["user"], split.test["item"])) == {3: 7, 7: 1}
    assert dict(zip(split.valid["user"], split.valid["item"])) == {3: 6, 7: 2}
    assert split.train["item"].tolist() == [5, 4, 3]
    assert split.events["position"].tolist() == [0, 1, 2, 0, 1, 2, 3]
    assert len(split.train) + len(split.valid) + len(split.test) == len(split.events)
    with pytest.raises(DataError, match="at least 5 events"):
        leave_last_out_split(frame, min_events=5)
    only_test = leave_last_out_split(frame, validation=False, ties="file")
    assert only_test.dropped_users == 0 and only_test.valid.empty  # two events are enough
    assert dict(zip(only_test.test["user"], only_test.test["item"])) == {3: 7, 7: 1, 9: 9}
    assert only_test.train["item"].tolist() == [5, 6, 4, 3, 2, 8]
    with pytest.raises(InputError, match="min_events must be an int >= 2"):
        leave_last_out_split(frame, validation=False, min_events=1)


@pytest.mark.parametrize("bad", [2, 3.0, True])
def test_min_events_is_checked(bad):
    with pytest.raises(InputError, match="min_events"):
        leave_last_out_split(tied_log(2), min_events=bad)


def test_bad_options_and_columns_are_named():
    with pytest.raises(InputError, match="ties must be one of"):
        order_events(tied_log(2), ties="item")
    with pytest.raises(DataError, match=r"no column\(s\) \['when'\]"):
        order_events(tied_log(2), time_column="when")
    broken = tied_log(2).reset_index(drop=True)
    broken.loc[3, "user"] = np.nan
    with pytest.raises(DataError, match="'user' is missing a value at row 3"):
        leave_last_out_split(broken)


def test_tie_summary_by_hand():
    frame = pd.DataFrame(
        {"user": [1, 1, 1, 2, 2, 3], "timestamp": [5, 5, 6, 8, 8, 1], "item": range(6)}
    )
    summary = tie_summary(frame)
    assert summary["tied_events"] == 4 and summary["tied_share"] == pytest.approx(4 / 6)
    assert summary["users_last_two_tied"] == 1  # user 2; user 1's tie is not at the end
    assert summary["users"] == 3
