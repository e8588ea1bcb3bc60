"""Bad input is rejected with a named InputError before anything in the runner changes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tslib.encoders import ENCODER_REGISTRY
from tslib.errors import InputError, StateError
from tslib.runner import StepwiseRunner

pytestmark = pytest.mark.timeout(60)

NAN, INF = float("nan"), float("inf")


def make_runner(ids=("a", "b"), steps: int = 3) -> tuple[StepwiseRunner, StepwiseRunner]:
    """A runner that has stepped ``ids`` a few times, and an identical twin."""
    torch.manual_seed(0)
    model = ENCODER_REGISTRY["recurrent"](input_size=3, hidden_size=4, output_size=2).eval()
    runners = (StepwiseRunner(model, device="cpu"), StepwiseRunner(model, device="cpu"))
    xs = torch.randn(steps, len(ids), 3, generator=torch.Generator().manual_seed(1))
    for runner in runners:
        for t in range(steps):
            runner.step(list(ids), xs[t])
    return runners


def everything(runner: StepwiseRunner) -> dict:
    """All observable per-stream and runner state, copied."""
    return {
        "streams": runner.streams,
        "states": {s: runner.state_of(s) for s in runner.streams},
        "counts": {s: runner.step_count(s) for s in runner.streams},
        "outputs": {s: runner.last_output(s) for s in runner.streams},
        "steps": runner.stats()["steps"],
        "capacity": runner.stats()["capacity"],
    }


def assert_unchanged(before: dict, after: dict) -> None:
    assert after["streams"] == before["streams"]
    assert after["counts"] == before["counts"] and after["steps"] == before["steps"]
    assert after["capacity"] == before["capacity"]
    for s in before["streams"]:
        assert all(torch.equal(a, b) for a, b in zip(after["states"][s], before["states"][s]))
        assert torch.equal(after["outputs"][s], before["outputs"][s])


def row(*values: float) -> list[float]:
    return list(values)


BAD_STEPS = [
    # (ids, x, message pattern)
    (["a", "b"], torch.tensor([row(0, 0, 0), row(0, NAN, 0)]), r"stream 'b' column\(s\) \[1\]"),
    (["a", "new"], torch.tensor([row(0, 0, 0), row(INF, 0, -INF)]),
     r"stream 'new' column\(s\) \[0, 2\]"),
    (["a", "b"], np.array([[NAN, 0, 0], [0, 0, NAN]]),
     r"stream 'a' column\(s\) \[0\]; stream 'b' column\(s\) \[2\]"),
    (["a"], torch.tensor([[1e300, 0.0, 0.0]], dtype=torch.float64), r"stream 'a' column\(s\) \[0\]"),
    (["a", "b"], torch.zeros(2, 4), r"\(B, F\) = \(2, 3\).*\(2, 4\) \(feature count\)"),
    (["a", "b"], torch.zeros(2, 3, dtype=torch.int64), r"float32 or float64, got torch.int64"),
    (["a", "b"], torch.zeros(2, 3, dtype=torch.float16), r"float32 or float64, got torch.float16"),
    (["a", "b"], np.zeros((2, 3), dtype=np.int32), r"float32 or float64, got numpy int32"),
    (["a", "b"], {"a": [0.0] * 3}, r"torch.Tensor, numpy array, list or pandas row/frame, got dict"),
    (["a", "b"], [[0.0] * 3, [0.0] * 2], r"not a rectangular list"),
    (["a", "b"], torch.zeros(2, 1, 3), r"got ndim 3"),
    (["a"], torch.zeros(3), r"got ndim 1"),
    (["a", "b", "new"], torch.zeros(2, 3), r"2 rows but 3 stream ids"),
    (["a", "a"], torch.zeros(2, 3), r"duplicate stream ids in one step: \['a'\]"),
    ([], torch.zeros(0, 3), r"ids is empty"),
    (["a", 1], torch.zeros(2, 3), r"mix int and str"),
    ([1, 2], torch.zeros(2, 3), r"stream ids are str, got int"),
    ([True], torch.zeros(1, 3), r"True has type bool"),
    ([np.bool_(False)], torch.zeros(1, 3), r"type bool"),
    ([1.5], torch.zeros(1, 3), r"1.5 has type float"),
    (["a", None], torch.zeros(2, 3), r"None has type NoneType"),
    ("ab", torch.zeros(2, 3), r"sequence of stream ids, got str"),
    (7, torch.zeros(1, 3), r"sequence of stream ids, got int"),
    (np.array([["a"], ["b"]]), torch.zeros(2, 3), r"one-dimensional"),
]  # fmt: skip


@pytest.mark.parametrize(("ids", "x", "pattern"), BAD_STEPS)
def test_bad_step_raises_and_changes_nothing(ids, x, pattern):
    runner, twin = make_runner()
    runner.step(["a", "b"], torch.ones(2, 3))  # cache these ids: the fast path is checked too
    twin.step(["a", "b"], torch.ones(2, 3))
    before = everything(runner)
    with pytest.raises(InputError, match=pattern):
        runner.step(ids, x)
    assert_unchanged(before, everything(runner))
    # The runner still works, exactly like a twin that never saw the bad call.
    x_ok = torch.randn(2, 3, generator=torch.Generator().manual_seed(2))
    assert torch.equal(runner.step(["b", "a"], x_ok), twin.step(["b", "a"], x_ok))


def test_input_error_is_a_value_error():
    runner, _ = make_runner()
    with pytest.raises(ValueError):
        runner.step(["a"], torch.full((1, 3), NAN))


def test_non_finite_message_names_only_the_bad_streams():
    runner, _ = make_runner()
    x = torch.zeros(2, 3)
    x[1, 2] = NAN
    with pytest.raises(InputError) as info:
        runner.step(["a", "b"], x)
    assert "'b'" in str(info.value) and "'a'" not in str(info.value)


def test_int_runner_rejects_bools_even_for_cached_ids():
    runner, _ = make_runner(ids=(0, 1))
    runner.step([1], torch.zeros(1, 3))
    before = everything(runner)
    with pytest.raises(InputError, match="bool"):
        runner.step([True], torch.zeros(1, 3))
    with pytest.raises(InputError, match="stream ids are int, got str"):
        runner.step(["1"], torch.zeros(1, 3))
    assert_unchanged(before, everything(runner))


def test_first_failed_step_does_not_fix_the_id_kind():
    torch.manual_seed(0)
    model = ENCODER_REGISTRY["recurrent"](input_size=3, hidden_size=4, output_size=2)
    runner = StepwiseRunner(model, device="cpu")
    with pytest.raises(InputError):
        runner.step(["a"], torch.full((1, 3), NAN))
    assert runner.id_kind is None and len(runner) == 0
    runner.step([3], torch.zeros(1, 3))
    assert runner.id_kind == "int" and runner.streams == (3,)


def test_model_rejection_rolls_back_new_streams():
    torch.manual_seed(0)
    model = ENCODER_REGISTRY["next_item"](n_items=5, embedding_dim=3, hidden_size=4).eval()
    runner = StepwiseRunner(model, device="cpu")
    runner.step(["u1"], torch.tensor([[2.0]]))
    before = everything(runner)
    with pytest.raises(InputError, match=r"\[0, 5\)"):
        runner.step(["u1", "u2"], torch.tensor([[1.0], [9.0]]))  # item 9 does not exist
    assert "u2" not in runner
    assert_unchanged(before, everything(runner))


def test_model_rejection_names_only_the_bad_streams():
    torch.manual_seed(0)
    model = ENCODER_REGISTRY["next_item"](n_items=5, embedding_dim=3, hidden_size=4).eval()
    runner = StepwiseRunner(model, device="cpu")
    runner.step(["u1", "u2", "u3"], torch.tensor([[1.0], [2.0], [3.0]]))
    before = everything(runner)
    # only u2's item is bad: out of range (9), then fractional (2.5)
    for bad, pattern in (([[1.0], [9.0], [3.0]], r"\[0, 5\)"), ([[1.0], [2.5], [3.0]], "integers")):
        with pytest.raises(InputError, match=pattern) as info:
            runner.step(["u1", "u2", "u3"], torch.tensor(bad))
        message = str(info.value)
        assert "'u2'" in message and "'u1'" not in message and "'u3'" not in message
    assert_unchanged(before, everything(runner))


def test_admin_of_unknown_ids_raises_state_error_naming_the_id():
    runner, _ = make_runner()
    with pytest.raises(StateError, match="unknown stream 'zz'"):
        runner.reset("zz")
    with pytest.raises(StateError, match="unknown stream 'zz'"):
        runner.detach("zz")
    runner.detach("a")
    with pytest.raises(StateError, match="unknown stream 'a'"):
        runner.detach("a")
    assert runner.streams == ("b",)
