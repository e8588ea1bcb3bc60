"""tslib.compression: int8 dynamic quantization that still steps, magnitude pruning, sizes, MSE."""

from __future__ import annotations

import copy
import io
import math

import numpy as np
import pytest
import torch

from tslib.compression import (
    QuantizedRecurrentEncoder,
    model_size_bytes,
    one_step_mse,
    prune_magnitude,
    quantize_dynamic_int8,
    sparsity,
)
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner import StepwiseRunner
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}


def make_model(cell: str = "lstm", layers: int = 1, hidden: int = 32, seed: int = 0):
    torch.manual_seed(seed)
    return RecurrentEncoder(2, hidden, 1, num_layers=layers, cell=cell).eval()


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: t.detach().clone() for name, t in model.state_dict().items()}


def assert_untouched(model: torch.nn.Module, before: dict[str, torch.Tensor]) -> None:
    after = model.state_dict()
    assert after.keys() == before.keys()
    for name, tensor in before.items():
        assert torch.equal(after[name], tensor), name


def iterate_step(model, x: torch.Tensor) -> torch.Tensor:
    state = model.init_state(x.shape[0])
    outputs = []
    for t in range(x.shape[1]):
        y_t, state = model.step(x[:, t], state)
        outputs.append(y_t)
    return torch.stack(outputs, 1)  # (B, T, O)


# ------------------------------------------------------------------ quantization
@pytest.mark.parametrize(("cell", "layers"), [("lstm", 1), ("lstm", 2), ("gru", 1)])
def test_quantized_model_steps_exactly_like_its_forward(cell, layers):
    model = make_model(cell, layers)
    before = snapshot(model)
    quantized = quantize_dynamic_int8(model)
    assert isinstance(quantized, QuantizedRecurrentEncoder)
    assert "quantized" in type(quantized.core).__module__
    assert "quantized" in type(quantized.output).__module__
    x = torch.randn(3, 6, 2, generator=torch.Generator().manual_seed(1))  # (B, T, F)
    with torch.inference_mode():
        forward_y, _ = quantized(x)
        step_y = iterate_step(quantized, x)
        float_y, _ = model(x)
    torch.testing.assert_close(step_y, forward_y, atol=0, rtol=0)  # the stepwise contract
    error = (forward_y - float_y).abs().max().item()
    assert 1e-6 < error < 0.05  # int8 weights: close to fp32, but not fp32
    assert_untouched(model, before)


def test_quantized_model_runs_in_the_runner_and_shrinks():
    model = make_model("lstm", hidden=64)
    quantized = quantize_dynamic_int8(model)
    assert model_size_bytes(quantized) < model_size_bytes(model) / 2.5  # 4-byte -> 1-byte weights
    runner = StepwiseRunner(quantized, device="cpu")
    assert isinstance(runner._kernel, PlainKernel)  # fused kernels need float weights
    x = torch.randn(4, 3, 2, generator=torch.Generator().manual_seed(2))
    ids = ("a", "b", "c", "d")
    with torch.inference_mode():
        expected = iterate_step(quantized, x)
    for t in range(3):
        torch.testing.assert_close(runner.step(ids, x[:, t]), expected[:, t], atol=0, rtol=0)


def test_rnn_core_stays_float_and_output_is_quantized():
    quantized = quantize_dynamic_int8(make_model("rnn"))
    assert isinstance(quantized.core, torch.nn.RNN)
    assert "quantized" in type(quantized.output).__module__
    x = torch.randn(2, 4, 2)
    with torch.inference_mode():
        torch.testing.assert_close(iterate_step(quantized, x), quantized(x)[0], atol=0, rtol=0)


def test_quantize_rejects_other_models():
    with pytest.raises(InputError, match="expected a float RecurrentEncoder, got Linear"):
        quantize_dynamic_int8(torch.nn.Linear(2, 2))
    with pytest.raises(InputError, match="must be float32"):
        quantize_dynamic_int8(make_model().double())
    with pytest.raises(InputError, match="QuantizedRecurrentEncoder"):
        quantize_dynamic_int8(quantize_dynamic_int8(make_model()))


# ---------------------------------------------------------------------- pruning
@pytest.mark.parametrize("amount", [0.0, 0.3, 0.5, 0.9])
def test_pruned_fraction_is_exact_and_smallest_go(amount):
    model = make_model("lstm", layers=2)
    before = snapshot(model)
    pruned = prune_magnitude(model, amount)
    fractions = sparsity(pruned)
    names = ["core.weight_ih_l0", "core.weight_hh_l0", "core.weight_ih_l1", "core.weight_hh_l1"]
    assert sorted(fractions) == sorted([*names, "output.weight"])
    for name, fraction in fractions.items():
        original = before[name]
        assert fraction == round(amount * original.numel()) / original.numel()
        kept = pruned.state_dict()[name] != 0
        if 0 < amount:
            assert original[kept].abs().min() >= original[~kept].abs().max()
        torch.testing.assert_close(pruned.state_dict()[name][kept], original[kept], atol=0, rtol=0)
    for name, tensor in before.items():
        if "bias" in name:
            assert torch.equal(pruned.state_dict()[name], tensor)  # biases are kept
    assert_untouched(model, before)  # a copy was pruned
    assert not any("mask" in n or "orig" in n for n in pruned.state_dict())  # permanent


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_pruned_model_keeps_the_stepwise_contract_and_fast_kernel_sees_it(cell):
    model = make_model(cell, layers=2, hidden=16)
    pruned = prune_magnitude(model, 0.6)
    x = torch.randn(5, 7, 2, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        torch.testing.assert_close(iterate_step(pruned, x), pruned(x)[0], **TOL)
    fast, plain = StepwiseRunner(pruned, device="cpu"), StepwiseRunner(pruned, "cpu", fast=False)
    assert not isinstance(fast._kernel, PlainKernel)
    for t in range(7):
        ids = list(range(5))
        torch.testing.assert_close(fast.step(ids, x[:, t]), plain.step(ids, x[:, t]), **TOL)


def test_in_place_pruning_reaches_a_live_runner():
    """Pruning in place keeps the Parameter objects; the runner's fast kernel notices
    the new values through their version counters."""
    model = make_model("lstm", hidden=16)
    twin, unpruned = copy.deepcopy(model), copy.deepcopy(model)
    runners = [
        StepwiseRunner(model, device="cpu"),  # fast kernel, built before pruning
        StepwiseRunner(twin, device="cpu", fast=False),  # reference
        StepwiseRunner(unpruned, device="cpu"),  # never pruned
    ]
    x = torch.randn(3, 2, generator=torch.Generator().manual_seed(6))
    for runner in runners:
        runner.step([0, 1, 2], x)
    assert prune_magnitude(model, 0.7, inplace=True) is model
    prune_magnitude(twin, 0.7, inplace=True)
    fast, reference, stale = (runner.step([0, 1, 2], x) for runner in runners)
    torch.testing.assert_close(fast, reference, **TOL)
    assert (fast - stale).abs().max() > 1e-3  # the pruning changed the outputs


@pytest.mark.parametrize("amount", [-0.1, 1.5])
def test_prune_rejects_bad_amounts(amount):
    with pytest.raises(InputError, match=r"amount must be in \[0, 1\]"):
        prune_magnitude(make_model(), amount)


def test_prune_rejects_models_without_weights():
    with pytest.raises(InputError, match="ReLU has no weight matrices"):
        prune_magnitude(torch.nn.ReLU(), 0.5)


# ------------------------------------------------------------------ size and MSE
def test_model_size_is_the_serialized_state_dict():
    model = make_model(hidden=32)
    n_params = sum(p.numel() for p in model.parameters())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    size = model_size_bytes(model)
    assert size == buffer.getbuffer().nbytes
    assert 4 * n_params < size < 4 * n_params + 10_000  # float32 payload plus a small header


def test_one_step_mse_matches_a_hand_computed_loop():
    model = make_model("gru", hidden=8)
    generator = torch.Generator().manual_seed(4)
    series = torch.randn(30, 2, generator=generator).numpy()  # (N, F)
    state, errors = model.init_state(1), []
    with torch.inference_mode():
        for t in range(29):
            y_t, state = model.step(torch.from_numpy(series[t : t + 1]), state)
            errors.append(float(y_t[0, 0]) - series[t + 1, 1])
    expected = float(np.mean(np.square(errors)))
    assert one_step_mse(model, series, target_column=1) == pytest.approx(expected, rel=1e-5)


def test_one_step_mse_of_a_univariate_series():
    torch.manual_seed(5)
    model = RecurrentEncoder(1, 4, 1).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()  # predicts 0 everywhere: MSE = mean of series[1:] ** 2
    series = np.sin(np.arange(50) / 3.0)
    expected = float(np.mean(series[1:] ** 2))
    assert math.isclose(one_step_mse(model, series), expected, rel_tol=1e-6)


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (np.zeros(1), "N >= 2"),
        (np.zeros((5, 3)), "N >= 2, 1"),
        (np.array([0.0, np.nan, 1.0]), "NaN or inf"),
    ],
)
def test_one_step_mse_rejects_bad_series(series, message):
    model = RecurrentEncoder(1, 4, 1).eval()
    with pytest.raises(InputError, match=message):
        one_step_mse(model, series)
    with pytest.raises(InputError, match="target_column 2"):
        one_step_mse(model, np.zeros(5), target_column=2)
