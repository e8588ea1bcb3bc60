"""The repeat lane of the native small path (``NativePath.repeat_small``).

A runner steps the same streams with the same cached index tensor over and over;
the native path then reuses the checks of the previous small step. These tests
check that the lane is taken, that it equals PlainKernel within 1e-5 (outputs and
every pool row), and that it steps aside whenever what it cached may be stale: an
index changed in place, new pool tensors, weights changed in place, another input
shape or dtype.
"""

from __future__ import annotations

import pytest
import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner import StepwiseRunner
from tslib.runner.fast import RecurrentKernel, recurrent_library
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}


@pytest.fixture(scope="module")
def library():
    if recurrent_library.load_native() is None:
        pytest.skip("native kernels unavailable here (no compiler, TSLIB_NATIVE=0 or failed probe)")


def spy_repeats(kernel: RecurrentKernel) -> dict[str, int]:
    """Count the calls of repeat_small that stepped (returned a tensor) and declined."""
    counts = {"stepped": 0, "declined": 0}
    original = kernel.native.repeat_small

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        counts["stepped" if out is not None else "declined"] += 1
        return out

    kernel.native.repeat_small = spy
    return counts


def setup(cell: str, layers: int, capacity: int = 32):
    torch.manual_seed(0)
    model = RecurrentEncoder(3, 16, 2, num_layers=layers, cell=cell).eval()
    generator = torch.Generator().manual_seed(1)
    pool = tuple(torch.randn(s.shape, generator=generator) for s in model.init_state(capacity))
    return model, pool, tuple(t.clone() for t in pool), generator


def step_both(kernel, plain, x, pool, plain_pool, index):
    with torch.inference_mode():
        got, want = kernel(x, pool, index), plain(x, plain_pool, index)
    torch.testing.assert_close(got, want, **TOL)
    for fast_rows, plain_rows in zip(pool, plain_pool):
        torch.testing.assert_close(fast_rows, plain_rows, **TOL)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("slots", [[5], [3, 4, 5], [9, 2, 30, 7]])
def test_repeated_steps_take_the_lane_and_equal_plain(library, cell, layers, slots):
    model, pool, plain_pool, generator = setup(cell, layers)
    kernel, plain = RecurrentKernel(model), PlainKernel(model)
    counts = spy_repeats(kernel)
    index = torch.tensor(slots)  # an ordinary tensor, reused like the runner's cached index
    for _ in range(4):
        x = torch.randn(len(slots), 3, generator=generator)  # (B, F)
        step_both(kernel, plain, x, pool, plain_pool, index)
    assert counts["stepped"] == 3  # every step after the first


def test_an_index_changed_in_place_is_not_reused(library):
    model, pool, plain_pool, generator = setup("lstm", 2)
    kernel, plain = RecurrentKernel(model), PlainKernel(model)
    counts = spy_repeats(kernel)
    index = torch.tensor([1, 2])
    step_both(kernel, plain, torch.randn(2, 3, generator=generator), pool, plain_pool, index)
    index[1] = 17  # version bump: other slots now
    step_both(kernel, plain, torch.randn(2, 3, generator=generator), pool, plain_pool, index)
    assert counts == {"stepped": 0, "declined": 2}  # the first step has nothing cached
    step_both(kernel, plain, torch.randn(2, 3, generator=generator), pool, plain_pool, index)
    assert counts["stepped"] == 1


def test_inference_index_is_never_reused(library):
    model, pool, plain_pool, generator = setup("gru", 1)
    kernel, plain = RecurrentKernel(model), PlainKernel(model)
    counts = spy_repeats(kernel)
    with torch.inference_mode():
        index = torch.tensor([4])  # no version counter: cannot tell an in-place change
    for _ in range(3):
        step_both(kernel, plain, torch.randn(1, 3, generator=generator), pool, plain_pool, index)
    assert counts["stepped"] == 0


def test_weights_changed_in_place_are_used_by_the_lane(library):
    model, pool, plain_pool, generator = setup("lstm", 1)
    kernel, plain = RecurrentKernel(model), PlainKernel(model)
    counts = spy_repeats(kernel)
    index = torch.tensor([3])
    step_both(kernel, plain, torch.randn(1, 3, generator=generator), pool, plain_pool, index)
    with torch.no_grad():
        model.output.weight.mul_(-2.0)
        model.core.weight_hh_l0.add_(0.1)
    step_both(kernel, plain, torch.randn(1, 3, generator=generator), pool, plain_pool, index)
    assert counts["stepped"] == 1  # refreshed in place: same tensors, new values


def test_other_pool_tensors_or_inputs_take_the_full_path(library):
    model, pool, plain_pool, generator = setup("lstm", 1)
    kernel, plain = RecurrentKernel(model), PlainKernel(model)
    counts = spy_repeats(kernel)
    index = torch.tensor([0, 6])
    step_both(kernel, plain, torch.randn(2, 3, generator=generator), pool, plain_pool, index)
    other = tuple(t.clone() for t in pool)  # same values, new tensors
    plain_other = tuple(t.clone() for t in plain_pool)
    step_both(kernel, plain, torch.randn(2, 3, generator=generator), other, plain_other, index)
    wide = torch.randn(2, 6, generator=generator)[:, ::2]  # (2, 3), not contiguous
    step_both(kernel, plain, wide, other, plain_other, index)
    doubles = torch.randn(2, 3, generator=generator, dtype=torch.float64)
    step_both(kernel, plain, doubles, other, plain_other, index)
    assert counts == {"stepped": 0, "declined": 4}  # nothing cached, then 3 misfits


def test_runner_steps_through_the_lane_and_across_a_pool_growth(library):
    torch.manual_seed(0)
    model = RecurrentEncoder(2, 8, 1, num_layers=2).eval()
    fast = StepwiseRunner(model, initial_capacity=2)
    plain = StepwiseRunner(model, initial_capacity=2, fast=False)
    counts = spy_repeats(fast._kernel)
    generator = torch.Generator().manual_seed(3)
    for ids in [("a",), ("a",), ("a",), ("b", "c", "d"), ("b", "c", "d"), ("a",)]:
        x = torch.randn(len(ids), 2, generator=generator)  # (B, F)
        torch.testing.assert_close(fast.step(ids, x), plain.step(ids, x), **TOL)
    assert counts["stepped"] >= 3
    for stream in "abcd":
        for got, want in zip(fast.state_of(stream), plain.state_of(stream)):
            torch.testing.assert_close(got, want, **TOL)


@pytest.mark.parametrize("streams", [1, 100])  # the Python-float check and the torch sum
def test_runner_rejects_nan_and_inf_but_not_large_finite_values(streams):
    from tslib.errors import InputError

    torch.manual_seed(0)
    runner = StepwiseRunner(RecurrentEncoder(3, 4, 1).eval())
    ids = tuple(range(streams))
    big = torch.full((streams, 3), 3.0e38)  # finite, but a float32 sum overflows
    assert runner.step(ids, big).shape == (streams, 1)
    for bad in (float("nan"), float("inf"), -float("inf")):
        x = torch.zeros(streams, 3)
        x[streams - 1, 2] = bad
        with pytest.raises(InputError, match="NaN|inf"):
            runner.step(ids, x)


def test_runner_lane_checks_the_input_in_c_and_leaves_errors_to_the_full_path(library):
    """A repeated step with NaN / inf is declined by the lane before any write, and the
    runner's full path raises InputError naming the stream; state and counts unchanged."""
    from tslib.errors import InputError

    torch.manual_seed(0)
    model = RecurrentEncoder(3, 8, 1).eval()
    fast = StepwiseRunner(model)
    plain = StepwiseRunner(model, fast=False)
    counts = spy_repeats(fast._kernel)
    ids = ("s", "t")
    generator = torch.Generator().manual_seed(5)
    for _ in range(3):
        x = torch.randn(2, 3, generator=generator)
        torch.testing.assert_close(fast.step(ids, x), plain.step(ids, x), **TOL)
    assert counts["stepped"] == 2  # the runner's lane: second and third step
    before = [t.clone() for t in fast.state_of("t")]
    for bad in (float("nan"), float("inf")):
        x = torch.randn(2, 3, generator=generator)
        x[1, 2] = bad
        with pytest.raises(InputError, match="NaN|inf"):
            fast.step(ids, x)
    for got, want in zip(fast.state_of("t"), before):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert fast.step_count("t") == 3
    x = torch.randn(2, 3, generator=generator).numpy()  # not a tensor: the full path
    torch.testing.assert_close(fast.step(ids, x), plain.step(ids, x), **TOL)
    assert fast.step_count("s") == plain.step_count("s") == 4
    torch.testing.assert_close(fast.last_output("s"), plain.last_output("s"), **TOL)
