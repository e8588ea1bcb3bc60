"""The data card of an interaction log: source, licence, size, span, ties, repairs and truth.

One block of text, as the recommendation notebook prints it before any model sees the
data: where the log comes from, how many events, users and items it holds (and how
dense the user x item matrix is), the time span, how many events share their second
with another event of the same user (their order is unknown), how many items a user
consumed twice, every repair the loader made, and whether the source has a ground
truth (a simulator's taste and transition table) that gives an oracle.

Examples
--------
>>> import tslib as ts
>>> loaded = ts.load("sessions_sim", n_users=20, n_items=30, seed=0)
>>> print(interaction_card(loaded).splitlines()[-1])
ground truth: yes (taste, transitions: oracle available)
"""

from __future__ import annotations

from tslib.datasets.base import LoadedDataset
from tslib.errors import InputError
from tslib.preprocess.sequence_split import tie_summary

__all__ = ["INTERACTION_COLUMNS", "interaction_card"]

#: Columns an interaction log needs for its card.
INTERACTION_COLUMNS = ("user", "item", "timestamp", "datetime")


def interaction_card(data: LoadedDataset) -> str:
    """The data card of one interaction log, as lines of text.

    Parameters
    ----------
    data : LoadedDataset
        A loaded log (``sessions_sim``, ``movielens``): a frame with one row per event
        and the columns ``user``, ``item``, ``timestamp`` (whole seconds) and
        ``datetime``, its info, repairs and, for a simulator, its truth.

    Returns
    -------
    str
        Nine lines: name and description, source and licence, citation, size and
        density, span and frequency, same-second ties, items consumed twice by one
        user, repairs, ground truth.

    Raises
    ------
    InputError
        The frame is empty or lacks a column of :data:`INTERACTION_COLUMNS`.
    """
    frame, info = data.frame, data.info
    missing = [column for column in INTERACTION_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError(f"interaction_card: the log lacks columns {missing}")
    if frame.empty:
        raise InputError("interaction_card: the log has no events")
    ties = tie_summary(frame)
    n_events, n_users, n_items = len(frame), frame["user"].nunique(), frame["item"].nunique()
    first, last = frame["datetime"].min(), frame["datetime"].max()
    twice = int(frame.duplicated(["user", "item"]).sum())
    has_truth = "preference" in (data.truth or {})
    truth = "yes (taste, transitions: oracle available)" if has_truth else "no"
    return "\n".join(
        [
            f"== {info.name}: {info.description}",
            f"source: {info.source} | licence: {info.licence}",
            f"citation: {info.citation}",
            f"size: {n_events:,} events | {n_users:,} users | {n_items:,} items | "
            f"density {n_events / (n_users * n_items):.2%}",
            f"span: {first:%Y-%m-%d} .. {last:%Y-%m-%d} | frequency: {info.frequency} "
            "(irregular, whole seconds)",
            f"same-second ties: {ties['tied_events']:,} events ({ties['tied_share']:.0%}); "
            f"a user's last two events tie for {ties['users_last_two_tied']:,} users "
            f"({ties['users_last_two_tied_share']:.0%})",
            f"items rated twice by one user: {twice}",
            "repairs: " + ("; ".join(data.repairs) if data.repairs else "none"),
            f"ground truth: {truth}",
        ]
    )
