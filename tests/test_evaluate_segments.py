"""Multi-horizon training data, segment-wise forecasts, scored points and the sensor replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.baselines import SeasonalNaiveForecaster
from tslib.encoders import CausalTransformerEncoder, RecurrentEncoder
from tslib.errors import InputError
from tslib.evaluate.segments import (
    horizon_frame,
    scored_points,
    seasonal_naive_origins,
    segment_outputs,
)
from tslib.evaluate.sensor_replay import replay_sensors
from tslib.preprocess.gaps import plan_gaps
from tslib.runner import StepwiseRunner
from tslib.training.multi_horizon import horizon_targets, masked_mse, segment_windows

HORIZONS = [1, 3]


def _stream(seed: int, size: int = 120) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    observed = rng.random(size) > 0.1
    observed[40:55] = False  # a long gap: reset at 55
    observed[0] = True
    x = rng.normal(size=(size, 3)).astype(np.float32)
    return x, observed


def test_horizon_targets_weight_only_observed_targets_inside_the_data():
    y = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    observed = np.isfinite(y)
    table = horizon_targets(y, observed, [1, 2])
    np.testing.assert_array_equal(table[:, :2], [[1, 0], [0, 3], [3, 4], [4, 0], [0, 0]])
    np.testing.assert_array_equal(table[:, 2:], [[1, 0], [0, 1], [1, 1], [1, 0], [0, 0]])


def test_masked_mse_ignores_zero_weight_entries():
    outputs = torch.tensor([[[1.0, 100.0]]])  # (1, 1, 2)
    target = torch.tensor([[[0.0, 0.0, 1.0, 0.0]]])  # values then weights
    assert masked_mse(outputs, target).item() == pytest.approx(1.0)
    with pytest.raises(InputError, match="weights"):
        masked_mse(outputs, target[..., :3])


def test_segment_windows_stay_inside_segments_and_cover_tails():
    x = np.arange(20.0)[:, None]
    target = np.arange(20.0)[:, None]
    windows, _ = segment_windows(x, target, [(0, 7), (9, 12), (12, 20)], length=4, stride=2)
    starts = windows[:, 0, 0].tolist()
    assert starts == [0.0, 2.0, 3.0, 12.0, 14.0, 16.0]
    with pytest.raises(InputError, match="no segment"):
        segment_windows(x, target, [(0, 3)], length=4)


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_segment_outputs_equal_a_runner_that_resets_after_long_gaps(kind):
    x, observed = _stream(0)
    plan = plan_gaps(observed, max_gap=3)
    assert plan.reset.sum() == 1
    if kind == "lstm":
        model = RecurrentEncoder(3, 8, len(HORIZONS), seed=0)
    else:
        model = CausalTransformerEncoder(3, d_model=8, output_size=2, n_heads=2, context=6, seed=0)
    outputs = segment_outputs(model, x, plan)
    runner = StepwiseRunner(model, device="cpu")
    for t in np.flatnonzero(plan.step):
        if plan.reset[t]:
            runner.reset(0)
        stepped = runner.step([0], x[t : t + 1]).numpy()[0]
        np.testing.assert_allclose(outputs[t], stepped, atol=1e-5)
    assert np.isnan(outputs[~plan.step]).all()


def test_scored_points_need_an_observed_target_and_a_warm_origin():
    observed = np.array([1, 1, 1, 0, 1, 1, 1, 1], dtype=bool)
    plan = plan_gaps(observed, max_gap=2)
    scored = scored_points(plan, [1, 2], start=1, warmup=2)
    assert scored[:, 0].astype(int).tolist() == [0, 1, 0, 1, 1, 1, 1, 0]
    assert scored[:, 1].astype(int).tolist() == [0, 0, 1, 1, 1, 1, 0, 0]


def test_seasonal_naive_origins_equal_the_forecaster_at_every_origin():
    rng = np.random.default_rng(5)
    y = rng.normal(size=60)
    table = seasonal_naive_origins(y, [1, 5, 9], season=4)
    for origin in (10, 33, 50):
        expected = SeasonalNaiveForecaster(season=4).fit(y[: origin + 1]).forecast(9)
        np.testing.assert_array_equal(table[origin], expected[[0, 4, 8]])
    assert np.isnan(table[2, 0]) and np.isnan(table[2, 1]) and np.isfinite(table[3, 1])


def test_horizon_frame_is_tidy_and_rejects_missing_forecasts():
    index = pd.date_range("2024-01-01", periods=5, freq="h")
    y = np.arange(5.0)
    scored = np.zeros((5, 2), dtype=bool)
    scored[1, 0] = scored[2, 1] = True
    good = np.ones((5, 2))
    frame = horizon_frame({"a": good}, y, scored, index, [1, 2], stream="s")
    assert frame[["horizon", "y_true"]].values.tolist() == [[1, 2.0], [2, 4.0]]
    assert frame["timestamp"].tolist() == [index[2], index[4]]
    bad = good.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InputError, match="same test points"):
        horizon_frame({"b": bad}, y, scored, index, [1, 2])


def test_replay_sensors_attach_reset_detach_and_match_the_forward():
    model = RecurrentEncoder(3, 8, 2, cell="gru", seed=1)
    streams = {f"s{k}": _stream(10 + k) for k in range(3)}
    plans = {s: plan_gaps(observed, max_gap=3) for s, (_, observed) in streams.items()}
    inputs = {s: x for s, (x, _) in streams.items()}
    runner = StepwiseRunner(model, device="cpu")
    ticks = iter(range(0, 10**9, 1000))  # a fake clock: 1 us per call
    result = replay_sensors(
        runner,
        inputs,
        plans,
        start=20,
        attach_at={"s2": 70},
        detach_at={"s1": 90},
        latency_budget_ms=0.0005,
        clock=lambda: next(ticks),
    )
    events = result.events
    assert set(events.loc[events["event"] == "attach", "stream"]) == {"s0", "s1", "s2"}
    assert events.loc[events["event"] == "detach", "stream"].tolist() == ["s1"]
    assert result.summary["resets"] == 2  # s0 and s1 return from the long gap at 55
    assert result.summary["deadline_misses"] == result.summary["ticks"]  # 1 us > 0.5 us
    assert "s1" not in runner and len(runner) == 2
    for stream in inputs:
        forward = segment_outputs(model, inputs[stream], plans[stream])
        replayed = result.outputs[stream]
        rows = np.isfinite(replayed[:, 0])
        assert rows.any()
        np.testing.assert_allclose(replayed[rows], forward[rows], atol=1e-5)
    assert not np.isfinite(result.outputs["s2"][:70]).any()
    assert not np.isfinite(result.outputs["s1"][90:]).any()
    assert result.summary["state_bytes_per_stream"] == 8 * 4  # one GRU layer of 8 floats


def test_replay_sensors_rejects_mismatched_streams():
    x, observed = _stream(0)
    runner = StepwiseRunner(RecurrentEncoder(3, 4, 1, seed=0), device="cpu")
    with pytest.raises(InputError, match="same stream ids"):
        replay_sensors(runner, {"a": x}, {"b": plan_gaps(observed, 2)})
    with pytest.raises(InputError, match="do not match"):
        replay_sensors(runner, {"a": x[:10]}, {"a": plan_gaps(observed, 2)})
