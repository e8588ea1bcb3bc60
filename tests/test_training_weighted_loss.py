"""weighted_head_loss: the head's loss with one weight per target."""

from __future__ import annotations

import pytest
import torch

from tslib.encoders import RecurrentEncoder
from tslib.errors import InputError
from tslib.training import fit
from tslib.training.loss import sequence_loss
from tslib.training.weighted_loss import weighted_head_loss


@pytest.mark.parametrize("head", ["gaussian", "quantile", "point"])
def test_equal_weights_give_the_default_loss(head):
    model = RecurrentEncoder(2, 6, 2, head=head, seed=0)
    x, y = torch.randn(3, 7, 2), torch.randn(3, 7, 2)
    outputs = model(x)[0]
    weighted = weighted_head_loss(model, [2.0, 2.0])(outputs, y)
    assert torch.isclose(weighted, sequence_loss(model, outputs, y))


def test_a_zero_weight_ignores_that_target():
    model = RecurrentEncoder(2, 6, 2, head="gaussian", seed=0)
    x, y = torch.randn(3, 7, 2), torch.randn(3, 7, 2)
    loss = weighted_head_loss(model, [1.0, 0.0])
    changed = y.clone()
    changed[..., 1] += 100.0
    outputs = model(x)[0]
    assert torch.isclose(loss(outputs, y), loss(outputs, changed))
    assert not torch.isclose(loss(outputs, y), weighted_head_loss(model, [0.0, 1.0])(outputs, y))


def test_fit_accepts_it():
    model = RecurrentEncoder(2, 6, 2, head="gaussian", seed=0)
    data = (torch.randn(8, 10, 2), torch.randn(8, 10, 2))
    history = fit(model, data, epochs=2, loss=weighted_head_loss(model, [3, 1]), device="cpu")
    assert len(history) == 2


def test_errors():
    model = RecurrentEncoder(2, 6, 2, head="gaussian", seed=0)
    with pytest.raises(InputError, match="2 targets"):
        weighted_head_loss(model, [1.0])
    with pytest.raises(InputError, match=">= 0"):
        weighted_head_loss(model, [1.0, -1.0])
    with pytest.raises(InputError, match="not all 0"):
        weighted_head_loss(model, [0.0, 0.0])
    with pytest.raises(InputError, match="no regression head"):
        weighted_head_loss(torch.nn.Linear(2, 2), [1.0, 1.0])
