"""What a next-item ranking is evaluated on: users, the items each one read, the held-out next item.

A :class:`NextItemTask` is the data of the ranking backtest
(:func:`tslib.backtest` with rankers or next-item encoders): for every user, the
history every model reads (in order) and the target that follows it, items as
catalogue columns ``0 .. n_items - 1``.

:func:`leave_last_out_tasks` turns a leave-last-out split
(:func:`~tslib.preprocess.leave_last_out_split`) into the usual two tasks: the
validation task (read the training events, rank the validation item) and the test
task (read the training events and the validation item, rank the test item). Its
:meth:`LeaveLastOutTasks.replay_inputs` gives the live events, warm-up histories and
older seen items of the ranking replay (:func:`tslib.replay`).

Examples
--------
>>> import pandas as pd
>>> from tslib.preprocess import leave_last_out_split
>>> frame = pd.DataFrame({"user": [1, 1, 1, 2, 2, 2, 2], "item": [50, 60, 70, 80, 90, 50, 60],
...                       "timestamp": [1, 2, 3, 1, 2, 3, 4]})
>>> tasks = leave_last_out_tasks(leave_last_out_split(frame, ties="file"))
>>> tasks.catalogue.tolist(), tasks.test.targets.tolist(), tasks.test.histories[1].tolist()
([50, 60, 70, 80, 90], [2, 1], [3, 4, 0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.preprocess.sequence_split import SequenceSplit
from tslib.validation import check_positive_int

__all__ = ["NextItemTask", "LeaveLastOutTasks", "leave_last_out_tasks"]


@dataclass(frozen=True)
class NextItemTask:
    """Users, the items each one read, and the next item each must be ranked for.

    Attributes
    ----------
    users : numpy.ndarray
        (U,) user ids, one row per user.
    histories : tuple of numpy.ndarray
        Each user's items in order (int64 catalogue columns); what every model reads.
    targets : numpy.ndarray
        (U,) the held-out next item of each user (catalogue column).
    n_items : int
        Catalogue size; every item is a candidate (full ranking).
    """

    users: np.ndarray
    histories: tuple[np.ndarray, ...]
    targets: np.ndarray
    n_items: int

    def __post_init__(self) -> None:
        n_items = check_positive_int(self.n_items, "n_items")
        users = np.asarray(self.users)
        targets = np.asarray(self.targets, dtype=np.int64)
        histories = tuple(np.asarray(h, dtype=np.int64).reshape(-1) for h in self.histories)
        if users.ndim != 1 or targets.shape != users.shape or len(histories) != users.size:
            raise InputError(
                f"NextItemTask: users ({users.shape}), targets ({targets.shape}) and histories "
                f"({len(histories)}) must have one entry per user"
            )
        empty = [row for row, history in enumerate(histories) if history.size == 0]
        if empty:
            raise InputError(
                f"NextItemTask: the history of user {users[empty[0]].item()!r} is empty"
            )
        for name, values in [("targets", targets), *(("histories", h) for h in histories)]:
            if values.size and (values.min() < 0 or values.max() >= n_items):
                raise InputError(f"NextItemTask: {name} hold an item outside [0, {n_items})")
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "histories", histories)

    def __len__(self) -> int:
        return int(self.users.size)

    def seen_mask(self) -> np.ndarray:
        """Bool (U, n_items): True for the items in each user's history."""
        mask = np.zeros((len(self), self.n_items), dtype=bool)
        for row, history in enumerate(self.histories):
            mask[row, history] = True
        return mask

    def interactions(self) -> pd.DataFrame:
        """The histories as a ``user, item`` frame in order (what a classical ranker fits on)."""
        lengths = [history.size for history in self.histories]
        return pd.DataFrame(
            {"user": np.repeat(self.users, lengths), "item": np.concatenate(self.histories)}
        )

    def repeated_targets(self) -> int:
        """Users whose target is already in their history (a miss when seen items are excluded)."""
        return int(sum(np.isin(t, h) for t, h in zip(self.targets.tolist(), self.histories)))

    def max_negatives(self, exclude_seen: bool = True) -> int:
        """Most sampled negatives every user can get: unseen items other than the target."""
        if not exclude_seen:
            return self.n_items - 1
        return int(min(self.n_items - np.unique(h).size for h in self.histories) - 1)

    def subset(self, rows: Sequence[int]) -> NextItemTask:
        """The task of the users at positions ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        return NextItemTask(
            self.users[rows],
            tuple(self.histories[r] for r in rows),
            self.targets[rows],
            self.n_items,
        )


class LeaveLastOutTasks(NamedTuple):
    """Validation and test tasks of a leave-last-out split, on one catalogue.

    ``catalogue[column]`` is the original item id of a catalogue column; ``events`` is
    the split's ``events`` frame (every kept event, ``part`` and ``position`` columns,
    the source index) with ``item`` replaced by its catalogue column.
    """

    valid: NextItemTask
    test: NextItemTask
    catalogue: np.ndarray
    events: pd.DataFrame

    def replay_inputs(
        self,
        users: Sequence,
        *,
        live_last: int = 2,
        window: int | None = None,
        time_column: str = "timestamp",
    ) -> tuple[pd.DataFrame, dict, dict]:
        """The ranking replay's inputs for ``users``: live events, warm-up and seen items.

        Parameters
        ----------
        users : sequence
            User ids to replay.
        live_last : int
            Each user's last ``live_last`` events arrive live (2: the validation and
            the test event).
        window : int, optional
            The ``window`` events before them are the warm-up history (read by the
            model); older events are only marked seen. None: every earlier event is
            warm-up.
        time_column : str
            Time stamp column of the events.

        Returns
        -------
        events : pandas.DataFrame
            ``user, item, timestamp`` rows of the live events, the source index kept;
            the events ``k`` from the end of their user come before those ``k - 1``
            from the end (so that same-second events keep each user's order).
        warmup : dict
            User -> items read before the replay.
        seen : dict
            User -> older items, excluded from the rankings but not read.
        """
        live_last = check_positive_int(live_last, "live_last")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int)):
            raise InputError(f"replay_inputs: window must be an int >= 0 or None, got {window!r}")
        if window is not None and window < 0:
            raise InputError(f"replay_inputs: window must be >= 0, got {window}")
        chosen = self.events[self.events["user"].isin(list(users))]
        from_end = chosen.groupby("user", sort=False).cumcount(ascending=False).to_numpy()
        live = chosen[from_end < live_last]
        live = live.iloc[np.argsort(-from_end[from_end < live_last], kind="stable")]
        warmup, seen = {}, {}
        for user, items in chosen[from_end >= live_last].groupby("user", sort=False)["item"]:
            items = items.to_numpy(dtype=np.int64)
            cut = 0 if window is None else max(items.size - window, 0)
            warmup[user], seen[user] = items[cut:], items[:cut]
        return live[["user", "item", time_column]], warmup, seen


def leave_last_out_tasks(split: SequenceSplit) -> LeaveLastOutTasks:
    """Validation and test :class:`NextItemTask` of a leave-last-out split.

    Every item of the kept events is a catalogue column (sorted by item id). The
    validation task reads each user's training events and ranks the validation item;
    the test task reads the training events and the validation item and ranks the
    test item. Users are in the split's order.
    """
    if not isinstance(split, SequenceSplit):
        raise InputError(
            f"leave_last_out_tasks: expected a SequenceSplit (leave_last_out_split), "
            f"got {type(split).__name__}"
        )
    catalogue = np.sort(split.events["item"].unique())  # column -> item id
    columns = np.searchsorted(catalogue, split.events["item"].to_numpy())
    events = split.events.assign(item=columns.astype(np.int64))
    users = split.test["user"].to_numpy()
    parts = events["part"].to_numpy()
    train_rows = events[parts == "train"]  # grouped by user, in order
    codes, train_users = pd.factorize(train_rows["user"])
    starts = np.flatnonzero(np.diff(codes)) + 1  # first row of every user but the first
    train = dict(zip(train_users.tolist(), np.split(train_rows["item"].to_numpy(), starts)))
    valid_item = events[parts == "valid"].set_index("user").loc[users, "item"].to_numpy()
    test_item = events[parts == "test"].set_index("user").loc[users, "item"].to_numpy()
    train_hist = tuple(train[user] for user in users.tolist())
    test_hist = tuple(np.r_[h, item] for h, item in zip(train_hist, valid_item))
    n_items = int(catalogue.size)
    return LeaveLastOutTasks(
        valid=NextItemTask(users, train_hist, valid_item, n_items),
        test=NextItemTask(users, test_hist, test_item, n_items),
        catalogue=catalogue,
        events=events,
    )
