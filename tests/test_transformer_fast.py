"""The native transformer step (TransformerKernel) against PlainKernel and the full forward.

Outputs and every pool row (stepped rows updated, all others untouched) must equal
the plain path within 1e-5 for many steps past the context length (ring-buffer
wrap-around), at batch 1 and many streams, contiguous and scattered slots, head
widths with and without the 16-wide specialisation, and through the runner with
streams joining, resets, detaches and snapshots. Where the fast path does not
apply the runner must use PlainKernel, and say why.
"""

from __future__ import annotations

import pytest
import torch

from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.errors import StateError
from tslib.runner import StepwiseRunner
from tslib.runner.fast import select_kernel
from tslib.runner.fast.transformer_native import (
    TransformerKernel,
    fast_path_problem,
    load_transformer_native,
    native_problem,
)
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}

CONFIGS = {  # name -> (input_size, d_model, n_heads, num_layers, context, dim_feedforward)
    "dh16": (4, 64, 4, 2, 7, None),
    "dh16-context37": (2, 32, 2, 2, 37, 40),  # 16-row blocks of dot products plus a tail
    "dh4": (3, 12, 3, 1, 5, 16),
    "dh8-3layers": (2, 16, 2, 3, 9, 24),
}


@pytest.fixture(scope="module")
def native():
    if load_transformer_native() is None:
        pytest.skip(f"native transformer step unavailable here: {native_problem()}")
    return True


def make_model(name: str, seed: int = 0, output_size: int = 2) -> CausalTransformerEncoder:
    features, d_model, heads, layers, context, width = CONFIGS[name]
    model = CausalTransformerEncoder(
        features, d_model, output_size, n_heads=heads, num_layers=layers, context=context,
        dim_feedforward=width, seed=seed,
    )  # fmt: skip
    return model.eval()


def fresh_pool(model, capacity: int) -> tuple[torch.Tensor, ...]:
    with torch.inference_mode(False):
        return tuple(model.init_state(capacity))


def assert_pools_equal(a, b) -> None:
    for left, right in zip(a, b):
        torch.testing.assert_close(left, right, **TOL)


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("batch", [1, 3, 70])
@pytest.mark.parametrize("scattered", [False, True])
def test_kernel_equals_plain_past_the_wrap_around(native, name, batch, scattered):
    model = make_model(name)
    capacity = 2 * batch + 3
    fast_pool, plain_pool = fresh_pool(model, capacity), fresh_pool(model, capacity)
    slots = torch.randperm(capacity)[:batch] if scattered else torch.arange(1, batch + 1)
    fast, plain = TransformerKernel(model, threaded_min_batch=64), PlainKernel(model)
    generator = torch.Generator().manual_seed(batch)
    steps = 3 * model.context + 2
    with torch.inference_mode():
        for _ in range(steps):
            x = torch.randn(batch, model.input_size, generator=generator)  # (B, F)
            torch.testing.assert_close(
                fast(x, fast_pool, slots), plain(x, plain_pool, slots), **TOL
            )
    assert_pools_equal(fast_pool, plain_pool)
    assert fast_pool[2][slots].tolist() == [steps] * batch


@pytest.mark.parametrize("name", ["dh16", "dh16-context37", "dh4"])
def test_kernel_equals_the_full_forward(native, name):
    model = make_model(name, seed=1)
    x = torch.randn(2, 4 * model.context + 1, model.input_size)  # (B, T, F)
    pool = fresh_pool(model, 2)
    kernel, slots = TransformerKernel(model), torch.arange(2)
    with torch.inference_mode():
        expected, state = model(x)  # (B, T, O)
        stepped = torch.stack([kernel(x[:, t], pool, slots) for t in range(x.shape[1])], 1)
    torch.testing.assert_close(stepped, expected, **TOL)
    assert_pools_equal(pool, state)


def test_streams_at_different_positions_and_threads_share_a_batch(native):
    model = make_model("dh16")
    capacity = 100
    fast_pool, plain_pool = fresh_pool(model, capacity), fresh_pool(model, capacity)
    fast = TransformerKernel(model, threaded_min_batch=2)  # every batch split between threads
    plain = PlainKernel(model)
    with torch.inference_mode():
        for t in range(3 * model.context):
            slots = torch.arange(capacity)[t % 5 :: 1 + t % 3]  # a changing mix of streams
            x = torch.randn(slots.shape[0], model.input_size)  # (B, F)
            torch.testing.assert_close(
                fast(x, fast_pool, slots), plain(x, plain_pool, slots), **TOL
            )
    assert len(set(fast_pool[2].tolist())) > 3  # the streams really are at mixed positions
    assert_pools_equal(fast_pool, plain_pool)


def test_the_comparison_can_fail(native):
    """A one-element error in the packed weights is caught by the 1e-5 comparison."""
    model = make_model("dh16")
    fast, plain = TransformerKernel(model), PlainKernel(model)
    fast._packed[-1] += 1e-3  # the output bias
    pool_a, pool_b = fresh_pool(model, 1), fresh_pool(model, 1)
    x, slots = torch.randn(1, model.input_size), torch.zeros(1, dtype=torch.int64)
    with torch.inference_mode():
        with pytest.raises(AssertionError):
            torch.testing.assert_close(fast(x, pool_a, slots), plain(x, pool_b, slots), **TOL)


def run_streams(runner: StepwiseRunner, model, seed: int) -> list[torch.Tensor]:
    """Streams join, step, reset and detach; returns every step's outputs."""
    generator = torch.Generator().manual_seed(seed)
    outputs = []
    for t in range(3 * model.context + 4):
        ids = [0] if t < 3 else list(range(min(2 + t // 4, 6)))
        if t == 11:
            runner.reset(1)
        if t == 15:
            runner.detach(2)
        if t >= 15:
            ids = [i for i in ids if i != 2] + ([7] if t >= 18 else [])
        x = torch.randn(len(ids), model.input_size, generator=generator)  # (B, F)
        outputs.append(runner.step(ids, x).clone())
    return outputs


def test_runner_fast_equals_plain_with_joins_resets_and_detaches(native):
    model = make_model("dh16")
    fast = StepwiseRunner(model, device="cpu", initial_capacity=2)  # grows while streams join
    plain = StepwiseRunner(make_model("dh16"), device="cpu", fast=False, initial_capacity=2)
    assert isinstance(fast._kernel, TransformerKernel) and isinstance(plain._kernel, PlainKernel)
    for a, b in zip(run_streams(fast, model, 0), run_streams(plain, plain.model, 0)):
        torch.testing.assert_close(a, b, **TOL)
    for stream in fast.streams:
        assert fast.step_count(stream) == plain.step_count(stream)
        for a, b in zip(fast.state_of(stream), plain.state_of(stream)):
            torch.testing.assert_close(a, b, **TOL)
        future = torch.ones(1, 2, model.input_size)  # (1, horizon - 1, F)
        torch.testing.assert_close(
            fast.forecast([stream], 3, future), plain.forecast([stream], 3, future), **TOL
        )


def test_snapshots_move_between_fast_and_plain_runners(native, tmp_path):
    model = make_model("dh16")
    runner = StepwiseRunner(model, device="cpu")
    x = torch.randn(2 * model.context, 3, model.input_size)  # (T, B, F)
    for x_t in x[:-5]:
        runner.step([0, 1, 2], x_t)
    runner.save(tmp_path / "fast.snap")
    live = [runner.step([0, 1, 2], x_t) for x_t in x[-5:]]  # the original runner goes on
    for fast in (True, False):
        restored = StepwiseRunner.load(tmp_path / "fast.snap", make_model("dh16"), "cpu", fast=fast)
        again = [restored.step([0, 1, 2], x_t) for x_t in x[-5:]]
        for a, b in zip(live, again):
            torch.testing.assert_close(a, b, **TOL)
        assert isinstance(restored._kernel, TransformerKernel if fast else PlainKernel)


def test_observe_then_fast_steps_equal_plain_steps(native):
    """A warm start (one fused forward) fills the ring buffers the fast step then continues."""
    model = make_model("dh16-context37")
    history = torch.randn(3, 50, model.input_size)  # (B, T, F): past the context of 37
    follow = torch.randn(45, 3, model.input_size)  # (T, B, F): wraps around again
    outputs = []
    for fast in (True, False):
        runner = StepwiseRunner(model, device="cpu", fast=fast)
        runner.observe([4, 5, 6], history)
        outputs.append(torch.stack([runner.step([4, 5, 6], x_t) for x_t in follow]))
    torch.testing.assert_close(outputs[0], outputs[1], **TOL)


def test_weight_changes_are_seen(native):
    model = make_model("dh4")
    fast, plain = TransformerKernel(model), PlainKernel(model)
    pool_a, pool_b = fresh_pool(model, 1), fresh_pool(model, 1)
    slots = torch.zeros(1, dtype=torch.int64)
    with torch.no_grad():
        model.blocks[0].ff_in.weight.mul_(1.5)  # an in-place change, as an optimizer makes
    x = torch.randn(1, model.input_size)
    with torch.inference_mode():
        torch.testing.assert_close(fast(x, pool_a, slots), plain(x, pool_b, slots), **TOL)


def test_slot_outside_the_pool_raises_and_writes_nothing(native):
    model = make_model("dh4")
    pool = fresh_pool(model, 3)
    before = [t.clone() for t in pool]
    with torch.inference_mode(), pytest.raises(StateError, match="out of range"):
        TransformerKernel(model)(torch.randn(2, 3), pool, torch.tensor([0, 3]))
    assert all(torch.equal(a, b) for a, b in zip(before, pool))


def test_training_mode_and_autograd_take_the_plain_path(native):
    model = make_model("dh4")
    kernel = TransformerKernel(model)
    calls = []
    kernel._plain = lambda *args: calls.append(1) or PlainKernel(model)(*args)
    pool, slots = fresh_pool(model, 1), torch.zeros(1, dtype=torch.int64)
    model.train()
    kernel(torch.randn(1, 3), pool, slots)
    model.eval()
    kernel(torch.randn(1, 3, requires_grad=True), pool, slots)
    assert calls == [1, 1]


def test_fallback_reasons(native, monkeypatch):
    model = make_model("dh4")
    assert fast_path_problem(model, "cpu") is None
    assert "CPU only" in fast_path_problem(model, "cuda")
    assert "float32" in fast_path_problem(make_model("dh4").double())

    class Custom(CausalTransformerEncoder):
        pass

    custom = Custom(3, 12, 1, n_heads=3, num_layers=1, context=5)
    assert "not exactly" in fast_path_problem(custom)
    assert select_kernel(custom, "cpu") is None
    assert isinstance(StepwiseRunner(custom, device="cpu")._kernel, PlainKernel)
    monkeypatch.setenv("TSLIB_NATIVE", "0")
    assert "TSLIB_NATIVE=0" in fast_path_problem(model)
    assert isinstance(StepwiseRunner(model, device="cpu")._kernel, PlainKernel)
