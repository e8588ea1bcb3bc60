"""Repeated targets under ``exclude=``: raise, count as a miss, or keep as a candidate."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.errors import InputError
from tslib.metrics import (
    hit_rate_at_k,
    mrr,
    ndcg_at_k,
    per_user_ranking_metrics,
    rank_targets,
    ranking_metrics,
    sampled_ranking_metrics,
)

SCORES = np.array(
    [
        [0.9, 0.1, 0.5, 0.3, 0.7],  # target 2: seen items 0, 4 above it -> rank 1 after exclusion
        [0.2, 0.8, 0.1, 0.6, 0.4],  # target 1 was seen before (a repeat); 3 is seen too
        [0.5, 0.4, 0.3, 0.2, 0.1],  # target 4, nothing seen -> rank 5
    ]
)
TARGETS = np.array([2, 1, 4])
SEEN = np.zeros_like(SCORES, dtype=bool)
SEEN[0, [0, 4]] = True
SEEN[1, [1, 3]] = True


def test_default_raises_and_names_the_row_and_the_options():
    with pytest.raises(InputError, match="user row 1.*repeats='miss' or 'keep'"):
        rank_targets(SCORES, TARGETS, exclude=SEEN)
    with pytest.raises(InputError, match="user row 1"):
        sampled_ranking_metrics(SCORES, TARGETS, n_negatives=2, exclude=SEEN)


def test_unknown_option_is_named():
    with pytest.raises(InputError, match="repeats must be one of"):
        hit_rate_at_k(SCORES, TARGETS, exclude=SEEN, repeats="drop")


def test_miss_scores_zero_for_the_repeated_target_only():
    ranks = rank_targets(SCORES, TARGETS, exclude=SEEN, repeats="miss")
    assert ranks.tolist() == [1.0, np.inf, 5.0]
    assert hit_rate_at_k(SCORES, TARGETS, k=1, exclude=SEEN, repeats="miss") == pytest.approx(1 / 3)
    assert ndcg_at_k(SCORES, TARGETS, k=5, exclude=SEEN, repeats="miss") == pytest.approx(
        (1.0 + 0.0 + 1 / np.log2(6)) / 3
    )
    assert mrr(SCORES, TARGETS, exclude=SEEN, repeats="miss") == pytest.approx((1 + 0 + 1 / 5) / 3)
    per_user = per_user_ranking_metrics(SCORES, TARGETS, (1, 5), SEEN, repeats="miss")
    assert per_user["HR@5"].tolist() == [1.0, 0.0, 1.0]
    assert per_user["MRR"].tolist() == pytest.approx([1.0, 0.0, 0.2])


def test_miss_with_average_ties_is_still_zero():
    scores = np.zeros((2, 4))
    exclude = np.array([[True, False, False, False], [False, False, False, False]])
    metrics = ranking_metrics(scores, [0, 0], ks=(4,), exclude=exclude, ties="average",
                              repeats="miss")  # fmt: skip
    assert metrics["HR@4"] == pytest.approx(0.5)  # row 0 missed, row 1 certainly in the top 4
    assert rank_targets(scores, [0, 0], exclude, "average", "miss").tolist() == [np.inf, 2.5]


def test_keep_ranks_the_target_among_the_unseen_items():
    # row 1: candidates are items 0, 1 (target, unmasked), 2, 4 -> 0.8 is the best: rank 1
    ranks = rank_targets(SCORES, TARGETS, exclude=SEEN, repeats="keep")
    assert ranks.tolist() == [1.0, 1.0, 5.0]
    lower = SCORES.copy()
    lower[1, 1] = 0.15  # below 0.2 and 0.4 (3 at 0.6 stays excluded) -> rank 3
    assert rank_targets(lower, TARGETS, exclude=SEEN, repeats="keep").tolist() == [1.0, 3.0, 5.0]


def test_options_agree_when_nothing_is_repeated():
    seen = SEEN.copy()
    seen[1] = False
    expected = ranking_metrics(SCORES, TARGETS, ks=(1, 3), exclude=seen)
    for repeats in ("miss", "keep"):
        assert ranking_metrics(SCORES, TARGETS, (1, 3), seen, repeats=repeats) == expected


def test_per_user_means_equal_the_reported_metrics():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(40, 30))
    targets = rng.integers(0, 30, 40)
    exclude = rng.random((40, 30)) < 0.2
    per_user = per_user_ranking_metrics(scores, targets, (5, 10), exclude, repeats="miss")
    means = ranking_metrics(scores, targets, (5, 10), exclude, repeats="miss")
    assert {name: pytest.approx(float(v.mean())) for name, v in per_user.items()} == means
    assert all(v.shape == (40,) for v in per_user.values())


def test_sampled_miss_zeroes_the_repeated_user_and_keeps_the_others():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(6, 50))
    targets = np.arange(6)
    exclude = np.zeros_like(scores, dtype=bool)
    exclude[2, 2] = True  # user 2's target is a repeat
    exclude[:, 40:] = True
    missed = sampled_ranking_metrics(scores, targets, 10, seed=3, exclude=exclude, repeats="miss")
    kept = sampled_ranking_metrics(scores, targets, 10, seed=3, exclude=exclude, repeats="keep")
    assert kept["MRR"] > missed["MRR"]
    # 'keep' equals an unmasked target; 'miss' drops exactly user 2's reciprocal rank
    unmasked = exclude.copy()
    unmasked[2, 2] = False
    alone = sampled_ranking_metrics(scores, targets, 10, seed=3, exclude=unmasked)
    assert alone == kept
    assert missed["MRR"] * 6 == pytest.approx(kept["MRR"] * 6 - _sampled_rr(scores, 2, unmasked))


def _sampled_rr(scores: np.ndarray, user: int, exclude: np.ndarray) -> float:
    """Reciprocal rank of ``user``'s target in a seed-3 sample (same draw as the metric)."""
    keys = np.random.default_rng(3).random(scores.shape)
    blocked = exclude.copy()
    blocked[np.arange(scores.shape[0]), np.arange(scores.shape[0])] = True
    keys[blocked] = np.inf
    negatives = np.argpartition(keys, 9, axis=1)[user, :10]
    return 1.0 / (1 + int(np.sum(scores[user, negatives] >= scores[user, user])))
