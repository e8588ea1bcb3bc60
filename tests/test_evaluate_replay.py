"""Tests for tslib.evaluate.replay: predictions, delayed labels and deadline accounting."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from tslib.encoders import RecurrentEncoder
from tslib.errors import InputError
from tslib.evaluate import iter_replay, replay
from tslib.runner import StepwiseRunner


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_model(seed: int = 0, **kwargs) -> RecurrentEncoder:
    torch.manual_seed(seed)
    return RecurrentEncoder(input_size=2, hidden_size=8, output_size=1, **kwargs).eval()


def make_streams(lengths=(12, 7), seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"s{i}": rng.standard_normal((n, 2)) for i, n in enumerate(lengths)}


def forward_points(model, x: np.ndarray) -> np.ndarray:
    """Point outputs of ``model.forward`` over the whole stream, (T,)."""
    with torch.no_grad():
        outputs, _ = model(torch.tensor(x, dtype=torch.float32)[None])  # (1, T, O)
    return model.point(outputs[0])[:, 0].double().numpy()


class FakeClock:
    """Nanosecond clock: the k-th observe call takes ``durations_ns[k]``."""

    def __init__(self, durations_ns):
        self.durations = list(durations_ns)
        self.now = 0
        self.calls = 0

    def __call__(self) -> int:
        if self.calls % 2 == 1:  # end of an observe call
            self.now += self.durations[self.calls // 2]
        self.calls += 1
        return self.now


def test_predictions_are_forward_outputs_shifted_by_one_for_each_stream():
    model = make_model()
    streams = make_streams()
    frame, summary = replay(model, streams, device="cpu")
    assert len(frame) == 12 + 7
    for stream, x in streams.items():
        rows = frame[frame["stream"] == stream].sort_values("t")
        assert rows["t"].tolist() == list(range(len(x)))
        assert math.isnan(rows["y_pred"].iloc[0])  # nothing observed yet at t = 0
        np.testing.assert_allclose(
            rows["y_pred"].iloc[1:], forward_points(model, x)[:-1], atol=1e-5
        )
        np.testing.assert_array_equal(rows["y_true"], x[:, 0])  # default label: column 0
    assert summary["ticks"] == 12
    assert summary["n_predictions"] == 11 + 6
    assert summary["n_revealed"] == 11 + 6
    errors = np.concatenate([forward_points(model, x)[:-1] - x[1:, 0] for x in streams.values()])
    assert summary["mae"] == pytest.approx(np.abs(errors).mean(), abs=1e-5)
    assert summary["rmse"] == pytest.approx(np.sqrt((errors**2).mean()), abs=1e-5)


def test_replay_is_the_drained_generator_and_continues_a_warm_runner():
    model = make_model(seed=1)
    x = make_streams((15,), seed=1)["s0"]
    runner = StepwiseRunner(model, device="cpu")
    for t in range(10):
        runner.step(["live"], x[t : t + 1])
    records = list(iter_replay(runner, {"live": x[10:]}))
    expected = forward_points(model, x)  # prediction for t + 1 after observing t
    np.testing.assert_allclose([r["y_pred"] for r in records], expected[9:14], atol=1e-5)
    assert runner.step_count("live") == 15
    fresh = StepwiseRunner(model, device="cpu")
    for t in range(10):
        fresh.step(["live"], x[t : t + 1])
    frame, _ = replay(fresh, {"live": x[10:]})
    np.testing.assert_allclose(frame["y_pred"], [r["y_pred"] for r in records], atol=1e-6)


def test_label_delay_reveals_labels_late():
    model = make_model(seed=2)
    x = make_streams((10,), seed=2)["s0"]
    labels = np.arange(10.0)
    frame, summary = replay(model, {7: x}, targets={7: labels}, label_delay=3, device="cpu")
    predictions = frame["y_pred"].to_numpy()
    np.testing.assert_array_equal(frame["y_true"], labels)
    np.testing.assert_array_equal(frame["revealed_at"], np.arange(10) + 3)
    for t in range(10):
        seen = [s for s in range(1, 10) if s <= t - 3]  # predictions exist from t = 1
        row = frame.iloc[t]
        assert row["n_revealed"] == len(seen)
        if seen:
            expected = np.mean([abs(predictions[s] - labels[s]) for s in seen])
            assert row["running_mae"] == pytest.approx(expected)
        else:
            assert math.isnan(row["running_mae"])
    # Labels of t = 7, 8, 9 would be revealed after the stream ended: never counted.
    assert summary["n_revealed"] == 6
    assert summary["mae"] == pytest.approx(frame["running_mae"].iloc[-1])
    assert summary["n_predictions"] == 9


def test_deadline_misses_with_an_injected_clock():
    model = make_model(seed=3)
    streams = make_streams((6, 4), seed=3)
    durations = [500_000, 3_000_000, 1_000_000, 2_500_000, 100, 2_000_001]  # ns per tick
    frame, summary = replay(
        model, streams, latency_budget_ms=2.0, clock=FakeClock(durations), device="cpu"
    )
    ticks = frame.drop_duplicates("t").set_index("t")
    np.testing.assert_allclose(ticks["latency_us"], np.array(durations) / 1e3)
    assert ticks["deadline_miss"].tolist() == [False, True, False, True, False, True]
    assert frame.groupby("t")["deadline_miss"].nunique().max() == 1  # shared by a tick's streams
    assert summary["deadline_misses"] == 3
    assert summary["miss_rate"] == pytest.approx(0.5)
    assert summary["max_us"] == pytest.approx(3000.0)
    assert summary["p50_us"] == pytest.approx(np.median(durations) / 1e3)
    assert summary["latency_budget_ms"] == 2.0


def test_real_clock_budgets_zero_and_huge():
    model = make_model(seed=4)
    streams = make_streams((5,), seed=4)
    frame, summary = replay(model, streams, latency_budget_ms=0.0, device="cpu")
    assert frame["deadline_miss"].all() and summary["deadline_misses"] == 5
    assert (frame["latency_us"] > 0).all()
    frame, summary = replay(model, streams, latency_budget_ms=1e9, device="cpu")
    assert not frame["deadline_miss"].any() and summary["deadline_misses"] == 0
    frame, summary = replay(model, streams, device="cpu")
    assert not frame["deadline_miss"].any()


def test_bad_arguments_raise_input_error():
    model = make_model()
    streams = make_streams((5,))
    with pytest.raises(InputError, match="label_delay"):
        replay(model, streams, label_delay=-1)
    with pytest.raises(InputError, match="no targets for stream 's0'"):
        replay(model, streams, targets={"other": np.zeros(5)})
    with pytest.raises(InputError, match="5 steps but 4 targets"):
        replay(model, streams, targets={"s0": np.zeros(4)})
    with pytest.raises(InputError, match="no evaluation protocol accepts a object"):
        replay(object(), streams)
    with pytest.raises(InputError, match="target_column 3"):
        replay(model, streams, target_column=3)
    with pytest.raises(InputError, match="stream 's0' must be"):
        replay(model, {"s0": np.zeros((0, 2))})
    with pytest.raises(InputError, match="stream 's0' must be numeric"):
        replay(model, {"s0": np.array([[1.0, "rain"]], dtype=object)})


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_replay_on_cuda_matches_forward_on_cpu():
    model = make_model(seed=5)
    streams = make_streams((9, 5), seed=5)
    expected = {stream: forward_points(model, x) for stream, x in streams.items()}
    frame, summary = replay(model, streams, latency_budget_ms=1e9, device="cuda")
    assert next(model.parameters()).is_cuda
    for stream, points in expected.items():
        rows = frame[frame["stream"] == stream].sort_values("t")
        np.testing.assert_allclose(rows["y_pred"].iloc[1:], points[:-1], atol=1e-4)
    assert summary["ticks"] == 9 and summary["deadline_misses"] == 0
    assert (frame["latency_us"] > 0).all()


def test_streams_in_their_own_units_and_the_next_forecast_with_its_interval():
    torch.manual_seed(5)
    model = RecurrentEncoder(input_size=2, hidden_size=8, output_size=1, head="gaussian").eval()
    streams = make_streams((9, 6), seed=5)
    transforms = {"s0": lambda v: 2.0 * v + 1.0, "s1": lambda v: 10.0 * v}
    plain, _ = replay(model, streams, device="cpu")
    frame, summary = replay(model, streams, target_transform=transforms, interval=0.9, device="cpu")
    for stream, inverse in transforms.items():
        mine, raw = (f[f["stream"] == stream] for f in (frame, plain))
        np.testing.assert_allclose(mine["y_true"], inverse(raw["y_true"].to_numpy()))
        np.testing.assert_allclose(mine["y_pred"], inverse(raw["y_pred"].to_numpy()))
    with torch.no_grad():
        outputs, _ = model(torch.tensor(streams["s1"], dtype=torch.float32)[None])  # (1, T, 2)
    mean, std = model.head.mean_std(model.head.transform(outputs[0, -1]))  # (1,) each
    z = float(stats.norm.ppf(0.95))
    point, low, high = summary["next_forecasts"]["s1"]
    assert point == pytest.approx(10.0 * float(mean[0]), rel=1e-4)
    assert (high - low) == pytest.approx(10.0 * 2 * z * float(std[0]), rel=1e-4)
    assert "next_forecasts" not in replay(model, streams, device="cpu").summary
    with pytest.raises(InputError, match="no transform for streams"):
        replay(model, streams, target_transform={"s0": transforms["s0"]}, device="cpu")
