r"""Simulated user sessions with latent tastes and sequential patterns (``sessions_sim``).

Generative model (users :math:`u`, items :math:`i, j`, factor dimension :math:`k`):

.. math::

    U_u, V_i &\sim \text{N}(0, k^{-1/2} I_k) \qquad (\text{so } U_u \cdot V_i \text{ has variance } 1)\\
    \pi_i &\propto \text{rank}_i^{-a} \qquad\text{(Zipf popularity, random rank permutation)}\\
    P_u(i) &\propto \pi_i \exp(U_u \cdot V_i) \qquad\text{(taste)}\\
    T_{i,\cdot} &: m \text{ successors of } i \text{ drawn} \propto \pi \text{ without replacement,
        weights} \sim \text{Dirichlet}(1_m)\\
    P(x_{n} = j \mid x_{n-1} = i, u) &= \rho\,T_{i,j} + (1 - \rho)\,P_u(j)
        \quad\text{inside a session};\quad x_0 \sim P_u \text{ at a session start}\\
    \text{rating} &= \text{clip}(\text{round}(3 + U_u \cdot V_x + \text{N}(0, 0.5^2)), 1, 5)

With ``allow_repeats=False`` (like MovieLens, where a user rates a film once)
each draw is restricted to the items the user has not consumed yet: the
follow step draws from :math:`T_{i,\cdot}` restricted and renormalised, or, when
every successor of :math:`i` was consumed, from the restricted taste
:math:`P_u`; other steps draw from the restricted :math:`P_u`.
:func:`next_item_distribution` gives the exact distribution each event was drawn
from (the oracle for a next-item model).

Each user has :math:`1 + \text{Poisson}(\text{mean\_sessions} - 1)` sessions of
:math:`\text{Geometric}(1/\text{mean\_session\_length})` events. Times are whole
seconds. Gaps inside a session are :math:`\lceil\text{Exp}(\text{mean 3 min})\rceil`,
at least 1 s and at most ``session_gap``; gaps between sessions are ``session_gap``
+ :math:`\lceil\text{Exp}(\text{mean 2 days})\rceil` (at least 1 s more), so
splitting a user's events at gaps longer than ``session_gap`` recovers the
sessions exactly. With ``tie_share > 0`` that share of the gaps inside a session
is 0 s, so events share a second as in real logs; the frame keeps the true
(generation) order of such ties. The first event of a user is at ``start`` + :math:`U(0, 7)` days.

The frame looks like :func:`tslib.datasets.movielens.load_movielens`: ``user,
item, rating, timestamp`` (Unix seconds), ``datetime``, plus ``session`` (a
global session id), sorted by ``(user, timestamp)``. ``truth`` keys:
``user_factors`` (n_users, k), ``item_factors`` (n_items, k), ``popularity``
(n_items,), ``preference`` (n_users, n_items; rows are :math:`P_u`),
``transition`` (n_items, n_items; rows are :math:`T_i`), ``followed`` (bool per
event: drawn from :math:`T` rather than :math:`P_u`), ``follow_prob``,
``session_gap`` (Timedelta), ``previous_item`` (int per event: the item drawn
just before it in its session, -1 at a session start), ``allow_repeats``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets.base import DatasetInfo, LoadedDataset, register, reject_path
from tslib.errors import InputError

__all__ = ["sessions_sim", "next_item_distribution"]

_WITHIN_GAP_MEAN_S = 180.0  # mean gap between events of one session, seconds
_BETWEEN_GAP_MEAN_S = 2 * 86400.0  # mean extra gap between sessions, seconds

SESSIONS_SIM_INFO = DatasetInfo(
    name="sessions_sim",
    domain="recsys",
    kind="simulated",
    frequency="event",
    targets=("item",),
    units={"timestamp": "s since 1970-01-01 UTC"},
    source="tslib.datasets.sessions_sim (simulated)",
    licence="MIT (generated data)",
    citation="tslib sessions simulator",
    description="User sessions: latent user/item factors, Zipf item popularity, first-order "
    "item transitions and session gaps; interactions like MovieLens plus a session id.",
)


@register(SESSIONS_SIM_INFO)
def sessions_sim(
    n_users: int = 100,
    n_items: int = 300,
    seed: int = 0,
    *,
    n_factors: int = 8,
    zipf_exponent: float = 1.1,
    follow_prob: float = 0.5,
    n_successors: int = 5,
    mean_sessions: float = 4.0,
    mean_session_length: float = 6.0,
    session_gap: str = "30min",
    start: str = "2024-01-01",
    tie_share: float = 0.0,
    allow_repeats: bool = True,
    path: str | Path | None = None,
) -> LoadedDataset:
    """Simulate interaction sessions (model in the module docstring).

    Parameters
    ----------
    n_users, n_items : int
        Numbers of users and items.
    seed : int
        Seed; the same seed gives the same data.
    n_factors : int
        Latent dimension k.
    zipf_exponent : float
        Popularity exponent a.
    follow_prob : float
        rho, the chance that the next item follows the transition structure.
    n_successors : int
        m, successors per item in the transition structure.
    mean_sessions, mean_session_length : float
        Mean sessions per user (>= 1) and mean events per session (>= 1).
    session_gap : str
        Inactivity that separates sessions (pandas Timedelta string).
    start : str
        Earliest possible first event.
    tie_share : float
        Share of the gaps inside a session that are 0 s (same-second events).
    allow_repeats : bool
        False: a user never consumes an item twice (see the module docstring).
    path : None
        Not used (simulators read no files).
    """
    reject_path(SESSIONS_SIM_INFO.name, path)
    if n_users < 1 or n_items < 2 or not 1 <= n_successors < n_items:
        raise InputError(
            "sessions_sim: need n_users >= 1, n_items >= 2, 1 <= n_successors < n_items"
        )
    if not 0 <= follow_prob <= 1 or mean_sessions < 1 or mean_session_length < 1:
        raise InputError("sessions_sim: need 0 <= follow_prob <= 1 and means >= 1")
    if not 0 <= tie_share < 1:
        raise InputError(f"sessions_sim: need 0 <= tie_share < 1, got {tie_share}")
    rng = np.random.default_rng(seed)
    gap_s = pd.Timedelta(session_gap).total_seconds()
    scale = n_factors**-0.25
    user_factors = rng.standard_normal((n_users, n_factors)) * scale  # (U, k)
    item_factors = rng.standard_normal((n_items, n_factors)) * scale  # (I, k)
    popularity = rng.permutation(np.arange(1, n_items + 1)) ** -zipf_exponent
    popularity /= popularity.sum()  # (I,)
    affinity = user_factors @ item_factors.T  # (U, I)
    preference = popularity[None, :] * np.exp(affinity)
    preference /= preference.sum(axis=1, keepdims=True)  # (U, I)
    transition = np.zeros((n_items, n_items))  # (I, I)
    for i in range(n_items):
        weights = popularity.copy()
        weights[i] = 0.0
        successors = rng.choice(n_items, n_successors, replace=False, p=weights / weights.sum())
        transition[i, successors] = rng.dirichlet(np.ones(n_successors))

    origin = pd.Timestamp(start).timestamp()
    records: list[tuple[int, int, int, int]] = []  # (user, item, time_s, session)
    followed: list[bool] = []
    previous_items: list[int] = []
    session_id = 0
    for user in range(n_users):
        time_s = int(origin + rng.uniform(0, 7 * 86400.0))
        consumed = np.zeros(n_items, dtype=bool)
        for session in range(1 + rng.poisson(mean_sessions - 1)):
            if session:
                time_s += int(gap_s) + max(1, math.ceil(rng.exponential(_BETWEEN_GAP_MEAN_S)))
            previous = None
            for event in range(rng.geometric(1.0 / mean_session_length)):
                if event:
                    gap = min(max(1, math.ceil(rng.exponential(_WITHIN_GAP_MEAN_S))), int(gap_s))
                    time_s += 0 if tie_share and rng.random() < tie_share else gap
                follow = previous is not None and rng.random() < follow_prob
                probs = transition[previous] if follow else preference[user]
                if not allow_repeats:
                    probs, follow = _restricted(probs, follow, preference[user], consumed, user)
                previous_items.append(-1 if previous is None else previous)
                previous = int(rng.choice(n_items, p=probs))
                consumed[previous] = True
                records.append((user, previous, time_s, session_id))
                followed.append(follow)
            session_id += 1

    users, items, times, sessions = (np.array(column) for column in zip(*records))
    noise = rng.normal(0.0, 0.5, len(items))
    ratings = np.clip(np.round(3 + affinity[users, items] + noise), 1, 5).astype(np.int64)
    timestamps = times.astype(np.int64)
    frame = pd.DataFrame(
        {
            "user": users.astype(np.int64),
            "item": items.astype(np.int64),
            "rating": ratings,
            "timestamp": timestamps,
            "datetime": pd.to_datetime(timestamps, unit="s"),
            "session": sessions.astype(np.int64),
        }
    ).rename_axis("event")
    truth = {
        "user_factors": user_factors,
        "item_factors": item_factors,
        "popularity": popularity,
        "preference": preference,
        "transition": transition,
        "followed": np.array(followed),
        "follow_prob": follow_prob,
        "session_gap": pd.Timedelta(session_gap),
        "previous_item": np.array(previous_items, dtype=np.int64),
        "allow_repeats": allow_repeats,
    }
    return LoadedDataset(frame=frame, info=SESSIONS_SIM_INFO, truth=truth)


def _restricted(
    probs: np.ndarray, follow: bool, taste: np.ndarray, consumed: np.ndarray, user: int
) -> tuple[np.ndarray, bool]:
    """``probs`` without consumed items, renormalised; the taste row when nothing is left."""
    if follow:
        kept = np.where(consumed, 0.0, probs)
        if kept.sum() > 0:
            return kept / kept.sum(), True
    kept = np.where(consumed, 0.0, taste)
    if kept.sum() <= 0:
        raise InputError(
            f"sessions_sim: user {user} consumed every item; with allow_repeats=False use "
            "more items or fewer, shorter sessions"
        )
    return kept / kept.sum(), False


def next_item_distribution(dataset: LoadedDataset, events: object) -> np.ndarray:
    r"""The exact distribution each of ``events`` was drawn from (the oracle's scores).

    For event :math:`e` of user :math:`u` whose session predecessor is :math:`i`
    (none at a session start), this is :math:`\rho\,\tilde T_{i} + (1-\rho)\,\tilde P_u`,
    or :math:`\tilde P_u` at a session start, where the tilde restricts to items
    :math:`u` had not consumed before :math:`e` when ``allow_repeats=False`` (and
    :math:`\tilde T_i = \tilde P_u` when every successor of :math:`i` was consumed).

    Parameters
    ----------
    dataset : LoadedDataset
        A :func:`sessions_sim` result (its frame in generation order, index ``event``).
    events : array_like of int
        Event labels (the frame's index), in any order.

    Returns
    -------
    numpy.ndarray
        (len(events), n_items) probabilities; each row sums to 1.
    """
    truth, frame = dataset.truth, dataset.frame
    labels = np.asarray(events, dtype=np.int64).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= len(frame)):
        raise InputError(f"next_item_distribution: event labels must lie in [0, {len(frame)})")
    rho, users = truth["follow_prob"], frame["user"].to_numpy()
    items, first = frame["item"].to_numpy(), np.searchsorted(users, users, side="left")
    rows = []
    for event in labels:
        user, previous = users[event], truth["previous_item"][event]
        consumed = np.zeros(truth["preference"].shape[1], dtype=bool)
        if not truth["allow_repeats"]:
            consumed[items[first[event] : event]] = True
        taste = np.where(consumed, 0.0, truth["preference"][user])
        taste /= taste.sum()
        if previous < 0:
            rows.append(taste)
            continue
        successors = np.where(consumed, 0.0, truth["transition"][previous])
        follow = successors / successors.sum() if successors.sum() > 0 else taste
        rows.append(rho * follow + (1.0 - rho) * taste)
    return np.array(rows).reshape(labels.size, truth["preference"].shape[1])
