r"""Next-item ranking metrics under full ranking (and sampled ranking for comparison).

Every user has one held-out target item. ``scores`` is an (n_users, n_items)
matrix, higher = better; ``exclude`` (optional, same shape, bool) removes items
from the candidate list, typically the items the user has already seen (the
target itself must not be excluded).

The target's rank is :math:`1 + g + e'`, where :math:`g` counts candidates with
a strictly higher score and :math:`e` candidates with an *equal* score. Ties:

* ``ties="pessimistic"`` (default) - the target is placed after all tied items,
  :math:`\mathrm{rank} = 1 + g + e`. A constant scorer gets HR@k = 0 (k <= e).
* ``ties="average"`` - the expectation under a uniformly random tie-break:
  rank is uniform on :math:`\{g+1, \dots, g+e+1\}` and each metric is averaged
  over those positions. A constant scorer gets HR@k = k / n_items.

Per user, with rank :math:`r`: :math:`HR@k = 1\{r\le k\}`,
:math:`NDCG@k = 1\{r\le k\}/\log_2(r+1)` (one relevant item, so IDCG = 1),
:math:`MRR = 1/r` (no cut-off). Reported values are means over users.

Sampled metrics (:func:`sampled_ranking_metrics`) rank the target against
``n_negatives`` random non-excluded items only, as in many older papers; they are
biased upward and do not preserve model order (Krichene & Rendle, KDD 2020), so
report them only next to the full-ranking numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tslib.errors import InputError
from tslib.validation import as_index_array, check_positive_int

__all__ = [
    "rank_targets",
    "hit_rate_at_k",
    "ndcg_at_k",
    "mrr",
    "ranking_metrics",
    "sampled_ranking_metrics",
]

_TIES = ("pessimistic", "average")


def _check_inputs(
    scores: object, targets: object, exclude: object | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim != 2 or matrix.size == 0:
        raise InputError(
            f"scores must be a non-empty (n_users, n_items) matrix, got {matrix.shape}"
        )
    if np.isnan(matrix).any() or np.isposinf(matrix).any():
        raise InputError("scores contain NaN or +inf (use exclude= to drop items)")
    target_ids = as_index_array(targets, "targets", upper=matrix.shape[1])
    if target_ids.size != matrix.shape[0]:
        raise InputError(
            f"targets has {target_ids.size} entries but scores has {matrix.shape[0]} rows"
        )
    mask = None
    if exclude is not None:
        mask = np.asarray(exclude)
        if mask.shape != matrix.shape or mask.dtype != bool:
            raise InputError(
                f"exclude must be a bool array of shape {matrix.shape}, got "
                f"{mask.dtype} {mask.shape}"
            )
        excluded_targets = mask[np.arange(matrix.shape[0]), target_ids]
        if excluded_targets.any():
            user = int(np.flatnonzero(excluded_targets)[0])
            raise InputError(f"exclude masks the target item of user row {user}")
    return matrix, target_ids, mask


def _rank_bounds(
    scores: object, targets: object, exclude: object | None
) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst 1-based rank of each target given ties, both (n_users,)."""
    matrix, target_ids, mask = _check_inputs(scores, targets, exclude)
    target_scores = matrix[np.arange(matrix.shape[0]), target_ids][:, None]  # (U, 1)
    candidate = np.ones_like(matrix, dtype=bool) if mask is None else ~mask  # (U, I)
    greater = np.sum((matrix > target_scores) & candidate, axis=1)  # (U,)
    equal = np.sum((matrix == target_scores) & candidate, axis=1) - 1  # (U,) without target
    return greater + 1, greater + equal + 1


def _check_ties(ties: str) -> None:
    if ties not in _TIES:
        raise InputError(f"ties must be one of {_TIES}, got {ties!r}")


def _position_mean(gain: np.ndarray, best: np.ndarray, worst: np.ndarray, ties: str) -> np.ndarray:
    """Mean of ``gain[rank]`` over the tie range (average) or at ``worst`` (pessimistic).

    ``gain`` is indexed by rank (``gain[0] = 0`` is unused), length n_items + 1.
    """
    if ties == "pessimistic":
        return gain[worst]
    cumulative = np.cumsum(gain)  # cumulative[r] = sum of gain[1..r]
    return (cumulative[worst] - cumulative[best - 1]) / (worst - best + 1)


def _gains(n_items: int, k: int | None) -> dict[str, np.ndarray]:
    ranks = np.arange(n_items + 1, dtype=np.float64)  # index = rank
    inside = ranks <= (n_items if k is None else k)
    inside[0] = False
    safe = np.maximum(ranks, 1.0)
    return {
        "hr": inside.astype(np.float64),
        "ndcg": np.where(inside, 1.0 / np.log2(safe + 1.0), 0.0),
        "mrr": np.where(inside, 1.0 / safe, 0.0),
    }


def _metric(name: str, scores, targets, k, exclude, ties) -> float:
    _check_ties(ties)
    if k is not None:
        k = check_positive_int(k, "k")
    best, worst = _rank_bounds(scores, targets, exclude)
    gain = _gains(np.shape(scores)[1], k)[name]
    return float(np.mean(_position_mean(gain, best, worst, ties)))


def rank_targets(
    scores: object, targets: object, exclude: object | None = None, ties: str = "pessimistic"
) -> np.ndarray:
    """1-based rank of each user's target: worst tied rank, or the mean tied rank for ``average``."""
    _check_ties(ties)
    best, worst = _rank_bounds(scores, targets, exclude)
    return worst.astype(np.float64) if ties == "pessimistic" else (best + worst) / 2.0


def hit_rate_at_k(
    scores: object,
    targets: object,
    k: int = 10,
    exclude: object | None = None,
    ties: str = "pessimistic",
) -> float:
    """Hit rate (recall) at ``k``: share of users whose target ranks in the top ``k``."""
    return _metric("hr", scores, targets, k, exclude, ties)


def ndcg_at_k(
    scores: object,
    targets: object,
    k: int = 10,
    exclude: object | None = None,
    ties: str = "pessimistic",
) -> float:
    r"""NDCG at ``k`` with one relevant item: mean of :math:`1\{r\le k\}/\log_2(r+1)`."""
    return _metric("ndcg", scores, targets, k, exclude, ties)


def mrr(
    scores: object,
    targets: object,
    exclude: object | None = None,
    ties: str = "pessimistic",
    k: int | None = None,
) -> float:
    """Mean reciprocal rank of the target (cut at ``k`` when given: 0 beyond rank ``k``)."""
    return _metric("mrr", scores, targets, k, exclude, ties)


def ranking_metrics(
    scores: object,
    targets: object,
    ks: Sequence[int] = (10,),
    exclude: object | None = None,
    ties: str = "pessimistic",
) -> dict[str, float]:
    """``HR@k`` and ``NDCG@k`` for each ``k`` in ``ks`` plus ``MRR``, computing the ranks once."""
    _check_ties(ties)
    best, worst = _rank_bounds(scores, targets, exclude)
    n_items = np.shape(scores)[1]
    results: dict[str, float] = {}
    for k in ks:
        gains = _gains(n_items, check_positive_int(k, "k"))
        results[f"HR@{k}"] = float(np.mean(_position_mean(gains["hr"], best, worst, ties)))
        results[f"NDCG@{k}"] = float(np.mean(_position_mean(gains["ndcg"], best, worst, ties)))
    mrr_gain = _gains(n_items, None)["mrr"]
    results["MRR"] = float(np.mean(_position_mean(mrr_gain, best, worst, ties)))
    return results


def sampled_ranking_metrics(
    scores: object,
    targets: object,
    n_negatives: int = 100,
    seed: int = 0,
    ks: Sequence[int] = (10,),
    exclude: object | None = None,
    ties: str = "pessimistic",
) -> dict[str, float]:
    """Ranking metrics against ``n_negatives`` sampled items per user (paper-comparison only).

    For each user, ``n_negatives`` items are drawn uniformly without
    replacement from the items that are neither the target nor excluded; the
    target is then ranked among those ``n_negatives + 1`` items with
    :func:`ranking_metrics`. The draw depends only on ``seed`` and the shapes.
    """
    matrix, target_ids, mask = _check_inputs(scores, targets, exclude)
    n_negatives = check_positive_int(n_negatives, "n_negatives")
    n_users = matrix.shape[0]
    rows = np.arange(n_users)
    blocked = np.zeros_like(matrix, dtype=bool) if mask is None else mask.copy()  # (U, I)
    blocked[rows, target_ids] = True
    available = (~blocked).sum(axis=1)
    if np.any(available < n_negatives):
        user = int(np.argmin(available))
        raise InputError(
            f"user row {user} has only {available[user]} candidate negatives, "
            f"fewer than n_negatives={n_negatives}"
        )
    keys = np.random.default_rng(seed).random(matrix.shape)  # (U, I) random priorities
    keys[blocked] = np.inf
    negatives = np.argpartition(keys, n_negatives - 1, axis=1)[:, :n_negatives]  # (U, N)
    candidates = np.concatenate([target_ids[:, None], negatives], axis=1)  # (U, N + 1)
    sub_scores = np.take_along_axis(matrix, candidates, axis=1)  # (U, N + 1)
    return ranking_metrics(sub_scores, np.zeros(n_users, dtype=np.int64), ks=ks, ties=ties)
