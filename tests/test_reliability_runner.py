"""Runner edge cases: unordered ids, unusable devices, forecast horizons, inference-mode models."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.encoders import ENCODER_REGISTRY
from tslib.errors import InputError
from tslib.runner import StepwiseRunner
from tslib.runner.fast import CudaGraphKernel, RecurrentKernel, recurrent_library
from tslib.runner.fast.recurrent_native import NATIVE_SMALL_MAX

pytestmark = pytest.mark.timeout(120)

TOL = {"atol": 1e-5, "rtol": 1e-5}


def make_model(cell: str = "lstm", n_inputs: int = 3, feedback=None):
    return ENCODER_REGISTRY["recurrent"](
        input_size=n_inputs,
        hidden_size=5,
        output_size=n_inputs,
        cell=cell,
        seed=0,
        **({} if feedback is None else {"feedback_inputs": feedback}),
    ).eval()


def stepped_runner(**kwargs) -> StepwiseRunner:
    runner = StepwiseRunner(make_model(**kwargs), device="cpu")
    runner.step(["a", "b"], torch.ones(2, 3))
    return runner


# ----------------------------------------------------------------- ordered ids
UNORDERED = {
    "set": lambda: {"a", "b"},
    "frozenset": lambda: frozenset({"a", "b"}),
    "dict": lambda: {"a": 0, "b": 1},
    "dict keys": lambda: {"a": 0, "b": 1}.keys(),
    "dict values": lambda: {0: "a", 1: "b"}.values(),
}


@pytest.mark.parametrize("kind", list(UNORDERED))
def test_unordered_ids_are_refused_by_step_observe_and_forecast(kind):
    runner = stepped_runner()
    before = runner.last_output("a")
    with pytest.raises(InputError, match="ordered sequence"):
        runner.step(UNORDERED[kind](), torch.zeros(2, 3))
    with pytest.raises(InputError, match="ordered sequence"):
        runner.observe(UNORDERED[kind](), torch.zeros(2, 4, 3))
    with pytest.raises(InputError, match="ordered sequence"):
        runner.forecast(UNORDERED[kind](), 1)
    assert runner.step_count("a") == 1 and torch.equal(runner.last_output("a"), before)


@pytest.mark.parametrize(
    "ids",
    [["a", "b"], ("a", "b"), np.array(["a", "b"]), pd.Index(["a", "b"]), pd.Series(["a", "b"])],
)
def test_ordered_containers_are_accepted(ids):
    runner = stepped_runner()
    assert runner.step(ids, torch.zeros(2, 3)).shape == (2, 3)
    assert runner.step_count("b") == 2


# --------------------------------------------------------------------- devices
def test_input_on_the_meta_device_is_an_input_error():
    runner = stepped_runner()
    with pytest.raises(InputError, match="'meta' device"):
        runner.step(["a", "b"], torch.zeros(2, 3, device="meta"))
    with pytest.raises(InputError, match="'meta' device"):
        runner.forecast(["a", "b"], 2, future=torch.zeros(2, 1, 3, device="meta"))
    with pytest.raises(InputError, match="'meta' device"):
        runner.observe(["a", "b"], torch.zeros(2, 2, 3, device="meta"))
    assert runner.step_count("a") == 1


# ------------------------------------------------------------ forecast horizons
@pytest.mark.parametrize("steps", [1, 3, 4])
def test_wrong_future_length_is_reported_as_a_horizon_error(steps):
    runner = stepped_runner(feedback=(0,))
    with pytest.raises(InputError, match=rf"{steps} steps where horizon - 1 = 2") as info:
        runner.forecast(["a", "b"], 3, future=torch.zeros(2, steps, 3))
    assert "feature count" not in str(info.value)


def test_wrong_future_width_is_still_a_feature_count_error():
    runner = stepped_runner(feedback=(0,))
    with pytest.raises(InputError, match="feature count"):
        runner.forecast(["a", "b"], 3, future=torch.zeros(2, 2, 4))


def test_forecast_horizon_is_capped_and_the_cap_can_be_raised():
    runner = stepped_runner(feedback=(0, 1, 2))
    start = time.perf_counter()
    for horizon in (10**9, 10_001):
        with pytest.raises(InputError, match=rf"horizon {horizon} exceeds max_horizon=10000"):
            runner.forecast(["a"], horizon)
    assert time.perf_counter() - start < 1.0
    assert runner.forecast(["a"], 10_000).shape == (1, 10_000, 3)
    assert runner.forecast(["a"], 10_003, max_horizon=20_000).shape == (1, 10_003, 3)
    with pytest.raises(InputError, match="max_horizon=5"):
        runner.forecast(["a"], 6, max_horizon=5)


# ------------------------------------------------------- inference-mode models
def twins(cell: str, device: str = "cpu"):
    """The same weights built inside ``torch.inference_mode()`` and outside it."""
    reference = make_model(cell).to(device)
    with torch.inference_mode():
        served = make_model(cell).to(device)
    assert all(p.is_inference() for p in served.parameters())
    assert not any(p.is_inference() for p in reference.parameters())
    return served, reference


def spy_paths(kernel: RecurrentKernel) -> list[str]:
    """Record which code path each step of ``kernel`` took."""
    taken: list[str] = []
    original_run = kernel.run

    def run(ops, *args, **kwargs):
        taken.append(ops.__name__)
        return original_run(ops, *args, **kwargs)

    kernel.run = run
    if kernel.native is not None:
        for name in ("_c_step", "_layers_tiled", "_layers_mm"):  # _c_step: whole-step C call
            original = getattr(kernel.native, name)

            def spy(*args, _original=original, _name=name):
                taken.append("_small" if _name == "_c_step" else _name)
                return _original(*args)

            setattr(kernel.native, name, spy)
    return taken


def native_library():
    return recurrent_library.load_native()


#: (path, batch, expected spy record) for every CPU kernel path of the runner.
CPU_PATHS = [
    ("plain", 3, None),
    ("numpy", 3, "NumpyOps"),
    ("torch", 40, "TorchOps"),
    ("native small", 3, "_small"),
    ("native large", NATIVE_SMALL_MAX + 24, "_layers"),
]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize(("path", "batch", "expected"), CPU_PATHS)
def test_model_built_in_inference_mode_steps_on_every_cpu_path(
    monkeypatch, cell, path, batch, expected
):
    if path.startswith("native"):
        library = native_library()
        if library is None:
            pytest.skip("native kernels unavailable here (no compiler or TSLIB_NATIVE=0)")
        if path == "native large" and not library.vector_math:
            pytest.skip("native large-batch path not built here (no libmvec)")
    else:
        monkeypatch.setenv("TSLIB_NATIVE", "0")
    served, reference = twins(cell)
    runner = StepwiseRunner(served, device="cpu", fast=path != "plain")
    baseline = StepwiseRunner(reference, device="cpu", fast=False)
    taken = spy_paths(runner._kernel) if path != "plain" else []
    ids = list(range(batch))
    generator = torch.Generator().manual_seed(5)
    for _ in range(3):
        x = torch.randn(batch, 3, generator=generator)
        torch.testing.assert_close(runner.step(ids, x), baseline.step(ids, x), **TOL)
    if expected is not None:
        assert taken and all(name.startswith(expected) for name in taken), taken
    future = torch.randn(batch, 2, 3, generator=generator)
    torch.testing.assert_close(
        runner.forecast(ids, 3, future), baseline.forecast(ids, 3, future), **TOL
    )
    history = torch.randn(batch, 4, 3, generator=generator)
    torch.testing.assert_close(runner.observe(ids, history), baseline.observe(ids, history), **TOL)


def test_inference_mode_model_round_trips_through_a_snapshot(tmp_path):
    served, reference = twins("lstm")
    runner = StepwiseRunner(served, device="cpu")
    runner.step([1, 2], torch.ones(2, 3))
    runner.save(tmp_path / "served.snap")
    restored = StepwiseRunner.load(tmp_path / "served.snap", reference, device="cpu")
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(restored.step([1, 2], x), runner.step([1, 2], x), **TOL)


def test_inference_mode_weights_changed_through_refresh():
    """Inference tensors track no version: a refresh() picks up an in-place change."""
    served, reference = twins("gru")
    runner = StepwiseRunner(served, device="cpu")
    with torch.inference_mode():
        for p in served.parameters():
            p.mul_(0.5)
    with torch.no_grad():
        for q in reference.parameters():
            q.mul_(0.5)
    runner._kernel.refresh()
    baseline = StepwiseRunner(reference, device="cpu", fast=False)
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(runner.step([0, 1], x), baseline.step([0, 1], x), **TOL)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("batch", [3, 40, 20_000])  # graph buckets, and eager above them
def test_model_built_in_inference_mode_steps_on_cuda(cell, batch):
    served, reference = twins(cell, "cuda")
    runner = StepwiseRunner(served, device="cuda")
    assert isinstance(runner._kernel, CudaGraphKernel)
    baseline = StepwiseRunner(reference, device="cuda", fast=False)
    ids = list(range(batch))
    generator = torch.Generator().manual_seed(6)
    for _ in range(3):
        x = torch.randn(batch, 3, generator=generator).cuda()
        torch.testing.assert_close(runner.step(ids, x), baseline.step(ids, x), **TOL)
    future = torch.randn(batch, 1, 3, generator=generator).cuda()
    torch.testing.assert_close(
        runner.forecast(ids, 2, future), baseline.forecast(ids, 2, future), **TOL
    )
