"""runner.observe (warm start with a history) equals T calls of runner.step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.encoders import ENCODER_REGISTRY, RecurrentEncoder
from tslib.errors import InputError
from tslib.runner import StepwiseRunner

CASES = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, cls in sorted(ENCODER_REGISTRY.items())
    for i in range(len(cls.test_config()))
]


def _model(name: str, i: int):
    cls = ENCODER_REGISTRY[name]
    return cls(**{**cls.test_config()[i], "seed": 3}).eval()


@pytest.mark.parametrize(("name", "i"), CASES)
@pytest.mark.parametrize("fast", [True, False])
def test_observe_equals_iterated_step(name, i, fast):
    model = _model(name, i)
    g = torch.Generator().manual_seed(0)
    warm = model.example_input(3, 4, generator=g)  # (3, 4, F): some history already stepped
    history = model.example_input(3, 9, generator=g)  # (3, 9, F)
    stepped = StepwiseRunner(model, device="cpu", fast=fast)
    observed = StepwiseRunner(model, device="cpu", fast=fast)
    ids = [5, 1, 9]
    for runner in (stepped, observed):
        for t in range(warm.shape[1]):
            runner.step(ids[:2], warm[:2, t])  # stream 9 is new at observe time
    expected = torch.stack([stepped.step(ids, history[:, t]) for t in range(9)], dim=1)
    outputs = observed.observe(ids, history)  # (3, 9, O)
    assert outputs.shape == expected.shape
    assert torch.allclose(outputs, expected, atol=1e-5, rtol=0)
    for stream in ids:
        assert observed.step_count(stream) == stepped.step_count(stream)
        assert torch.allclose(observed.last_output(stream), stepped.last_output(stream), atol=1e-5)
        for a, b in zip(observed.state_of(stream), stepped.state_of(stream)):
            assert torch.allclose(a, b, atol=1e-5)
    nxt = model.example_input(3, 1, generator=g)[:, 0]
    assert torch.allclose(observed.step(ids, nxt), stepped.step(ids, nxt), atol=1e-5)
    assert observed.stats()["stream_steps"] == stepped.stats()["stream_steps"]


def test_observe_rejects_bad_history_and_changes_nothing():
    model = RecurrentEncoder(2, 4, 1, seed=0)
    runner = StepwiseRunner(model, device="cpu")
    runner.step([1], np.ones((1, 2)))
    before = [s.clone() for s in runner.state_of(1)]
    bad = np.ones((2, 3, 2))
    bad[1, 2, 0] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        runner.observe([1, 2], bad)
    with pytest.raises(InputError, match=r"\(B, T, F\)"):
        runner.observe([1], np.ones((3, 2)))
    with pytest.raises(InputError, match="empty"):
        runner.observe([1], np.ones((1, 0, 2)))
    with pytest.raises(InputError, match="feature count"):
        runner.observe([1], np.ones((1, 3, 5)))
    assert runner.streams == (1,)
    assert runner.step_count(1) == 1
    for a, b in zip(runner.state_of(1), before):
        assert torch.equal(a, b)


def test_step_accepts_lists_and_pandas_rows():
    model = RecurrentEncoder(2, 4, 1, seed=0)
    reference = StepwiseRunner(model, device="cpu")
    runner = StepwiseRunner(model, device="cpu")
    frame = pd.DataFrame({"a": [0.5, -1.0], "b": [2.0, 0.25]})
    expected = reference.step([1, 2], frame.to_numpy())
    assert torch.allclose(runner.step([1, 2], [[0.5, 2.0], [-1.0, 0.25]]), expected)
    runner2 = StepwiseRunner(model, device="cpu")
    assert torch.allclose(runner2.step([1, 2], frame), expected)
    runner3 = StepwiseRunner(model, device="cpu")
    row = runner3.step([1], frame.iloc[0])  # one pandas row is one observation
    assert torch.allclose(row, expected[:1])
    with pytest.raises(InputError, match="non-numeric"):
        runner3.step([1], pd.DataFrame({"a": ["x"], "b": [1.0]}))
    with pytest.raises(InputError, match="rectangular"):
        runner3.step([1, 2], [[1.0, 2.0], [1.0]])
    with pytest.raises(InputError, match="must be a torch.Tensor"):
        runner3.step([1], {"a": 1.0})
    assert runner3.step_count(1) == 1
