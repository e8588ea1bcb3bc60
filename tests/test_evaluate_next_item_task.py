"""NextItemTask and the leave-last-out tasks: histories, targets, catalogue, replay inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.evaluate import NextItemTask, leave_last_out_tasks
from tslib.preprocess import leave_last_out_split


def log() -> pd.DataFrame:
    """Three users (ids 7, 3, 5) over sparse item ids; user 5 has two same-second events."""
    rows = [
        (7, 40, 1), (7, 10, 2), (7, 30, 3), (7, 20, 4), (7, 50, 5),
        (3, 20, 1), (3, 90, 2), (3, 40, 3),
        (5, 10, 1), (5, 40, 2), (5, 90, 3), (5, 20, 3), (5, 30, 4), (5, 60, 9),
        (9, 10, 1), (9, 20, 2),  # too few events: dropped
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["user", "item", "timestamp"])


def test_tasks_read_train_then_valid_and_rank_the_next_item():
    split = leave_last_out_split(log(), ties="file", min_events=3)
    tasks = leave_last_out_tasks(split)
    assert tasks.catalogue.tolist() == [10, 20, 30, 40, 50, 60, 90]
    column = {item: c for c, item in enumerate(tasks.catalogue.tolist())}
    assert tasks.test.users.tolist() == [3, 5, 7]  # the split's (sorted) user order
    for user, valid, test in zip(tasks.test.users, tasks.valid.histories, tasks.test.histories):
        items = [column[i] for i in split.events.loc[split.events["user"] == user, "item"]]
        assert valid.tolist() == items[:-2] and test.tolist() == items[:-1]
    assert tasks.valid.targets.tolist() == [column[90], column[30], column[20]]
    assert tasks.test.targets.tolist() == [column[40], column[60], column[50]]
    assert tasks.events["item"].tolist() == [column[i] for i in split.events["item"]]
    assert len(tasks.test) == 3 and tasks.test.n_items == 7


def test_task_helpers():
    task = NextItemTask(
        np.array(["a", "b"]), (np.array([0, 1, 1]), np.array([2])), np.array([1, 3]), 5
    )
    assert task.seen_mask().tolist() == [[True, True, False, False, False],
                                         [False, False, True, False, False]]  # fmt: skip
    frame = task.interactions()
    assert frame["user"].tolist() == ["a", "a", "a", "b"] and frame["item"].tolist() == [0, 1, 1, 2]
    assert task.repeated_targets() == 1
    assert task.max_negatives() == 2 and task.max_negatives(exclude_seen=False) == 4
    sub = task.subset([1])
    assert sub.users.tolist() == ["b"] and sub.targets.tolist() == [3]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.array([1, 2]), (np.array([0]),), np.array([1, 2]), 3), "one entry per user"),
        ((np.array([1]), (np.array([], dtype=int),), np.array([1]), 3), "user 1 is empty"),
        ((np.array([1]), (np.array([0]),), np.array([3]), 3), r"targets hold an item outside"),
        ((np.array([1]), (np.array([-1]),), np.array([0]), 3), r"histories hold an item"),
        ((np.array([1]), (np.array([0]),), np.array([0]), 0), "n_items"),
    ],
)
def test_bad_tasks_are_named(args, match):
    with pytest.raises(InputError, match=match):
        NextItemTask(*args)
    with pytest.raises(InputError, match="SequenceSplit"):
        leave_last_out_tasks(log())


def test_replay_inputs_split_live_warmup_and_seen():
    tasks = leave_last_out_tasks(leave_last_out_split(log(), ties="file", min_events=3))
    items = {u: g["item"].to_numpy() for u, g in tasks.events.groupby("user")}
    events, warmup, seen = tasks.replay_inputs([5, 7], window=2)
    assert list(events.columns) == ["user", "item", "timestamp"]
    # validation events of both users first, then the test events (same-second order kept)
    assert events["user"].tolist() == [5, 7, 5, 7]
    assert events["item"].tolist() == [items[5][-2], items[7][-2], items[5][-1], items[7][-1]]
    assert set(events.index) <= set(tasks.events.index)
    for user in (5, 7):
        assert warmup[user].tolist() == items[user][-4:-2].tolist()
        assert seen[user].tolist() == items[user][:-4].tolist()
    events, warmup, seen = tasks.replay_inputs([3], live_last=3, window=0)
    assert events["item"].tolist() == items[3].tolist() and 3 not in warmup
    _, warmup, seen = tasks.replay_inputs([7], window=None)
    assert warmup[7].tolist() == items[7][:-2].tolist() and seen[7].size == 0
    with pytest.raises(InputError, match="window"):
        tasks.replay_inputs([7], window=-1)
