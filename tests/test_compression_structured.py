"""tslib.compression.structured: hidden-unit pruning gives a smaller, ordinary encoder."""

from __future__ import annotations

import pytest
import torch

from tslib.compression import prune_units, quantize_dynamic_int8, unit_importance
from tslib.encoders.base import ENCODER_REGISTRY
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner import StepwiseRunner
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}
CASES = [("lstm", 1, None), ("lstm", 2, "gaussian"), ("gru", 2, None), ("rnn", 1, "quantile")]


def make_model(cell="lstm", layers=1, head=None, hidden=12, seed=0) -> RecurrentEncoder:
    return RecurrentEncoder(3, hidden, 1, num_layers=layers, cell=cell, head=head, seed=seed).eval()


def inputs(n=4, steps=9, seed=1) -> torch.Tensor:
    return torch.randn(n, steps, 3, generator=torch.Generator().manual_seed(seed))  # (N, T, F)


def iterate_step(model, x: torch.Tensor) -> torch.Tensor:
    state, outputs = model.init_state(x.shape[0]), []
    with torch.inference_mode():
        for t in range(x.shape[1]):
            y_t, state = model.step(x[:, t], state)
            outputs.append(y_t)
    return torch.stack(outputs, 1)  # (B, T, O)


@pytest.mark.parametrize(("cell", "layers", "head"), CASES)
@pytest.mark.parametrize("with_data", [False, True])
def test_keep_all_is_an_exact_copy(cell, layers, head, with_data):
    model = make_model(cell, layers, head)
    x = inputs()
    full = prune_units(model, 1.0, x if with_data else None)
    assert full is not model and full.hidden_size == model.hidden_size
    with torch.inference_mode():
        torch.testing.assert_close(full(x)[0], model(x)[0], atol=0, rtol=0)
    for name, tensor in model.state_dict().items():
        assert torch.equal(full.state_dict()[name], tensor), name


@pytest.mark.parametrize(("cell", "layers", "head"), CASES)
def test_pruned_model_is_a_registered_encoder_that_steps_like_its_forward(cell, layers, head):
    model = make_model(cell, layers, head)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    small = prune_units(model, 0.5, inputs())
    assert type(small) is RecurrentEncoder and ENCODER_REGISTRY["recurrent"] is RecurrentEncoder
    assert small.hidden_size == 6 and small.get_params() == {**model.get_params(), "hidden_size": 6}
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in model.parameters())
    x = inputs(5, 11, seed=2)
    with torch.inference_mode():
        torch.testing.assert_close(iterate_step(small, x), small(x)[0], **TOL)
    fast = StepwiseRunner(small, device="cpu")
    plain = StepwiseRunner(small, device="cpu", fast=False)
    assert not isinstance(fast._kernel, PlainKernel)  # the fused / native path applies
    for t in range(x.shape[1]):
        torch.testing.assert_close(
            fast.step(range(5), x[:, t]), plain.step(range(5), x[:, t]), **TOL
        )
    for name, tensor in before.items():
        assert torch.equal(model.state_dict()[name], tensor), name  # the original is untouched


def test_pruning_keeps_the_chosen_units_weights():
    model = make_model("lstm", 1, hidden=8)
    scores = unit_importance(model)[0]  # (8,)
    small = prune_units(model, 0.5)
    kept = torch.sort(torch.topk(scores, 4).indices).values
    rows = torch.cat([g * 8 + kept for g in range(4)])
    torch.testing.assert_close(small.core.weight_hh_l0, model.core.weight_hh_l0[rows][:, kept])
    torch.testing.assert_close(small.core.weight_ih_l0, model.core.weight_ih_l0[rows])
    torch.testing.assert_close(small.output.weight, model.output.weight[:, kept])


def test_a_dead_unit_is_removed_first_and_exactly():
    """A unit whose outgoing weights are zero contributes nothing: removing it is exact."""
    model = make_model("lstm", 1, hidden=4)
    with torch.no_grad():
        model.core.weight_hh_l0[:, 2] = 0
        model.output.weight[:, 2] = 0
    for x in (None, inputs()):
        scores = unit_importance(model, x)[0]
        assert int(scores.argmin()) == 2 and float(scores[2]) == 0.0
        small = prune_units(model, 0.75, x)
        with torch.inference_mode():
            torch.testing.assert_close(small(inputs())[0], model(inputs())[0], **TOL)


def test_bias_compensation_helps_the_unfinetuned_model():
    """With data, removed units' means go into the biases: the pruned outputs stay closer."""
    torch.manual_seed(0)
    model = make_model("lstm", 2, hidden=16)
    x = inputs(16, 20, seed=3)
    with torch.inference_mode():
        reference = model(x)[0]
        plain = (prune_units(model, 0.5)(x)[0] - reference).square().mean()
        compensated = (prune_units(model, 0.5, x)(x)[0] - reference).square().mean()
    assert compensated < plain


@pytest.mark.parametrize("keep", [0.0, -0.5, 1.01, 2, float("nan"), True, "0.5"])
def test_keep_outside_the_unit_interval_is_rejected(keep):
    with pytest.raises(InputError, match=r"keep must be a fraction in \(0, 1\]"):
        prune_units(make_model(), keep)


def test_wrong_models_and_inputs_are_rejected():
    with pytest.raises(InputError, match="expected a float RecurrentEncoder, got Linear"):
        prune_units(torch.nn.Linear(3, 3), 0.5)
    with pytest.raises(InputError, match="got QuantizedRecurrentEncoder"):
        prune_units(quantize_dynamic_int8(make_model()), 0.5)
    with pytest.raises(InputError, match=r"x must be a tensor \(N, T, 3\)"):
        prune_units(make_model(), 0.5, torch.zeros(4, 5, 2))
    with pytest.raises(InputError, match="at least one finite step"):
        prune_units(make_model(), 0.5, torch.full((1, 2, 3), float("nan")))


def test_tiny_keep_still_keeps_one_unit():
    assert prune_units(make_model(hidden=12), 0.01).hidden_size == 1
