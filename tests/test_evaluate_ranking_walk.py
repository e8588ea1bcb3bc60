"""The ranking protocol's backtest: ``tslib.backtest`` of rankers, next-item encoders and score
matrices on a NextItemTask, against the ranking metrics computed from the score matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tslib as ts
from tslib.baselines import ItemKNNRanker, MarkovChainRanker, PopularityRanker
from tslib.encoders import NextItemEncoder, SASRecEncoder
from tslib.errors import InputError
from tslib.evaluate import NextItemTask, ranking_scorers
from tslib.evaluate.protocols import protocol_for
from tslib.evaluate.ranking_walk import PROTOCOL, RANKING_BACKTEST_COLUMNS, _score_histories
from tslib.metrics import per_user_ranking_metrics, sampled_ranking_metrics
from tslib.runner import StepwiseRunner

N_ITEMS = 25


def make_task(seed: int = 0, n_users: int = 30, repeat_first: bool = True) -> NextItemTask:
    """Users with distinct-item histories of 2..10 items; the first user's target is a repeat."""
    rng = np.random.default_rng(seed)
    histories, targets = [], []
    for _ in range(n_users):
        items = rng.permutation(N_ITEMS)[: rng.integers(3, 12)]
        histories.append(items[:-1])
        targets.append(items[-1])
    if repeat_first:
        targets[0] = histories[0][0]
    return NextItemTask(np.arange(100, 100 + n_users), tuple(histories), np.array(targets), N_ITEMS)


def encoders():
    return {
        "gru4rec": NextItemEncoder(N_ITEMS, embedding_dim=4, hidden_size=6, seed=1),
        "sasrec": SASRecEncoder(N_ITEMS, d_model=8, n_heads=2, num_layers=2, context=6, seed=1),
    }


def rankers():
    return {
        "pop": PopularityRanker(N_ITEMS),
        "markov": MarkovChainRanker(N_ITEMS),
        "itemknn": ItemKNNRanker(N_ITEMS, n_recent=3),
    }


def reference_scores(name: str, model: object, task: NextItemTask, max_len: int) -> np.ndarray:
    if isinstance(model, np.ndarray):
        return model
    if name in rankers():
        return model.clone().fit(task.interactions()).score(task.users.tolist())
    return _score_histories(model, task.histories, max_len=max_len)


def test_scores_after_histories_equal_runner_steps():
    task = make_task(3)
    for model in encoders().values():
        scores = _score_histories(model, task.histories, max_len=4, batch_size=7)
        runner = StepwiseRunner(model, device="cpu")
        for user, history in zip(task.users.tolist(), task.histories):
            for item in history[-4:]:
                runner.step([user], np.array([[float(item)]]))
        stepped = np.stack([runner.last_output(u).numpy() for u in task.users.tolist()])
        np.testing.assert_allclose(scores, stepped, atol=1e-5)
    with pytest.raises(InputError, match="history 1 is empty"):
        _score_histories(encoders()["gru4rec"], [np.array([1]), np.array([], dtype=np.int64)])


@pytest.mark.parametrize("exclude_seen", [True, False])
def test_backtest_scores_equal_the_metrics_of_each_score_matrix(exclude_seen):
    task = make_task()
    oracle = np.random.default_rng(5).random((len(task), N_ITEMS))
    models = {**encoders(), **rankers(), "oracle": oracle}
    frame = ts.backtest(models, task, max_len=5, exclude_seen=exclude_seen, n_negatives=8, seed=3)
    assert list(frame.columns) == RANKING_BACKTEST_COLUMNS
    assert frame.attrs["protocols"] == dict.fromkeys(models, "ranking")
    assert frame["model"].unique().tolist() == list(models)
    scorers = ranking_scorers((3, 10), sampled=True)
    table = ts.score(frame, scorers, by=["model"]).set_index("model")
    per_user = ts.score(frame, scorers, by=["model", "user"])
    exclude = task.seen_mask() if exclude_seen else None
    for name, model in models.items():
        scores = reference_scores(name, model, task, 5)
        expected = per_user_ranking_metrics(scores, task.targets, (3, 10), exclude, repeats="miss")
        rows = per_user[per_user["model"] == name]
        for metric, values in expected.items():
            np.testing.assert_array_equal(rows[metric].to_numpy(), values)
            assert table.loc[name, metric] == np.mean(values)  # exact: same order, same sum
        sampled = sampled_ranking_metrics(
            scores, task.targets, 8, seed=3, ks=(3, 10), exclude=exclude, repeats="miss"
        )
        for metric in ("HR@3", "NDCG@3", "HR@10", "NDCG@10"):
            assert table.loc[name, f"{metric} (sampled)"] == sampled[metric]
    if exclude_seen:  # the first user's target is a repeat: a miss for every model
        first = frame[frame["user"] == task.users[0]]
        assert np.isinf(first["rank"]).all() and np.isinf(first["sampled_rank"]).all()


def test_average_ties_match_the_metrics_and_differ_from_pessimistic():
    task = make_task(repeat_first=False)
    flat = np.zeros((len(task), N_ITEMS))  # every item tied
    average = ts.backtest({"flat": flat}, task, ties="average", scorers=["HR@10", "MRR"])
    pessimistic = ts.backtest({"flat": flat}, task, scorers=["HR@10"])
    expected = per_user_ranking_metrics(
        flat, task.targets, (10,), task.seen_mask(), ties="average", repeats="miss"
    )
    assert average.loc[0, "HR@10"] == pytest.approx(np.mean(expected["HR@10"]), abs=1e-12)
    assert average.loc[0, "MRR"] == pytest.approx(np.mean(expected["MRR"]), abs=1e-12)
    assert average.loc[0, "HR@10"] > 0 and pessimistic.loc[0, "HR@10"] == 0.0


def test_rankers_are_fitted_on_the_task_and_left_untouched():
    task = make_task()
    given = PopularityRanker(N_ITEMS)
    frame = ts.backtest({"pop": given}, task)
    assert not getattr(given, "_fitted", False)
    counts = np.bincount(np.concatenate(task.histories), minlength=N_ITEMS)
    best = np.argmax(np.where(task.seen_mask()[1], -1, counts))
    assert (frame.loc[1, "rank"] == 1.0) == (task.targets[1] == best)


def test_sampled_scorers_need_negatives_and_bad_inputs_are_named():
    task = make_task()
    with pytest.raises(InputError, match=r"n_negatives=N"):
        ts.backtest({"pop": PopularityRanker(N_ITEMS)}, task, scorers=["HR@10 (sampled)"])
    with pytest.raises(InputError, match="score matrix 'bad'"):
        ts.backtest({"bad": np.zeros((2, 2))}, task)
    with pytest.raises(InputError, match="ranker 'pop' has n_items=3"):
        ts.backtest({"pop": PopularityRanker(3)}, task)
    with pytest.raises(InputError, match="scores 7 items"):
        ts.backtest({"gru": NextItemEncoder(7, embedding_dim=2, hidden_size=2)}, task)
    with pytest.raises(InputError, match="fewer than n_negatives"):
        ts.backtest({"pop": PopularityRanker(N_ITEMS)}, task, n_negatives=N_ITEMS)
    with pytest.raises(InputError, match="ties"):
        ts.backtest({"pop": PopularityRanker(N_ITEMS)}, task, ties="optimistic")
    with pytest.raises(InputError, match="repeated target"):
        ts.backtest({"pop": PopularityRanker(N_ITEMS)}, task, repeats="raise")


def test_protocol_dispatch_and_named_scorers():
    task = make_task()
    assert protocol_for(PopularityRanker(N_ITEMS), task, "backtest").name == "ranking"
    assert protocol_for(encoders()["sasrec"], task, "backtest").name == "ranking"
    assert protocol_for(np.zeros((len(task), N_ITEMS)), task, "backtest").name == "ranking"
    assert protocol_for(encoders()["gru4rec"], np.arange(10.0), "backtest").name == "forecast"
    for name in ("HR@10", "NDCG@10", "MRR", "HR@10 (sampled)", "MRR (sampled)", "NDCG@100"):
        assert name in PROTOCOL.scorers
    frame = pd.DataFrame({"model": "m", "rank": [1.0, 4.0, np.inf]})
    table = ts.score(frame, ranking_scorers((3,)), by=["model"])
    assert table.loc[0, "HR@3"] == pytest.approx(1 / 3)
    assert table.loc[0, "MRR"] == pytest.approx((1 + 1 / 4) / 3)
