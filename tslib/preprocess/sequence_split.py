"""Per-user event sequences: ordering with a stated tie-break, and the leave-last-out split.

Interaction logs (MovieLens, click streams) store times in whole seconds, and
many events of one user share a second; in MovieLens the last two events of a
user often do. The order of such ties is not in the data. Sorting them by item
id (a common default) makes the split and the sequence a model reads depend on
item ids, so :func:`order_events` breaks ties

* ``ties="random"`` (default): in a seeded random order, the same for every model;
* ``ties="file"``: in the frame's row order (the order of the source file).

:func:`leave_last_out_split` then holds out, for every user, the last event
(test) and, by default, the one before it (validation); the rest is training. Users with
fewer than ``min_events`` events are dropped and counted.

Examples
--------
>>> frame = pd.DataFrame({"user": [1, 1, 1, 2, 2, 2], "item": [5, 6, 7, 8, 9, 5],
...                       "timestamp": [10, 20, 20, 5, 6, 7]})
>>> split = leave_last_out_split(frame, ties="file")
>>> split.test["item"].tolist(), split.valid["item"].tolist(), split.train["item"].tolist()
([7, 5], [6, 9], [5, 8])
>>> tie_summary(frame)["users_last_two_tied"]
1
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.validation import check_one_of

__all__ = [
    "TIES",
    "order_events",
    "tie_summary",
    "SequenceSplit",
    "leave_last_out_split",
]

#: Tie-break rules for events of one user in the same second.
TIES = ("random", "file")


def _check_columns(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(f"{where}: the frame has no column(s) {missing}")
    for column in columns:
        if frame[column].isna().any():
            row = int(np.flatnonzero(frame[column].isna().to_numpy())[0])
            raise DataError(f"{where}: column {column!r} is missing a value at row {row}")


def order_events(
    frame: pd.DataFrame,
    *,
    ties: str = "random",
    seed: int = 0,
    user_column: str = "user",
    time_column: str = "timestamp",
) -> pd.DataFrame:
    """Sort events by ``(user, time)``; events of a user in the same time break ``ties``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per event; the index is kept (so event labels still point at the source).
    ties : {"random", "file"}
        ``"random"``: a random order drawn from ``seed``; ``"file"``: row order.
    seed : int
        Seed of the random tie-break.
    user_column, time_column : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The same rows, reordered.
    """
    check_one_of(ties, TIES, "ties")
    _check_columns(frame, [user_column, time_column], "order_events")
    n = len(frame)
    tie_key = np.random.default_rng(seed).permutation(n) if ties == "random" else np.arange(n)
    times = frame[time_column].to_numpy()
    order = np.lexsort((tie_key, times, frame[user_column].to_numpy()))
    return frame.iloc[order]


def tie_summary(
    frame: pd.DataFrame, *, user_column: str = "user", time_column: str = "timestamp"
) -> dict:
    """How much of the event order is undetermined by the time stamps.

    Returns
    -------
    dict
        ``events``, ``users``, ``tied_events`` (events that share their user and
        time with another event), ``tied_share``, ``users_last_two_tied`` (users
        whose two latest events share a time) and ``users_last_two_tied_share``.
    """
    _check_columns(frame, [user_column, time_column], "tie_summary")
    keys = frame[[user_column, time_column]]
    tied = keys.duplicated(keep=False).to_numpy()
    order = np.lexsort((frame[time_column].to_numpy(), frame[user_column].to_numpy()))
    user = frame[user_column].to_numpy()[order]
    time = frame[time_column].to_numpy()[order]
    is_last = np.r_[user[1:] != user[:-1], True] if len(user) else np.zeros(0, bool)
    same_as_previous = np.r_[False, (user[1:] == user[:-1]) & (time[1:] == time[:-1])]
    last_two = is_last & same_as_previous[: len(user)]
    users = int(frame[user_column].nunique())
    return {
        "events": len(frame),
        "users": users,
        "tied_events": int(tied.sum()),
        "tied_share": float(tied.mean()) if len(frame) else 0.0,
        "users_last_two_tied": int(last_two.sum()),
        "users_last_two_tied_share": float(last_two.sum() / users) if users else 0.0,
    }


class SequenceSplit(NamedTuple):
    """Leave-last-out parts, each in (user, order) order, keeping the source index.

    ``events`` holds every kept event with two extra columns: ``position`` (0-based
    within the user) and ``part`` (``"train"``, ``"valid"`` or ``"test"``).
    ``dropped_users`` counts users with fewer than ``min_events`` events.
    """

    events: pd.DataFrame
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    dropped_users: int


def leave_last_out_split(
    frame: pd.DataFrame,
    *,
    validation: bool = True,
    ties: str = "random",
    seed: int = 0,
    min_events: int | None = None,
    user_column: str = "user",
    time_column: str = "timestamp",
) -> SequenceSplit:
    """Order events (see :func:`order_events`) and hold out each user's last one or two.

    This is the one leave-last-out split of tslib (the usual protocol of
    sequential recommendation on MovieLens and click logs).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per event.
    validation : bool
        Hold out the second-to-last event as validation (default); without it
        ``valid`` is empty and every event before the last is training.
    ties, seed
        Tie-break rule and its seed (:func:`order_events`).
    min_events : int, optional
        Users with fewer events are dropped and counted; default (and least) 3
        with ``validation`` (train, validation, test), 2 without.
    user_column, time_column : str
        Column names.

    Returns
    -------
    SequenceSplit
        For every kept user: the last event in ``test``, the one before in
        ``valid`` (with ``validation``) and the others in ``train``.
    """
    least = 3 if validation else 2
    min_events = least if min_events is None else min_events
    if isinstance(min_events, bool) or not isinstance(min_events, int) or min_events < least:
        raise InputError(
            f"leave_last_out_split: min_events must be an int >= {least}, got {min_events!r}"
        )
    ordered = order_events(
        frame, ties=ties, seed=seed, user_column=user_column, time_column=time_column
    )
    users = ordered[user_column]
    count = users.groupby(users, sort=False).transform("size").to_numpy()
    kept = ordered[count >= min_events].copy()
    dropped = int(users[count < min_events].nunique())
    if kept.empty:
        raise DataError(f"leave_last_out_split: no user has at least {min_events} events")
    kept_users = kept[user_column]
    position = kept_users.groupby(kept_users, sort=False).cumcount().to_numpy()
    from_end = kept_users.groupby(kept_users, sort=False).cumcount(ascending=False).to_numpy()
    kept["position"] = position
    held_valid = (from_end == 1) & validation
    kept["part"] = np.where(from_end == 0, "test", np.where(held_valid, "valid", "train"))
    return SequenceSplit(
        events=kept,
        train=kept[kept["part"] == "train"],
        valid=kept[kept["part"] == "valid"],
        test=kept[kept["part"] == "test"],
        dropped_users=dropped,
    )
