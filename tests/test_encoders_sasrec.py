"""SASRec-specific checks beyond the contract suite (which covers step == forward)."""

from __future__ import annotations

import math

import pytest
import torch

from tslib.encoders import ENCODER_REGISTRY, SASRecEncoder
from tslib.errors import InputError
from tslib.runner import StepwiseRunner


def small(**options) -> SASRecEncoder:
    config = {"n_items": 12, "d_model": 8, "n_heads": 2, "num_layers": 2, "context": 3}
    return SASRecEncoder(**{**config, **options}).eval()


def test_registered_and_seeded():
    assert ENCODER_REGISTRY["sasrec"] is SASRecEncoder
    assert small(seed=3).fingerprint() == small(seed=3).fingerprint()
    assert small(seed=3).fingerprint() != small(seed=4).fingerprint()
    assert small(seed=3).clone().get_params()["seed"] == 3


def test_scores_are_dot_products_with_the_scaled_input_embeddings():
    model = small(seed=0)
    items = torch.tensor([[[2.0], [5.0], [0.0], [11.0]]])  # (1, 4, 1)
    scores, _ = model(items)
    embedded = model.items.weight[[2, 5, 0, 11]].unsqueeze(0) * math.sqrt(8)  # (1, 4, D)
    projected, _ = model.core(embedded)
    manual = torch.einsum("btd,nd->btn", projected, model.items.weight)
    assert (scores - manual).abs().max() <= 1e-5
    encoded, _ = model.encode(items)
    assert (model.scores(encoded) - scores).abs().max() <= 1e-6


def test_attention_window_forgets_items_older_than_the_context():
    model = small(seed=1)
    base = torch.tensor([[[1.0], [2.0], [3.0], [4.0], [5.0]]])
    changed = base.clone()
    changed[0, 0, 0] = 9.0  # 4 steps before the last item
    last, _ = model(base)
    last_changed, _ = model(changed)
    # with 2 layers the receptive field is 2 * (context - 1) + 1 = 5 items: still inside
    assert (last[0, -1] - last_changed[0, -1]).abs().max() > 1e-6
    longer = torch.cat([torch.tensor([[[7.0]]]), base], dim=1)  # 6 items: first is outside
    longer_changed = longer.clone()
    longer_changed[0, 0, 0] = 8.0
    assert (model(longer)[0][0, -1] - model(longer_changed)[0][0, -1]).abs().max() == 0.0


@pytest.mark.parametrize("bad", [[[1.5]], [[-1.0]], [[12.0]], [[float("nan")]]])
def test_invalid_ids_raise_and_the_runner_names_the_stream(bad):
    model = small()
    with pytest.raises(InputError, match="item ids"):
        model.step(torch.tensor(bad), model.init_state(1))
    runner = StepwiseRunner(model, device="cpu")
    with pytest.raises(InputError, match="'u2'"):
        runner.step(["u1", "u2"], torch.tensor([[3.0], bad[0]]))


def test_bad_configuration_is_named():
    with pytest.raises(InputError, match="n_items"):
        SASRecEncoder(0)
    with pytest.raises(InputError, match="dropout"):
        SASRecEncoder(5, dropout=1.0)


def test_runner_steps_equal_forward_for_interleaved_users():
    model = small(seed=2)
    runner = StepwiseRunner(model, device="cpu")
    histories = {"a": [1, 4, 4, 7, 2], "b": [3, 3, 9]}
    for t in range(5):
        ids = [u for u, h in histories.items() if t < len(h)]
        runner.step(ids, torch.tensor([[float(histories[u][t])] for u in ids]))
    for user, history in histories.items():
        full, _ = model(torch.tensor(history, dtype=torch.float32)[None, :, None])
        assert (runner.last_output(user) - full[0, -1]).abs().max() <= 1e-5
