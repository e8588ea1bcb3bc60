r"""Next-item ranking metrics under full ranking (and sampled ranking for comparison).

Every user has one held-out target item. ``scores`` is an (n_users, n_items)
matrix, higher = better; ``exclude`` (optional, same shape, bool) removes items
from the candidate list, typically the items the user has already seen.

The target's rank is :math:`1 + g + e'`, where :math:`g` counts candidates with
a strictly higher score and :math:`e` candidates with an *equal* score. Ties:

* ``ties="pessimistic"`` (default) - the target is placed after all tied items,
  :math:`\mathrm{rank} = 1 + g + e`. A constant scorer gets HR@k = 0 (k <= e).
* ``ties="average"`` - the expectation under a uniformly random tie-break:
  rank is uniform on :math:`\{g+1, \dots, g+e+1\}` and each metric is averaged
  over those positions. A constant scorer gets HR@k = k / n_items.

A *repeated* target (one that ``exclude`` masks, e.g. an item the user saw
before) is handled by ``repeats``:

* ``"raise"`` (default) - an :class:`~tslib.errors.InputError` naming the row;
* ``"miss"`` - the target counts as not retrieved: rank :math:`\infty` and every
  metric 0 for that user (a recommender that never repeats cannot hit it);
* ``"keep"`` - the target stays a candidate of its own row (the other excluded
  items stay excluded), as when repeats are legitimate.

Per user, with rank :math:`r`: :math:`HR@k = 1\{r\le k\}`,
:math:`NDCG@k = 1\{r\le k\}/\log_2(r+1)` (one relevant item, so IDCG = 1),
:math:`MRR = 1/r` (no cut-off). Reported values are means over users;
:func:`per_user_ranking_metrics` gives the per-user values (for paired
bootstrap confidence intervals), and :func:`metrics_from_ranks` the same values
from ranks already computed (the ranking backtest keeps ranks, not scores).

Sampled metrics (:func:`sampled_ranking_metrics`) rank the target against
``n_negatives`` random non-excluded items only, as in many older papers; they are
biased upward and do not preserve model order (Krichene & Rendle, KDD 2020), so
report them only next to the full-ranking numbers; :func:`sampled_ranks` gives the
per-user ranks of that comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tslib.errors import InputError
from tslib.validation import as_index_array, check_one_of, check_positive_int

__all__ = [
    "rank_targets",
    "rank_bounds",
    "hit_rate_at_k",
    "ndcg_at_k",
    "mrr",
    "ranking_metrics",
    "per_user_ranking_metrics",
    "metrics_from_ranks",
    "sampled_ranks",
    "sampled_ranking_metrics",
    "REPEATS",
]

_TIES = ("pessimistic", "average")
#: Ways to treat a target that ``exclude`` masks (see the module docstring).
REPEATS = ("raise", "miss", "keep")


def _check_inputs(
    scores: object, targets: object, exclude: object | None, repeats: str = "raise"
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Checked ``(scores, targets, candidate mask or None, missed rows)``."""
    check_one_of(repeats, REPEATS, "repeats")
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
    rows = np.arange(matrix.shape[0])
    missed = np.zeros(matrix.shape[0], dtype=bool)
    mask = None
    if exclude is not None:
        mask = np.asarray(exclude)
        if mask.shape != matrix.shape or mask.dtype != bool:
            raise InputError(
                f"exclude must be a bool array of shape {matrix.shape}, got "
                f"{mask.dtype} {mask.shape}"
            )
        repeated = mask[rows, target_ids]  # (U,)
        if repeated.any():
            if repeats == "raise":
                user = int(np.flatnonzero(repeated)[0])
                raise InputError(
                    f"exclude masks the target item of user row {user} (a repeated target; "
                    "pass repeats='miss' or 'keep')"
                )
            mask = mask.copy()
            mask[rows, target_ids] = False  # the target is a candidate of its own row
            missed = repeated if repeats == "miss" else missed
    return matrix, target_ids, mask, missed


def _rank_bounds(
    scores: object, targets: object, exclude: object | None, repeats: str
) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst 1-based rank of each target given ties, both (n_users,).

    A missed (repeated, ``repeats="miss"``) target gets ``n_items + 1`` for both,
    a position with zero gain in every metric.
    """
    matrix, target_ids, mask, missed = _check_inputs(scores, targets, exclude, repeats)
    target_scores = matrix[np.arange(matrix.shape[0]), target_ids][:, None]  # (U, 1)
    candidate = np.ones_like(matrix, dtype=bool) if mask is None else ~mask  # (U, I)
    greater = np.sum((matrix > target_scores) & candidate, axis=1)  # (U,)
    equal = np.sum((matrix == target_scores) & candidate, axis=1) - 1  # (U,) without target
    best, worst = greater + 1, greater + equal + 1
    best[missed] = worst[missed] = matrix.shape[1] + 1
    return best, worst


def _check_ties(ties: str) -> None:
    if ties not in _TIES:
        raise InputError(f"ties must be one of {_TIES}, got {ties!r}")


def _position_mean(gain: np.ndarray, best: np.ndarray, worst: np.ndarray, ties: str) -> np.ndarray:
    """Per user, ``gain[rank]`` averaged over the tie range (average) or at ``worst``.

    ``gain`` is indexed by rank (``gain[0]`` unused, ``gain[n_items + 1] = 0`` for a
    missed target), length n_items + 2.
    """
    if ties == "pessimistic":
        return gain[worst]
    cumulative = np.cumsum(gain)  # cumulative[r] = sum of gain[1..r]
    return (cumulative[worst] - cumulative[best - 1]) / (worst - best + 1)


def _gains(n_items: int, k: int | None) -> dict[str, np.ndarray]:
    ranks = np.arange(n_items + 2, dtype=np.float64)  # index = rank; n_items + 1 = missed
    inside = ranks <= (n_items if k is None else min(k, n_items))
    inside[0] = False
    safe = np.maximum(ranks, 1.0)
    return {
        "hr": inside.astype(np.float64),
        "ndcg": np.where(inside, 1.0 / np.log2(safe + 1.0), 0.0),
        "mrr": np.where(inside, 1.0 / safe, 0.0),
    }


def _metric(name: str, scores, targets, k, exclude, ties, repeats) -> float:
    _check_ties(ties)
    if k is not None:
        k = check_positive_int(k, "k")
    best, worst = _rank_bounds(scores, targets, exclude, repeats)
    gain = _gains(np.shape(scores)[1], k)[name]
    return float(np.mean(_position_mean(gain, best, worst, ties)))


def rank_targets(
    scores: object,
    targets: object,
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> np.ndarray:
    """1-based rank of each user's target: worst tied rank, or the mean tied rank for ``average``.

    A missed repeated target (``repeats="miss"``) has rank ``inf``.
    """
    _check_ties(ties)
    best, worst = _rank_bounds(scores, targets, exclude, repeats)
    ranks = worst.astype(np.float64) if ties == "pessimistic" else (best + worst) / 2.0
    ranks[worst > np.shape(scores)[1]] = np.inf
    return ranks


def rank_bounds(
    scores: object,
    targets: object,
    exclude: object | None = None,
    repeats: str = "raise",
) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst 1-based rank of each user's target among its tied candidates.

    Both are (n_users,) floats; a missed repeated target (``repeats="miss"``) has
    ``inf`` for both. :func:`metrics_from_ranks` turns them into the metrics
    (``best_ranks=best`` for ``ties="average"``).
    """
    best, worst = _rank_bounds(scores, targets, exclude, repeats)
    missed = worst > np.shape(scores)[1]
    return np.where(missed, np.inf, best), np.where(missed, np.inf, worst)


def hit_rate_at_k(
    scores: object,
    targets: object,
    k: int = 10,
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> float:
    """Hit rate (recall) at ``k``: share of users whose target ranks in the top ``k``."""
    return _metric("hr", scores, targets, k, exclude, ties, repeats)


def ndcg_at_k(
    scores: object,
    targets: object,
    k: int = 10,
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> float:
    r"""NDCG at ``k`` with one relevant item: mean of :math:`1\{r\le k\}/\log_2(r+1)`."""
    return _metric("ndcg", scores, targets, k, exclude, ties, repeats)


def mrr(
    scores: object,
    targets: object,
    exclude: object | None = None,
    ties: str = "pessimistic",
    k: int | None = None,
    repeats: str = "raise",
) -> float:
    """Mean reciprocal rank of the target (cut at ``k`` when given: 0 beyond rank ``k``)."""
    return _metric("mrr", scores, targets, k, exclude, ties, repeats)


def per_user_ranking_metrics(
    scores: object,
    targets: object,
    ks: Sequence[int] = (10,),
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> dict[str, np.ndarray]:
    """Per-user ``HR@k``, ``NDCG@k`` (each ``k`` in ``ks``) and ``MRR``, arrays (n_users,).

    Their means are :func:`ranking_metrics`; keep them per user for paired
    comparisons (bootstrap) between models scored on the same users.
    """
    _check_ties(ties)
    best, worst = _rank_bounds(scores, targets, exclude, repeats)
    missed = worst > np.shape(scores)[1]
    worst = np.where(missed, np.inf, worst)  # (U,)
    best = np.where(missed, np.inf, best) if ties == "average" else None
    return metrics_from_ranks(worst, ks, best_ranks=best)


def _rank_index(ranks: object, name: str) -> np.ndarray:
    """Checked 1-based ranks (n_users,) as floats; ``inf`` marks a missed target."""
    values = np.asarray(ranks, dtype=np.float64)
    if values.ndim != 1:
        raise InputError(f"{name} must be one rank per user (1-D), got shape {values.shape}")
    finite = values[np.isfinite(values)]
    if np.isnan(values).any() or (values < 1).any() or np.any(finite != np.round(finite)):
        raise InputError(f"{name} must hold whole ranks >= 1 or inf (a missed target)")
    return values


def metrics_from_ranks(
    ranks: object, ks: Sequence[int] = (10,), best_ranks: object | None = None
) -> dict[str, np.ndarray]:
    """Per-user ``HR@k``, ``NDCG@k`` (each ``k`` in ``ks``) and ``MRR`` from target ranks.

    Parameters
    ----------
    ranks : array_like
        (n_users,) 1-based rank of each user's target, the worst rank among ties
        (:func:`rank_targets`); ``inf`` for a missed target (every metric 0).
    ks : sequence of int
        Cut-offs of HR and NDCG.
    best_ranks : array_like, optional
        (n_users,) best rank among ties: each metric is then averaged over the
        positions ``best .. rank`` (``ties="average"``); without it, the metric of
        ``rank`` (``ties="pessimistic"``).

    Returns
    -------
    dict
        Metric name -> (n_users,) float array, the values of :func:`per_user_ranking_metrics`.

    Examples
    --------
    >>> metrics_from_ranks([1, 3, np.inf], ks=(2,))["HR@2"].tolist()
    [1.0, 0.0, 0.0]
    """
    worst = _rank_index(ranks, "ranks")
    best = worst if best_ranks is None else _rank_index(best_ranks, "best_ranks")
    if best.shape != worst.shape or np.any(best > worst):
        raise InputError("best_ranks must match ranks in shape and never exceed them")
    finite = np.isfinite(worst)
    top = int(worst[finite].max()) if finite.any() else 0  # gains up to here, then a zero slot
    worst_at = np.where(finite, worst, top + 1).astype(np.int64)  # (U,)
    best_at = np.where(np.isfinite(best), best, top + 1).astype(np.int64)  # (U,)
    ties = "pessimistic" if best_ranks is None else "average"
    results: dict[str, np.ndarray] = {}
    for k in ks:
        gains = _gains(top, check_positive_int(k, "k"))
        results[f"HR@{k}"] = _position_mean(gains["hr"], best_at, worst_at, ties)
        results[f"NDCG@{k}"] = _position_mean(gains["ndcg"], best_at, worst_at, ties)
    results["MRR"] = _position_mean(_gains(top, None)["mrr"], best_at, worst_at, ties)
    return results


def ranking_metrics(
    scores: object,
    targets: object,
    ks: Sequence[int] = (10,),
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> dict[str, float]:
    """``HR@k`` and ``NDCG@k`` for each ``k`` in ``ks`` plus ``MRR``, computing the ranks once."""
    per_user = per_user_ranking_metrics(scores, targets, ks, exclude, ties, repeats)
    return {name: float(np.mean(values)) for name, values in per_user.items()}


def sampled_ranks(
    scores: object,
    targets: object,
    n_negatives: int = 100,
    seed: int = 0,
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst 1-based rank of each target among itself and ``n_negatives`` sampled items.

    For each user, ``n_negatives`` items are drawn uniformly without replacement
    from the items that are neither the target nor excluded. The draw depends only
    on ``seed``, the shapes and the candidate sets, so models scored with the same
    ``seed`` share their negatives. A missed repeated target (``repeats="miss"``)
    has rank ``inf``. With ``ties="pessimistic"`` both arrays are the worst rank.

    Returns
    -------
    best, worst : numpy.ndarray
        (n_users,) float ranks in ``1 .. n_negatives + 1`` or ``inf``.
    """
    _check_ties(ties)
    matrix, target_ids, mask, missed = _check_inputs(scores, targets, exclude, repeats)
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
    best, worst = _rank_bounds(sub_scores, np.zeros(n_users, dtype=np.int64), None, "raise")
    worst = np.where(missed, np.inf, worst)  # (U,)
    best = np.where(missed, np.inf, best if ties == "average" else worst)  # (U,)
    return best, worst


def sampled_ranking_metrics(
    scores: object,
    targets: object,
    n_negatives: int = 100,
    seed: int = 0,
    ks: Sequence[int] = (10,),
    exclude: object | None = None,
    ties: str = "pessimistic",
    repeats: str = "raise",
) -> dict[str, float]:
    """Ranking metrics against ``n_negatives`` sampled items per user (paper-comparison only).

    The target is ranked among itself and the negatives of :func:`sampled_ranks`
    (same ``seed``, same negatives), and the metrics are averaged over users. A
    missed repeated target (``repeats="miss"``) scores 0 for its user.
    """
    best, worst = sampled_ranks(scores, targets, n_negatives, seed, exclude, ties, repeats)
    per_user = metrics_from_ranks(worst, ks, best_ranks=best if ties == "average" else None)
    return {name: float(np.mean(values)) for name, values in per_user.items()}
