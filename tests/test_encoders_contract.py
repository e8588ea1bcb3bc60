"""Contract suite (:func:`tslib.checks.yield_checks`) over every registered encoder.

Each registered class runs every encoder check on each item of its ``test_config()``;
a failure names the class, the configuration and the check. Plus a few checks of the
recurrent and next-item encoders against hand-written reference equations (the
contract alone cannot tell two consistent but wrong paths apart).
"""

from __future__ import annotations

import pytest
import torch

import tslib.encoders  # noqa: F401  (registers the built-in encoders)
from tslib.checks import ENCODER_CHECKS, yield_checks
from tslib.checks.encoders import TOL, max_diff, random_state
from tslib.encoders import ENCODER_REGISTRY, NextItemEncoder, RecurrentEncoder
from tslib.errors import InputError

CHECKS = [
    pytest.param(
        check,
        id=f"{name}-{check.case.index}-{check.name}",
        marks=[pytest.mark.gpu] if check.name == "device_round_trip_cuda" else [],
    )
    for name, cls in sorted(ENCODER_REGISTRY.items())
    for check in yield_checks(cls)
]


def test_registry_holds_every_encoder():
    assert {"recurrent", "transformer", "next_item", "sasrec"} <= set(ENCODER_REGISTRY)
    for name, cls in ENCODER_REGISTRY.items():
        assert cls.test_config(), f"{name} has no test configuration"


def test_every_check_runs_on_every_registered_encoder():
    names = {check.values[0].name for check in CHECKS}
    always = set(ENCODER_CHECKS) - {"device_round_trip_cuda", "dropout_inactive_in_eval"}
    assert always <= names
    for name, cls in ENCODER_REGISTRY.items():
        ran = {c.values[0].name for c in CHECKS if c.values[0].case.cls is cls}
        assert always <= ran, f"{name} skipped {sorted(always - ran)}"


@pytest.mark.parametrize("check", CHECKS)
def test_contract(check):
    check()


def build(cls, config: dict, seed: int = 0):
    torch.manual_seed(seed)
    return cls(**config).eval()


# ------------------------------------------------- recurrent reference equations


def reference_cell(cell: str, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """Textbook LSTM / GRU / Elman equations, gates in torch's documented order."""
    if cell == "rnn":
        return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh), None
    if cell == "lstm":
        i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, dim=-1)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    return (1 - z) * torch.tanh(xn + r * hn) + z * h, None


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_recurrent_step_matches_textbook_equations(cell):
    model = build(RecurrentEncoder, {"input_size": 3, "hidden_size": 4, "output_size": 2,
                                     "num_layers": 2, "cell": cell})  # fmt: skip
    x = torch.randn(2, 3)
    state = random_state(model, 2)
    y, new = model.step(x, state)
    inputs_, expected_h, expected_c = x, [], []
    for layer, weights in enumerate(model.cell_weights()):
        c = state[1][:, layer] if cell == "lstm" else None
        h, c = reference_cell(cell, inputs_, state[0][:, layer], c, *weights)
        expected_h.append(h)
        expected_c.append(c)
        inputs_ = h
    assert max_diff(new[0], torch.stack(expected_h, dim=1)) <= TOL
    if cell == "lstm":
        assert max_diff(new[1], torch.stack(expected_c, dim=1)) <= TOL
    assert max_diff(y, inputs_ @ model.output.weight.T + model.output.bias) <= TOL
    assert model.state_bytes_per_stream() == (2 if cell == "lstm" else 1) * 2 * 4 * 4


def test_recurrent_rejects_bad_configuration():
    with pytest.raises(InputError, match="cell"):
        RecurrentEncoder(2, 3, 1, cell="transformer")
    with pytest.raises(InputError, match="feedback_inputs"):
        RecurrentEncoder(2, 3, 1, feedback_inputs=(2,))
    with pytest.raises(InputError, match="feedback_inputs"):
        RecurrentEncoder(3, 3, 1, feedback_inputs=(0, 1))  # only one point value


def test_next_item_scores_are_dot_products_with_item_embeddings():
    model = build(NextItemEncoder, {"n_items": 6, "embedding_dim": 3, "hidden_size": 4})
    items = torch.tensor([[[2.0], [5.0], [0.0]]])  # (1, 3, 1)
    scores, _ = model(items)
    projected, _ = model.core(model.items.weight[[2, 5, 0]].unsqueeze(0))  # (1, 3, E)
    manual = torch.einsum("bte,ne->btn", projected, model.items.weight)
    assert max_diff(scores, manual) <= TOL
    assert model.point(scores[:, -1]).item() == scores[0, -1].argmax().item()


@pytest.mark.parametrize("bad", [[[1.5]], [[-1.0]], [[6.0]], [[float("inf")]]])
def test_next_item_rejects_invalid_ids(bad):
    model = build(NextItemEncoder, {"n_items": 6, "embedding_dim": 3, "hidden_size": 4})
    with pytest.raises(InputError, match="item ids"):
        model.step(torch.tensor(bad), model.init_state(1))
    with pytest.raises(InputError, match="n_items"):
        NextItemEncoder(2**24 + 1, 2, 2)
