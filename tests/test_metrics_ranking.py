"""Full and sampled ranking metrics against hand-computed ranks."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.errors import InputError
from tslib.metrics import (
    hit_rate_at_k,
    metrics_from_ranks,
    mrr,
    ndcg_at_k,
    per_user_ranking_metrics,
    rank_bounds,
    rank_targets,
    ranking_metrics,
    sampled_ranking_metrics,
    sampled_ranks,
)

SCORES = np.array(
    [
        [0.9, 0.1, 0.5, 0.3, 0.7],  # target 2 -> rank 3
        [0.2, 0.8, 0.1, 0.6, 0.4],  # target 1 -> rank 1
        [0.5, 0.4, 0.3, 0.2, 0.1],  # target 4 -> rank 5
    ]
)
TARGETS = np.array([2, 1, 4])


def test_single_relevant_item_metrics_hand_values():
    assert rank_targets(SCORES, TARGETS).tolist() == [3.0, 1.0, 5.0]
    assert hit_rate_at_k(SCORES, TARGETS, k=3) == pytest.approx(2 / 3)
    assert ndcg_at_k(SCORES, TARGETS, k=3) == pytest.approx((1 / np.log2(4) + 1.0) / 3)
    assert ndcg_at_k(SCORES, TARGETS, k=5) == pytest.approx(
        (1 / np.log2(4) + 1.0 + 1 / np.log2(6)) / 3
    )
    assert mrr(SCORES, TARGETS) == pytest.approx((1 / 3 + 1 + 1 / 5) / 3)
    assert mrr(SCORES, TARGETS, k=3) == pytest.approx((1 / 3 + 1) / 3)


def test_exclude_seen_items_moves_target_up():
    seen = np.zeros_like(SCORES, dtype=bool)
    seen[0, [0, 4]] = True  # user 0 already saw the two items ranked above the target
    assert rank_targets(SCORES, TARGETS, exclude=seen).tolist() == [1.0, 1.0, 5.0]
    assert hit_rate_at_k(SCORES, TARGETS, k=1, exclude=seen) == pytest.approx(2 / 3)


def test_ties_pessimistic_versus_average():
    scores = np.array([[0.5, 0.5, 0.5, 0.5, 0.9]])  # target 0 tied with 3 others, 1 above
    target = [0]
    # pessimistic: rank 5; average: uniform over ranks 2..5
    assert rank_targets(scores, target).tolist() == [5.0]
    assert rank_targets(scores, target, ties="average").tolist() == [3.5]
    assert hit_rate_at_k(scores, target, k=3) == 0.0
    assert hit_rate_at_k(scores, target, k=3, ties="average") == pytest.approx(2 / 4)
    expected_ndcg = (1 / np.log2(3) + 1 / np.log2(4)) / 4
    assert ndcg_at_k(scores, target, k=3, ties="average") == pytest.approx(expected_ndcg)
    assert mrr(scores, target, ties="average") == pytest.approx((1 / 2 + 1 / 3 + 1 / 4 + 1 / 5) / 4)


def test_constant_scorer_average_ties_gives_chance_level():
    scores = np.zeros((4, 20))
    targets = [0, 5, 10, 19]
    assert hit_rate_at_k(scores, targets, k=10, ties="average") == pytest.approx(10 / 20)
    assert hit_rate_at_k(scores, targets, k=10) == 0.0


def test_ranking_metrics_bundle_matches_individual_functions():
    result = ranking_metrics(SCORES, TARGETS, ks=(1, 3))
    assert result["HR@1"] == pytest.approx(hit_rate_at_k(SCORES, TARGETS, k=1))
    assert result["NDCG@3"] == pytest.approx(ndcg_at_k(SCORES, TARGETS, k=3))
    assert result["MRR"] == pytest.approx(mrr(SCORES, TARGETS))


def test_sampled_metrics_with_all_negatives_equal_full_ranking():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(30, 12))
    targets = rng.integers(0, 12, 30)
    full = ranking_metrics(scores, targets, ks=(5,))
    sampled = sampled_ranking_metrics(scores, targets, n_negatives=11, ks=(5,))
    assert sampled == pytest.approx(full)


def test_sampled_metrics_are_optimistic_and_seeded():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(200, 500))
    targets = rng.integers(0, 500, 200)
    full = ranking_metrics(scores, targets, ks=(10,))
    first = sampled_ranking_metrics(scores, targets, n_negatives=50, seed=3)
    again = sampled_ranking_metrics(scores, targets, n_negatives=50, seed=3)
    assert first == again
    # random scores: full HR@10 ~ 10/500, sampled ~ 10/51
    assert full["HR@10"] < 0.06 < 0.12 < first["HR@10"] < 0.3


def test_sampled_negatives_skip_excluded_items():
    scores = np.array([[0.0, 9.0, 8.0, 1.0, 2.0]])
    seen = np.array([[False, True, True, False, False]])  # the high-scoring items are seen
    result = sampled_ranking_metrics(scores, [0], n_negatives=2, exclude=seen, ks=(3,))
    assert result["HR@3"] == 1.0 and result["MRR"] == pytest.approx(1 / 3)
    with pytest.raises(InputError, match="fewer than n_negatives=3"):
        sampled_ranking_metrics(scores, [0], n_negatives=3, exclude=seen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": np.ones(5), "targets": [0]}, "matrix"),
        ({"scores": SCORES, "targets": [0, 1]}, "2 entries but scores has 3"),
        ({"scores": SCORES, "targets": [0, 1, 7]}, r"targets must lie in \[0, 5\)"),
        ({"scores": np.where(SCORES > 0.85, np.nan, SCORES), "targets": TARGETS}, "NaN"),
        ({"scores": SCORES, "targets": TARGETS, "ties": "random"}, "ties must be"),
        (
            {"scores": SCORES, "targets": TARGETS, "exclude": np.eye(3, 5, k=2, dtype=bool)},
            "target item of user row 0",
        ),
    ],
)
def test_bad_input_raises(kwargs, message):
    with pytest.raises(InputError, match=message):
        hit_rate_at_k(**kwargs)


def test_metrics_from_ranks_equal_the_metrics_of_the_scores():
    rng = np.random.default_rng(2)
    scores = np.round(rng.normal(size=(40, 15)), 1)  # rounded: many ties
    targets = rng.integers(0, 15, 40)
    seen = rng.random((40, 15)) < 0.2
    for ties in ("pessimistic", "average"):
        expected = per_user_ranking_metrics(scores, targets, (1, 5), seen, ties, repeats="miss")
        best, worst = rank_bounds(scores, targets, seen, repeats="miss")
        got = metrics_from_ranks(worst, (1, 5), best_ranks=best if ties == "average" else None)
        assert got.keys() == expected.keys()
        for name in expected:
            np.testing.assert_array_equal(got[name], expected[name])
    assert np.isinf(worst[seen[np.arange(40), targets]]).all()  # repeated targets are missed
    assert (best <= worst).all() and (best < worst).any()


def test_metrics_from_ranks_hand_values_and_bad_ranks():
    got = metrics_from_ranks([1, 3, np.inf], ks=(2,))
    assert got["HR@2"].tolist() == [1.0, 0.0, 0.0]
    assert got["NDCG@2"].tolist() == [1.0, 0.0, 0.0]
    assert got["MRR"].tolist() == pytest.approx([1.0, 1 / 3, 0.0])
    averaged = metrics_from_ranks([4.0], ks=(2,), best_ranks=[1.0])  # uniform over ranks 1..4
    assert averaged["HR@2"][0] == pytest.approx(0.5)
    for bad in ([0.0], [1.5], [np.nan], [[1.0]]):
        with pytest.raises(InputError, match="ranks"):
            metrics_from_ranks(bad)
    with pytest.raises(InputError, match="never exceed"):
        metrics_from_ranks([2.0], best_ranks=[3.0])


def test_sampled_ranks_give_the_sampled_metrics():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(25, 40))
    targets = rng.integers(0, 40, 25)
    best, worst = sampled_ranks(scores, targets, n_negatives=9, seed=4)
    assert (worst <= 10).all() and (best == worst).all()
    means = {k: float(np.mean(v)) for k, v in metrics_from_ranks(worst, (3,)).items()}
    assert means == sampled_ranking_metrics(scores, targets, n_negatives=9, seed=4, ks=(3,))
