"""Popularity, Markov-chain and item-kNN rankers on tiny hand-checkable interaction logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from tslib.baselines import ItemKNNRanker, MarkovChainRanker, PopularityRanker
from tslib.errors import InputError, StateError
from tslib.metrics import rank_targets


def log(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user", "item", "timestamp"])


# two users walk 0 -> 1 -> 2 -> 3, a third sees 1 then 4 (rows out of time order on purpose)
LOG = log(
    [("a", 1, 2), ("a", 0, 1), ("a", 2, 3), ("a", 3, 4), ("b", 0, 5), ("b", 1, 6), ("b", 2, 7),
     ("b", 3, 8), ("c", 4, 10), ("c", 1, 9)]
)  # fmt: skip
N_ITEMS = 5


def test_popularity_counts_and_update():
    model = PopularityRanker(N_ITEMS).fit(LOG)
    np.testing.assert_array_equal(model.score(["a"])[0], [2, 3, 2, 2, 1])
    model.update("new", 4).update("new", 4)
    np.testing.assert_array_equal(model.score(["zzz"])[0], [2, 3, 2, 2, 3])


def test_markov_chain_ranks_true_next_item_first():
    model = MarkovChainRanker(N_ITEMS, smoothing=0.5).fit(
        log([("a", 0, 1), ("a", 1, 2), ("a", 2, 3), ("a", 3, 4), ("b", 0, 1), ("b", 1, 2)])
    )
    # user b is at item 1; the only observed successor of 1 is 2
    assert rank_targets(model.score(["b"]), [2]).tolist() == [1.0]
    np.testing.assert_array_equal(np.argmax(model.score_from_items([0, 1, 2]), axis=1), [1, 2, 3])


def test_markov_chain_smoothing_hand_value():
    model = MarkovChainRanker(N_ITEMS, smoothing=2.0).fit(LOG)
    # transitions from 1: 1->2 twice (users a, b), 1->4 once (user c): N_1 = 3
    popularity = np.array([2, 3, 2, 2, 1]) / 10
    expected = (np.array([0, 0, 2, 0, 1]) + 2.0 * popularity) / (3 + 2.0)
    np.testing.assert_allclose(model.score_from_items([1])[0], expected)
    # user c's last item (by timestamp) is 4, which has no successors: pure popularity
    np.testing.assert_allclose(model.score(["c"])[0], popularity)


def test_item_knn_similarity_matches_sklearn_cosine():
    model = ItemKNNRanker(N_ITEMS, n_recent=2).fit(LOG)
    binary = np.zeros((3, N_ITEMS))
    for user, item in zip(pd.factorize(LOG["user"])[0], LOG["item"]):
        binary[user, item] = 1.0
    reference = cosine_similarity(binary.T)
    np.fill_diagonal(reference, 0.0)
    np.testing.assert_allclose(model.similarity_rows(range(N_ITEMS)), reference, rtol=1e-6)
    # user a's two most recent items are 3 and 2
    np.testing.assert_allclose(model.score(["a"])[0], reference[3] + reference[2], rtol=1e-6)
    assert np.all(model.score(["unknown"]) == 0.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: PopularityRanker(N_ITEMS),
        lambda: MarkovChainRanker(N_ITEMS, smoothing=1.0),
        lambda: ItemKNNRanker(N_ITEMS, n_recent=3),
    ],
)
def test_fit_then_update_equals_fit_on_everything(make):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"user": rng.integers(0, 6, 60), "item": rng.integers(0, N_ITEMS, 60),
         "timestamp": rng.permutation(60)}
    )  # fmt: skip
    ordered = frame.sort_values("timestamp")
    head, tail = ordered.iloc[:40], ordered.iloc[40:]
    stepwise = make().fit(head.sample(frac=1.0, random_state=1))  # row order must not matter
    for user, item in zip(tail["user"], tail["item"]):
        stepwise.update(int(user), int(item))
    batch = make().fit(frame)
    users = list(range(7))  # includes one user never seen
    np.testing.assert_allclose(stepwise.score(users), batch.score(users), rtol=1e-6)
    np.testing.assert_array_equal(stepwise.seen_mask(users), batch.seen_mask(users))


def test_seen_mask_and_clone():
    model = ItemKNNRanker(N_ITEMS, n_recent=None).fit(LOG)
    assert model.seen_mask(["c", "x"]).tolist() == [
        [False, True, False, False, True],
        [False] * 5,
    ]
    assert model.clone().get_params() == {"n_items": N_ITEMS, "n_recent": None}
    assert not hasattr(model.clone(), "histories")


def test_bad_interactions_raise():
    with pytest.raises(InputError, match=r"lacks column\(s\) \['item'\]"):
        PopularityRanker(N_ITEMS).fit(pd.DataFrame({"user": [1]}))
    with pytest.raises(InputError, match="outside"):
        PopularityRanker(N_ITEMS).fit(log([("a", 7, 1)]))
    with pytest.raises(InputError, match="missing values in column"):
        PopularityRanker(N_ITEMS).fit(log([("a", 1, None), ("a", 2, 3)]))
    with pytest.raises(InputError, match="integer ids"):
        PopularityRanker(N_ITEMS).fit(log([("a", 1.5, 1)]))
    with pytest.raises(StateError, match="not fitted"):
        MarkovChainRanker(N_ITEMS).update("a", 1)
    with pytest.raises(InputError, match="item 9 outside"):
        MarkovChainRanker(N_ITEMS).fit(LOG).update("a", 9)


def test_update_with_a_frame_equals_row_by_row_updates():
    tail = log([("a", 4, 20), ("d", 2, 21), ("b", 4, 22), ("d", 0, 23)])
    by_frame = MarkovChainRanker(N_ITEMS).fit(LOG).update(tail.iloc[::-1])  # sorted by time
    by_row = MarkovChainRanker(N_ITEMS).fit(LOG)
    for user, item in zip(tail["user"], tail["item"]):
        by_row.update(user, int(item))
    users = ["a", "b", "c", "d"]
    np.testing.assert_array_equal(by_frame.score(users), by_row.score(users))
    assert by_frame.histories == by_row.histories


def test_update_arguments_are_checked_before_anything_changes():
    model = PopularityRanker(N_ITEMS).fit(LOG)
    counts = model.counts.copy()
    with pytest.raises(InputError, match="item is missing"):
        model.update("a")
    with pytest.raises(InputError, match="not both"):
        model.update(log([("a", 1, 30)]), 2)
    with pytest.raises(InputError, match="outside"):
        model.update(log([("a", 1, 30), ("a", 9, 31)]))  # the valid first row is not applied
    np.testing.assert_array_equal(model.counts, counts)
