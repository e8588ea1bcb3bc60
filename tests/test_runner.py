"""StepwiseRunner and StatePool: stepping equals forward, pool growth and reuse, forecasts, stats."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tslib.encoders import ENCODER_REGISTRY
from tslib.errors import InputError, StateError
from tslib.runner import PlainKernel, StatePool, StepwiseRunner, resolve_device, rollout

pytestmark = pytest.mark.timeout(60)


def make_model(name: str = "recurrent", seed: int = 0, **overrides) -> torch.nn.Module:
    """A small seeded encoder from the registry (eval mode)."""
    configs = {
        "recurrent": {"input_size": 3, "hidden_size": 6, "output_size": 2, "cell": "lstm"},
        "gru": {"input_size": 3, "hidden_size": 5, "output_size": 2, "cell": "gru"},
        "transformer": {"input_size": 3, "d_model": 8, "output_size": 2, "n_heads": 2,
                        "context": 4},
    }  # fmt: skip
    config = {**configs[name], **overrides}
    torch.manual_seed(seed)
    registry_name = "transformer" if name == "transformer" else "recurrent"
    return ENCODER_REGISTRY[registry_name](**config).eval()


def reference(model, x: torch.Tensor) -> torch.Tensor:
    """Outputs of the fused forward over a whole (B, T, F) sequence."""
    with torch.no_grad():
        return model(x)[0]


@pytest.mark.parametrize("name", ["recurrent", "gru", "transformer"])
def test_interleaved_streams_equal_forward_per_stream(name):
    model = make_model(name)
    runner = StepwiseRunner(model, device="cpu", initial_capacity=1)
    torch.manual_seed(1)
    series = {s: torch.randn(7, 3) for s in ("a", "b", "c")}
    schedule = [["a"], ["a", "b"], ["c", "a"], ["b", "c", "a"], ["b"], ["a", "c"], ["c", "b"]]
    position = dict.fromkeys(series, 0)
    outputs = {s: [] for s in series}
    for ids in schedule:
        x = torch.stack([series[s][position[s]] for s in ids])  # (B, F)
        y = runner.step(ids, x)  # (B, O)
        for row, s in enumerate(ids):
            outputs[s].append(y[row])
            position[s] += 1
    for s, rows in outputs.items():
        expected = reference(model, series[s][None, : position[s]])[0]  # (T_s, O)
        torch.testing.assert_close(torch.stack(rows), expected, atol=1e-5, rtol=1e-5)
    assert runner.streams == ("a", "b", "c")
    assert [runner.step_count(s) for s in "abc"] == [5, 4, 4]


def test_one_model_step_call_per_runner_step(monkeypatch):
    model = make_model("gru")
    runner = StepwiseRunner(model, device="cpu", fast=False)
    calls = []
    original = model.step
    monkeypatch.setattr(model, "step", lambda x, s: calls.append(x.shape) or original(x, s))
    runner.step([1, 2, 3, 4], torch.randn(4, 3))
    runner.step([4, 2], torch.randn(2, 3))
    assert calls == [torch.Size([4, 3]), torch.Size([2, 3])]


def test_fast_and_plain_runners_agree():
    torch.manual_seed(2)
    xs = torch.randn(6, 5, 3)
    results = []
    for fast in (True, False):
        runner = StepwiseRunner(make_model("recurrent"), device="cpu", fast=fast)
        ys = [runner.step([0, 1, 2, 3, 4], xs[t]) for t in range(3)]
        ys += [runner.step([4, 0], xs[t, [4, 0]]) for t in range(3, 6)]
        ys.append(
            runner.forecast(
                [0, 4], 3, torch.randn(2, 2, 3, generator=torch.Generator().manual_seed(0))
            )
        )
        results.append(ys)
    for fast_y, plain_y in zip(*results):
        torch.testing.assert_close(fast_y, plain_y, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("fast", [True, False])
def test_returned_outputs_are_not_overwritten_by_later_steps(fast):
    runner = StepwiseRunner(make_model("recurrent"), device="cpu", fast=fast)
    ids = (0, 1)  # the same tuple object every call: the cached fast path
    first = runner.step(ids, torch.randn(2, 3))
    kept = first.clone()
    for _ in range(3):
        runner.step(ids, torch.randn(2, 3))
    runner.step([1], torch.randn(1, 3))
    assert torch.equal(first, kept)


def test_last_output_follows_each_stream_across_id_sets():
    runner = StepwiseRunner(make_model("gru"), device="cpu")
    y01 = runner.step([0, 1], torch.randn(2, 3)).clone()
    y1 = runner.step([1], torch.randn(1, 3)).clone()
    assert torch.equal(runner.last_output(0), y01[0])
    assert torch.equal(runner.last_output(1), y1[0])
    y1b = runner.step([1], torch.randn(1, 3)).clone()  # same ids again: superseded lazily
    y0 = runner.step([0], torch.randn(1, 3)).clone()
    assert torch.equal(runner.last_output(1), y1b[0])
    assert torch.equal(runner.last_output(0), y0[0])


def test_pool_grows_by_doubling_and_keeps_rows():
    model = make_model("gru")
    runner = StepwiseRunner(model, device="cpu", initial_capacity=2)
    torch.manual_seed(3)
    first = torch.randn(2, 3)
    runner.step([10, 11], first)
    before = runner.state_of(10)
    assert runner.stats()["capacity"] == 2
    runner.step([12, 13, 14], torch.randn(3, 3))  # 5 streams: 2 -> 4 -> 8
    assert runner.stats()["capacity"] == 8
    torch.testing.assert_close(runner.state_of(10), before, atol=0, rtol=0)
    expected = reference(model, first[:1, None])[0, -1]
    torch.testing.assert_close(runner.last_output(10), expected, atol=1e-6, rtol=1e-6)


def test_detached_slot_is_reused_with_fresh_state():
    model = make_model("gru")
    runner = StepwiseRunner(model, device="cpu", initial_capacity=2)
    runner.step(["a", "b"], torch.randn(2, 3))
    slot_a = runner._pool.slots["a"]
    runner.detach("a")
    assert "a" not in runner and len(runner) == 1 and runner.streams == ("b",)
    x = torch.randn(1, 3)
    y = runner.step(["z"], x)
    assert runner._pool.slots["z"] == slot_a and runner.stats()["capacity"] == 2
    torch.testing.assert_close(y, reference(model, x[:, None])[:, 0], atol=1e-6, rtol=1e-6)


def test_reset_restarts_the_stream_and_leaves_others():
    model = make_model("recurrent")
    runner = StepwiseRunner(model, device="cpu")
    torch.manual_seed(4)
    x = torch.randn(2, 5, 3)
    for t in range(3):
        runner.step(["a", "b"], x[:, t])
    runner.reset("a")
    assert runner.step_count("a") == 0 and runner.step_count("b") == 3
    fresh = model.init_state(1)
    for got, want in zip(runner.state_of("a"), fresh):
        torch.testing.assert_close(got, want, atol=0, rtol=0)
    ys = [runner.step(["a", "b"], x[:, t]) for t in (3, 4)]
    torch.testing.assert_close(
        torch.stack([y[0] for y in ys]), reference(model, x[:1, 3:])[0], atol=1e-5, rtol=1e-5
    )
    torch.testing.assert_close(
        torch.stack([y[1] for y in ys]), reference(model, x[1:])[0, 3:], atol=1e-5, rtol=1e-5
    )


def test_state_of_is_a_copy_with_batch_dim_one():
    runner = StepwiseRunner(make_model("recurrent"), device="cpu")
    runner.step([5], torch.randn(1, 3))
    state = runner.state_of(5)
    assert [s.shape for s in state] == [torch.Size([1, 1, 6])] * 2
    state[0].fill_(123.0)
    assert not torch.equal(runner.state_of(5)[0], state[0])


def test_numpy_ids_and_inputs_are_accepted_and_cast():
    model = make_model("gru").double()
    runner = StepwiseRunner(model, device="cpu")
    x = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    y = runner.step(np.array([7, 8, 9]), x)
    assert y.dtype == torch.float64
    expected = reference(model, torch.from_numpy(x).double()[:, None])[:, 0]
    torch.testing.assert_close(y, expected, atol=1e-12, rtol=1e-12)
    runner.step([np.int64(7), 8, np.int32(9)], x)  # same streams, NumPy integer ids
    assert runner.streams == (7, 8, 9) and all(type(s) is int for s in runner.streams)
    assert runner.step_count(np.int16(8)) == 2


def forecast_reference(model, history: torch.Tensor, future: torch.Tensor, horizon: int):
    """Independent roll-out with a second runner that steps on its own point predictions."""
    runner = StepwiseRunner(model, device="cpu", fast=False)
    for t in range(history.shape[1]):
        y = runner.step(list(range(history.shape[0])), history[:, t])
    outputs = [y]
    for k in range(1, horizon):
        x = future[:, k - 1].clone()
        x[:, list(model.feedback_inputs)] = model.point(y)[:, : len(model.feedback_inputs)]
        y = runner.step(list(range(history.shape[0])), x)
        outputs.append(y)
    return torch.stack(outputs, dim=1)


@pytest.mark.parametrize("name", ["recurrent", "transformer"])
def test_forecast_rolls_forward_without_touching_live_state(name):
    model = make_model(name, head="gaussian", output_size=1, feedback_inputs=(0,))
    runner = StepwiseRunner(model, device="cpu")
    twin = StepwiseRunner(model, device="cpu")
    torch.manual_seed(5)
    history, future, later = torch.randn(2, 4, 3), torch.randn(2, 4, 3), torch.randn(2, 3)
    for t in range(4):
        last = runner.step(["p", "q"], history[:, t])
        twin.step(["p", "q"], history[:, t])
    before = [runner.state_of(s) for s in ("p", "q")]
    got = runner.forecast(["p", "q"], 5, future)
    assert got.shape == (2, 5, model.n_outputs)
    torch.testing.assert_close(got[:, 0], last, atol=0, rtol=0)
    expected = forecast_reference(model, history, future, 5)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    for s, state in zip(("p", "q"), before):
        for a, b in zip(runner.state_of(s), state):
            assert torch.equal(a, b)
    assert runner.step_count("p") == 4
    torch.testing.assert_close(runner.step(["p", "q"], later), twin.step(["p", "q"], later))


def test_forecast_without_future_needs_every_column_fed_back():
    full = make_model("gru", input_size=1, output_size=1, feedback_inputs=(0,))
    runner = StepwiseRunner(full, device="cpu")
    runner.step(["s"], torch.tensor([[0.5]]))
    got = runner.forecast(["s"], 3)
    expected = forecast_reference(full, torch.tensor([[[0.5]]]), torch.zeros(1, 2, 1), 3)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-6)
    partial = StepwiseRunner(make_model("gru", feedback_inputs=(1,)), device="cpu")
    partial.step(["s"], torch.randn(1, 3))
    with pytest.raises(InputError, match=r"future inputs \(B, 2, 3\)"):
        partial.forecast(["s"], 3)
    assert partial.forecast(["s"], 1).shape == (1, 1, 2)


def test_forecast_errors_name_the_stream():
    runner = StepwiseRunner(make_model("gru"), device="cpu")
    runner.step(["a", "b"], torch.randn(2, 3))
    runner.reset("b")
    with pytest.raises(StateError, match="'b'"):
        runner.forecast(["a", "b"], 2, torch.zeros(2, 1, 3))
    with pytest.raises(StateError, match="'nope'"):
        runner.forecast(["nope"], 2, torch.zeros(1, 1, 3))
    with pytest.raises(InputError, match="stream 'a' column\\(s\\) \\[2\\]"):
        runner.forecast(["a"], 2, torch.tensor([[[0.0, 0.0, float("nan")]]]))
    with pytest.raises(InputError, match="horizon"):
        runner.forecast(["a"], 0)


def test_rollout_matches_step_by_step_feedback():
    model = make_model("gru", input_size=2, output_size=2, feedback_inputs=(1, 0))
    state, y = model.init_state(1), torch.tensor([[0.3, -0.2]])
    got = rollout(model, state, y, None, 3)
    y1, s1 = model.step(torch.tensor([[-0.2, 0.3]]), model.init_state(1))  # columns swapped
    y2, _ = model.step(torch.stack([y1[:, 1], y1[:, 0]], dim=1), s1)
    torch.testing.assert_close(got, torch.stack([y, y1, y2], dim=1))


def test_stats_counts_and_bytes():
    runner = StepwiseRunner(make_model("recurrent"), device="cpu", initial_capacity=4)
    for _ in range(3):
        runner.step([1, 2], torch.randn(2, 3))
    runner.step([3], torch.randn(1, 3))
    stats = runner.stats()
    row_bytes = 2 * 1 * 6 * 4  # (h, c), 1 layer, hidden 6, float32
    assert stats["steps"] == 4 and stats["stream_steps"] == 7
    assert stats["streams"] == 3 and stats["capacity"] == 4
    assert stats["state_bytes"] == 3 * row_bytes
    assert stats["pool_bytes"] == 4 * row_bytes + 4 * 2 * 4
    assert 0 < stats["p50_us"] <= stats["p99_us"]


def test_kernel_reselected_on_device_change(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "tslib.runner.fast.select_kernel", lambda model, device: seen.append(device)
    )
    runner = StepwiseRunner(make_model("gru"), device="cpu")
    runner.to("cpu")
    assert seen == [torch.device("cpu")] * 2 and isinstance(runner._kernel, PlainKernel)
    plain = StepwiseRunner(make_model("gru"), device="cpu", fast=False)
    assert len(seen) == 2 and isinstance(plain._kernel, PlainKernel)


def test_resolve_device_rejects_unknown_or_missing_devices():
    with pytest.raises(InputError, match="unknown device 'tpu'"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            resolve_device("cuda")
    with pytest.raises(InputError, match="unknown device"):
        StepwiseRunner(ENCODER_REGISTRY["recurrent"](1, 2, 1), device="tpu")


def test_resolve_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")


def test_state_pool_free_list_and_reset():
    model = make_model("gru")
    pool = StatePool(model, 2, torch.device("cpu"), torch.float32)
    assert pool.attach(["x", "y"], "str") == [0, 1]
    pool.buffers[0].fill_(7.0)
    pool.detach("x")
    assert pool.in_use == 1
    assert pool.attach(["w", "v"], "str") == [0, 2]  # reuse slot 0, then grow
    assert pool.capacity == 4
    assert torch.equal(pool.buffers[0][0], torch.zeros(1, 5))  # fresh on reuse
    assert torch.equal(pool.buffers[0][1], torch.full((1, 5), 7.0))  # "y" kept
    with pytest.raises(StateError, match="'x'"):
        pool.slot_of("x")


def test_unknown_stream_admin_raises_state_error():
    runner = StepwiseRunner(make_model("gru"), device="cpu")
    runner.step([1], torch.randn(1, 3))
    for method in (runner.reset, runner.detach, runner.state_of, runner.step_count):
        with pytest.raises(StateError, match="unknown stream 2"):
            method(2)
    with pytest.raises(InputError, match="bool"):
        runner.reset(True)
    assert True not in runner and 1 in runner and "1" not in runner


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ["recurrent", "transformer"])
def test_cuda_matches_cpu(name):
    torch.manual_seed(6)
    xs = torch.randn(8, 4, 3)
    results = {}
    for device in ("cpu", "cuda"):
        runner = StepwiseRunner(make_model(name, feedback_inputs=(0,)), device=device)
        ys = [runner.step([0, 1, 2, 3], xs[t]) for t in range(4)]
        runner.detach(1)
        runner.reset(2)
        ys += [runner.step([3, 2, 0, 9], xs[t]) for t in range(4, 8)]
        ys.append(runner.forecast([0, 3], 3, torch.zeros(2, 2, 3)))
        results[device] = [y.cpu() for y in ys]
    for a, b in zip(results["cpu"], results["cuda"]):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_moving_to_cuda_mid_stream_continues():
    torch.manual_seed(7)
    xs = torch.randn(6, 3, 3)
    on_cpu = StepwiseRunner(make_model("recurrent"), device="cpu")
    moved = StepwiseRunner(make_model("recurrent"), device="cpu")
    for t in range(3):
        on_cpu.step([0, 1, 2], xs[t])
        moved.step([0, 1, 2], xs[t])
    moved.to("cuda")
    assert moved.device.type == "cuda" and moved.state_of(1)[0].device.type == "cuda"
    for t in range(3, 6):
        torch.testing.assert_close(
            moved.step([2, 0, 1], xs[t]).cpu(), on_cpu.step([2, 0, 1], xs[t]), atol=1e-4, rtol=1e-4
        )
