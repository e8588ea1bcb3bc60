"""The ranking protocol's replay: serve next-item recommendations live, in global time order.

Call it as :func:`tslib.replay` (``tslib.replay(model_or_runner, events, ...)`` with a
next-item encoder and an events frame picks the ``"ranking"`` protocol of
:mod:`tslib.evaluate.ranking_walk`); the functions here are that protocol's internals.

Each event ``(user, item)`` is one tick. The user's *pending* scores (the
runner's last output for that user, computed when their previous event arrived)
rank the arriving item: that is the target's rank at this tick. Then the event
is *served*: one ``runner.step`` updates that user's state, the items the user
has seen are masked, and the top-``k`` list for their next event is taken and
copied to the host. The wall time of serving (step, mask, top-k) is the event's
latency, checked against a budget.

Events of all users are interleaved by time stamp (ties keep row order, so each
user's own order is kept), and every user's state stays in the one runner, so
the runner holds as many concurrent users as the replay has. ``warmup`` gives
users a history first (one fused ``runner.observe`` per history length).

One implementation path: the replay is ``list(_iter_ranking_replay(...))`` plus
``_summarize_ranking_replay``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from tslib.encoders.base import StepEncoder
from tslib.errors import DataError, InputError
from tslib.metrics.ranking import rank_targets
from tslib.runner.runner import StepwiseRunner
from tslib.validation import check_positive_int

__all__ = ["RANKING_REPLAY_COLUMNS", "RankingReplayResult"]

#: Columns of the ranking replay frame, one row per event.
RANKING_REPLAY_COLUMNS = [
    "tick", "event", "user", "item", "rank", "latency_us", "within_budget", "top_k",
]  # fmt: skip


#: Users warmed up per ``runner.observe`` call (its outputs score every item at every step).
_WARMUP_BATCH = 32


class RankingReplayResult(NamedTuple):
    """What the ranking replay (:func:`tslib.replay`) returns: the tidy frame and its summary."""

    frame: pd.DataFrame
    summary: dict


def _user_id(user: object) -> Hashable:
    """Runner ids are Python ints or strings."""
    return int(user) if isinstance(user, (int, np.integer)) else str(user)


def _warm_start(runner: StepwiseRunner, warmup: Mapping, seen: dict, n_items: int) -> None:
    by_length: dict[int, list] = {}
    for user, history in warmup.items():
        items = np.asarray(history, dtype=np.int64).reshape(-1)
        if items.size and (items.min() < 0 or items.max() >= n_items):
            raise InputError(
                f"replay (ranking): warmup of user {user!r} has an item outside [0, {n_items})"
            )
        seen.setdefault(_user_id(user), np.zeros(n_items, dtype=bool))[items] = True
        if items.size:
            by_length.setdefault(items.size, []).append((_user_id(user), items))
    for _, group in sorted(by_length.items()):
        for start in range(0, len(group), _WARMUP_BATCH):
            chunk = group[start : start + _WARMUP_BATCH]
            history = np.stack([items for _, items in chunk]).astype(np.float32)[..., None]
            runner.observe([user for user, _ in chunk], history)  # (B, length, 1), one forward


def _iter_ranking_replay(
    runner_or_model: StepwiseRunner | StepEncoder,
    events: pd.DataFrame,
    *,
    warmup: Mapping | None = None,
    seen: Mapping | None = None,
    k: int = 10,
    exclude_seen: bool = True,
    repeats: str = "miss",
    latency_budget_ms: float | None = None,
    user_column: str = "user",
    item_column: str = "item",
    time_column: str = "timestamp",
    clock: Callable[[], int] = time.perf_counter_ns,
    device: str = "auto",
    fast: bool = True,
) -> Iterator[dict]:
    """Yield one record per event while serving ``events`` live (see the module docstring).

    Parameters
    ----------
    runner_or_model : StepwiseRunner or StepEncoder
        A next-item model (input: the item id; output: a score per item) or a
        runner holding one (users it already holds continue from their state).
    events : pandas.DataFrame
        One row per event with ``user_column``, ``item_column`` and ``time_column``;
        each user's rows in that user's order.
    warmup : mapping, optional
        User -> item history consumed (and marked seen) before the replay.
    seen : mapping, optional
        User -> items consumed earlier that the model does not read (e.g. older
        than the warm-up window): marked seen for the exclusions only.
    k : int
        Length of the served list.
    exclude_seen : bool
        Mask the user's seen items, in the ranks and in the served lists.
    repeats : {"miss", "keep", "raise"}
        A target the user has seen, under ``exclude_seen`` (see :mod:`tslib.metrics.ranking`).
    latency_budget_ms : float, optional
        Budget of one event's serving time.
    clock : callable
        Nanosecond clock (inject a fake one in tests).
    device, fast
        Passed to :class:`~tslib.runner.runner.StepwiseRunner` for a model.

    Yields
    ------
    dict
        Keys of :data:`RANKING_REPLAY_COLUMNS`: ``event`` is the row label,
        ``rank`` the target's 1-based rank under the pending scores (NaN for a
        user's first event without history, ``inf`` for a missed repeat),
        ``top_k`` the served list (a tuple of item ids) for the user's next event.
    """
    k = check_positive_int(k, "k")
    if latency_budget_ms is not None and not latency_budget_ms >= 0:
        raise InputError(
            f"replay (ranking): latency_budget_ms must be >= 0, got {latency_budget_ms!r}"
        )
    if not isinstance(events, pd.DataFrame):
        raise InputError("replay (ranking): events must be a pandas DataFrame")
    missing = [c for c in (user_column, item_column, time_column) if c not in events.columns]
    if missing:
        raise DataError(f"replay (ranking): events have no column(s) {missing}")
    if isinstance(runner_or_model, StepwiseRunner):
        runner = runner_or_model
    elif isinstance(runner_or_model, StepEncoder):
        runner = StepwiseRunner(runner_or_model, device=device, fast=fast)
    else:
        raise InputError(
            f"replay (ranking): expected a StepwiseRunner or StepEncoder, got {type(runner_or_model)}"
        )
    n_items = runner.model.n_outputs
    items = events[item_column].to_numpy()
    if not np.issubdtype(items.dtype, np.integer) or (
        items.size and (items.min() < 0 or items.max() >= n_items)
    ):
        raise DataError(
            f"replay (ranking): column {item_column!r} must hold item ids in [0, {n_items})"
        )
    ordered = events.iloc[np.argsort(events[time_column].to_numpy(), kind="stable")]
    seen_items: dict[Hashable, np.ndarray] = {}
    for user, items in (seen or {}).items():
        items = np.asarray(items, dtype=np.int64).reshape(-1)
        if items.size and (items.min() < 0 or items.max() >= n_items):
            raise InputError(
                f"replay (ranking): seen items of user {user!r} outside [0, {n_items})"
            )
        seen_items.setdefault(_user_id(user), np.zeros(n_items, dtype=bool))[items] = True
    _warm_start(runner, warmup or {}, seen_items, n_items)
    budget_us = None if latency_budget_ms is None else 1e3 * float(latency_budget_ms)
    labels = ordered.index.tolist()
    users = [_user_id(u) for u in ordered[user_column].tolist()]
    for tick, (event, user, item) in enumerate(zip(labels, users, ordered[item_column].tolist())):
        mask = seen_items.setdefault(user, np.zeros(n_items, dtype=bool))
        rank = math.nan
        if user in runner and runner.step_count(user) > 0:
            pending = runner.last_output(user).double().cpu().numpy()[None]  # (1, N)
            exclude = mask[None] if exclude_seen else None
            rank = float(rank_targets(pending, [item], exclude=exclude, repeats=repeats)[0])
        started = clock()
        scores = runner.step([user], np.array([[float(item)]], dtype=np.float32))  # (1, N)
        mask[item] = True
        if exclude_seen:
            scores = scores.masked_fill(torch.from_numpy(mask).to(scores.device)[None], -math.inf)
        top_k = tuple(scores.topk(min(k, n_items), dim=-1).indices[0].tolist())  # to the host
        latency_us = (clock() - started) / 1e3
        yield {
            "tick": tick,
            "event": event,
            "user": user,
            "item": int(item),
            "rank": rank,
            "latency_us": latency_us,
            "within_budget": budget_us is None or latency_us <= budget_us,
            "top_k": top_k,
        }


def _summarize_ranking_replay(
    frame: pd.DataFrame,
    k: int = 10,
    latency_budget_ms: float | None = None,
    state_bytes_per_user: int | None = None,
) -> dict:
    """Summary of a ranking replay frame.

    Returns
    -------
    dict
        ``events``, ``users``, ``ranked`` (events with a pending prediction),
        ``hr``, ``ndcg`` (at ``k``) and ``mrr`` over the ranked events, latency
        ``p50_us``, ``p99_us``, ``max_us``, ``within_budget`` (share of events
        served within the budget), ``latency_budget_ms``, ``k`` and
        ``state_bytes_per_user``.
    """
    rank = frame["rank"].to_numpy(dtype=np.float64)
    ranked = rank[~np.isnan(rank)]
    inside = ranked <= k
    latency = frame["latency_us"].to_numpy(dtype=np.float64)
    p50, p99 = np.percentile(latency, [50, 99]) if latency.size else (math.nan, math.nan)
    return {
        "events": len(frame),
        "users": int(frame["user"].nunique()),
        "ranked": int(ranked.size),
        "hr": float(inside.mean()) if ranked.size else math.nan,
        "ndcg": float(np.mean(np.where(inside, 1.0 / np.log2(ranked + 1.0), 0.0)))
        if ranked.size
        else math.nan,
        "mrr": float(np.mean(1.0 / ranked)) if ranked.size else math.nan,
        "p50_us": float(p50),
        "p99_us": float(p99),
        "max_us": float(latency.max()) if latency.size else math.nan,
        "within_budget": float(frame["within_budget"].mean()) if len(frame) else math.nan,
        "latency_budget_ms": latency_budget_ms,
        "k": k,
        "state_bytes_per_user": state_bytes_per_user,
    }


def _ranking_replay(
    runner_or_model: StepwiseRunner | StepEncoder, events: pd.DataFrame, **options
) -> RankingReplayResult:
    """Drain :func:`_iter_ranking_replay` into a frame and summarise it.

    Takes the arguments of :func:`_iter_ranking_replay`; the summary is
    :func:`_summarize_ranking_replay`'s, with the model's state bytes per user.
    """
    model = (
        runner_or_model.model if isinstance(runner_or_model, StepwiseRunner) else runner_or_model
    )
    records = list(_iter_ranking_replay(runner_or_model, events, **options))
    frame = pd.DataFrame(records, columns=RANKING_REPLAY_COLUMNS)
    budget = options.get("latency_budget_ms")
    bytes_per_user = getattr(model, "state_bytes_per_stream", lambda: None)()
    summary = _summarize_ranking_replay(frame, options.get("k", 10), budget, bytes_per_user)
    return RankingReplayResult(frame, summary)
