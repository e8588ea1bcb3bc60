"""The ranking replay (``tslib.replay`` of a next-item encoder on an events frame): ranks at
every tick, interleaved users, latency budget, state bytes, device default."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import tslib as ts
from tslib.encoders import NextItemEncoder, SASRecEncoder
from tslib.errors import DataError, InputError
from tslib.evaluate.ranking_replay import RANKING_REPLAY_COLUMNS, RankingReplayResult
from tslib.evaluate.ranking_walk import _score_histories as score_histories
from tslib.metrics import rank_targets
from tslib.runner import StepwiseRunner

N_ITEMS = 30


def ranking_replay(model_or_runner, events, **options) -> RankingReplayResult:
    """The verb, checked to pick the ranking protocol."""
    result = ts.replay(model_or_runner, events, **options)
    assert isinstance(result, RankingReplayResult)
    return result


def make_models():
    return [
        NextItemEncoder(N_ITEMS, embedding_dim=4, hidden_size=6, seed=1),
        SASRecEncoder(N_ITEMS, d_model=8, n_heads=2, num_layers=2, context=16, seed=1).eval(),
    ]


def log(seed: int = 0) -> tuple[dict, pd.DataFrame]:
    """Warm-up histories (distinct items) and live events of 5 users, one of them cold."""
    rng = np.random.default_rng(seed)
    warmup, rows = {}, []
    for user in range(5):
        items = rng.permutation(N_ITEMS)[:9]
        if user != 4:
            warmup[user] = items[:5]
        live = items[5:] if user != 4 else items[:4]
        times = np.sort(rng.integers(0, 50, live.size))
        rows += [(user, int(i), int(t)) for i, t in zip(live, times)]
    frame = pd.DataFrame(rows, columns=["user", "item", "timestamp"])
    return warmup, frame.sample(frac=1.0, random_state=seed).sort_values("user", kind="stable")


@pytest.mark.parametrize("model", make_models(), ids=["gru4rec", "sasrec"])
def test_ranks_equal_offline_ranks_of_the_same_histories(model):
    warmup, events = log()
    result = ranking_replay(model, events, warmup=warmup, k=5)
    frame = result.frame
    assert list(frame.columns) == RANKING_REPLAY_COLUMNS and len(frame) == len(events)
    for row in frame.itertuples():
        before = frame.loc[(frame["user"] == row.user) & (frame["tick"] < row.tick), "item"]
        history = np.r_[warmup.get(row.user, np.zeros(0, np.int64)), before].astype(np.int64)
        if history.size == 0:
            assert math.isnan(row.rank)  # a cold user's first event has no prediction
            continue
        scores = score_histories(model, [history])
        seen = np.zeros((1, N_ITEMS), dtype=bool)
        seen[0, history] = True
        assert row.rank == rank_targets(scores, [row.item], exclude=seen)[0]
        served = np.where(np.isin(np.arange(N_ITEMS), np.r_[history, row.item]), -np.inf,
                          score_histories(model, [np.r_[history, row.item]])[0])  # fmt: skip
        assert set(row.top_k) == set(np.argsort(-served)[:5].tolist())
    assert result.summary["ranked"] == len(events) - 1
    assert result.summary["state_bytes_per_user"] == model.state_bytes_per_stream()


def test_events_are_interleaved_in_global_time_order_keeping_each_users_order():
    events = pd.DataFrame(
        {"user": [0, 0, 0, 1, 1], "item": [1, 2, 3, 4, 5], "timestamp": [5, 5, 9, 1, 7]}
    )
    frame = ranking_replay(make_models()[0], events).frame
    assert frame["item"].tolist() == [4, 1, 2, 5, 3]
    assert frame["tick"].tolist() == list(range(5))
    assert frame["event"].tolist() == [3, 0, 1, 4, 2]


def test_all_users_live_in_one_runner():
    warmup, events = log(1)
    runner = StepwiseRunner(make_models()[0], device="cpu")
    summary = ranking_replay(runner, events, warmup=warmup).summary
    assert len(runner) == summary["users"] == 5
    assert summary["events"] == len(events)


def test_latency_budget_with_a_fake_clock():
    ticks = itertools.count(step=3_000_000)  # every clock call advances 3 ms
    warmup, events = log()
    result = ranking_replay(make_models()[0], events, warmup=warmup, latency_budget_ms=2.0,
                            clock=lambda: next(ticks))  # fmt: skip
    assert (result.frame["latency_us"] == 3000.0).all()
    assert result.summary["within_budget"] == 0.0
    assert result.summary["p50_us"] == result.summary["p99_us"] == 3000.0
    relaxed = ranking_replay(make_models()[0], events, warmup=warmup, latency_budget_ms=1e6)
    assert relaxed.summary["within_budget"] == 1.0


def test_repeated_items_follow_the_repeats_option():
    events = pd.DataFrame({"user": [0, 0, 0], "item": [3, 4, 3], "timestamp": [1, 2, 3]})
    model = make_models()[0]
    assert math.isinf(ranking_replay(model, events).frame["rank"].iloc[2])
    kept = ranking_replay(model, events, repeats="keep").frame["rank"].iloc[2]
    assert 1 <= kept <= N_ITEMS - 1
    unmasked = ranking_replay(model, events, exclude_seen=False).frame
    assert 1 <= unmasked["rank"].iloc[2] <= N_ITEMS
    with pytest.raises(InputError, match="repeated target"):
        ranking_replay(model, events, repeats="raise")


def test_bad_inputs_are_named():
    model = make_models()[0]
    with pytest.raises(DataError, match=r"no column\(s\) \['timestamp'\]"):
        ranking_replay(model, pd.DataFrame({"user": [0], "item": [1]}))
    with pytest.raises(DataError, match="item ids in"):
        ranking_replay(model, pd.DataFrame({"user": [0], "item": [N_ITEMS], "timestamp": [0]}))
    with pytest.raises(InputError, match="warmup of user 7"):
        ranking_replay(model, pd.DataFrame({"user": [0], "item": [1], "timestamp": [0]}),
                       warmup={7: [N_ITEMS + 3]})  # fmt: skip
    with pytest.raises(InputError, match="k must be"):
        ranking_replay(model, pd.DataFrame({"user": [0], "item": [1], "timestamp": [0]}), k=0)


def test_seen_items_outside_the_warmup_are_excluded_but_not_read():
    model = make_models()[0]
    events = pd.DataFrame({"user": [0, 0], "item": [5, 6], "timestamp": [1, 2]})
    older = np.arange(10, 20)  # consumed long ago: not read by the model
    plain = ranking_replay(model, events, warmup={0: [1, 2]}).frame
    masked = ranking_replay(model, events, warmup={0: [1, 2]}, seen={0: older}).frame
    scores = score_histories(model, [np.array([1, 2])])
    exclude = np.zeros((1, N_ITEMS), dtype=bool)
    exclude[0, [1, 2]] = True
    assert plain["rank"].iloc[0] == rank_targets(scores, [5], exclude=exclude)[0]
    exclude[0, older] = True
    assert masked["rank"].iloc[0] == rank_targets(scores, [5], exclude=exclude)[0]
    assert not set(masked["top_k"].iloc[0]) & set(older.tolist())
    with pytest.raises(InputError, match="seen items of user 0"):
        ranking_replay(model, events, seen={0: [N_ITEMS]})


def test_a_model_gets_a_runner_on_the_auto_device(monkeypatch):
    import tslib.evaluate.ranking_replay as module

    made = []

    class Recording(StepwiseRunner):
        def __init__(self, model, device="cpu", **kwargs):
            made.append(device)
            super().__init__(model, device="cpu", **kwargs)

    monkeypatch.setattr(module, "StepwiseRunner", Recording)
    events = pd.DataFrame({"user": [0, 0], "item": [1, 2], "timestamp": [1, 2]})
    ranking_replay(make_models()[0], events)
    ranking_replay(make_models()[0], events, device="cpu")
    assert made == ["auto", "cpu"]


def test_the_verb_picks_the_ranking_protocol_and_refuses_other_data():
    from tslib.evaluate.protocols import protocol_for

    model = make_models()[0]
    events = pd.DataFrame({"user": [0], "item": [1], "timestamp": [0]})
    assert protocol_for(model, events, "replay").name == "ranking"
    assert (
        protocol_for(StepwiseRunner(model, device="cpu").model, events, "replay").name == "ranking"
    )
    assert protocol_for(model, {0: np.zeros((3, 1))}, "replay").name != "ranking"
