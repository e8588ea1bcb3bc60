"""Write synthetic files in the two MovieLens rating formats, with their quirks.

The events come from :func:`tslib.datasets.sessions_sim` (no repeats: a user
rates a film once), so a sequence model has something to learn. Nothing here is
real MovieLens data (it may not be redistributed); only the layouts and quirks
of the real files are reproduced (GUIDE §5, checked against the GroupLens READMEs):

* ml-100k ``u.data``: ``user<TAB>item<TAB>rating<TAB>timestamp``, rows NOT sorted;
* ml-1m ``ratings.dat``: ``user::item::rating::timestamp``, rows grouped by user
  (ascending) but not sorted by time inside a user;
* 1-based user ids; item ids 1..n (100k) or sparse ids up to 3952 (1m);
* Unix-second timestamps in 1997-1998 (100k) or 2000-2003 (1m);
* many same-second ties: ``last_two_tie_share`` of the users have their last two
  events in one second, and ``tie_share`` of the other consecutive pairs tie;
  inside a tie the file lists the rows by item id (the order a careless
  pipeline would produce, and the leak the notebook's TIES option avoids);
* a few users with fewer than 5 ratings (the simulator's short users), which
  the notebook's ``MIN_USER_EVENTS`` filter drops.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets import sessions_sim

__all__ = ["movielens_events", "write_ml100k", "write_ml1m"]

_START = {"100k": 874_724_710, "1m": 956_703_932}  # first timestamps of the real files


def movielens_events(
    variant: str,
    n_users: int = 150,
    n_items: int = 260,
    seed: int = 0,
    last_two_tie_share: float = 0.4,
    tie_share: float = 0.1,
    mean_sessions: float = 4.0,
) -> pd.DataFrame:
    """Events ``user, item, rating, timestamp`` in the id space and time range of ``variant``,
    in file order (see the module docstring); ``mean_sessions`` sets the size
    (about ``6 * mean_sessions`` events per user)."""
    rng = np.random.default_rng(seed)
    sim = sessions_sim(n_users=n_users, n_items=n_items, seed=seed, allow_repeats=False,
                       mean_sessions=mean_sessions, mean_session_length=6.0).frame  # fmt: skip
    ids = np.arange(1, n_items + 1)
    if variant == "1m":
        ids = np.sort(rng.choice(np.arange(1, 3953), n_items, replace=False))
    frame = pd.DataFrame(
        {
            "user": sim["user"].to_numpy() + 1,
            "item": ids[sim["item"].to_numpy()],
            "rating": sim["rating"].to_numpy(),
            "timestamp": sim["timestamp"].to_numpy() - sim["timestamp"].min() + _START[variant],
        }
    )
    same_user = np.r_[False, frame["user"].to_numpy()[1:] == frame["user"].to_numpy()[:-1]]
    is_last = np.r_[frame["user"].to_numpy()[1:] != frame["user"].to_numpy()[:-1], True]
    user_tie = rng.random(n_users + 1) < last_two_tie_share
    tie = same_user & ((is_last & user_tie[frame["user"]]) | (rng.random(len(frame)) < tie_share))
    times = frame["timestamp"].to_numpy().copy()
    for row in np.flatnonzero(tie):  # in order, so chains of ties share one second
        times[row] = times[row - 1]
    frame["timestamp"] = times
    return _file_order(frame, grouped_by_user=variant == "1m", rng=rng)


def _file_order(frame: pd.DataFrame, grouped_by_user: bool, rng) -> pd.DataFrame:
    """Shuffle rows (inside users for 1m) but list the rows of each tie by item id."""
    key = rng.permutation(len(frame)).astype(np.float64)
    for _, rows in frame.groupby(["user", "timestamp"]).indices.items():
        if len(rows) > 1:
            by_item = rows[np.argsort(frame["item"].to_numpy()[rows])]
            key[by_item] = np.sort(key[rows])
    if grouped_by_user:
        order = np.lexsort((key, frame["user"].to_numpy()))
    else:
        order = np.argsort(key)
    return frame.iloc[order].reset_index(drop=True)


def write_ml100k(path: str | Path, **options) -> Path:
    """Write ``u.data`` (tab-separated, unsorted) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = movielens_events("100k", **options)
    frame.to_csv(path, sep="\t", header=False, index=False)
    return path


def write_ml1m(path: str | Path, **options) -> Path:
    """Write ``ratings.dat`` (``::``-separated, grouped by user) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = movielens_events("1m", **options)
    lines = frame.astype(str).agg("::".join, axis=1)
    path.write_text("\n".join(lines) + "\n")
    return path
