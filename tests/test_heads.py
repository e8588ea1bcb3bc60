"""Heads: transforms, losses against hand-computed numbers and reference libraries, make_head."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import norm
from sklearn.metrics import mean_pinball_loss

from tslib.encoders import (
    CausalTransformerEncoder,
    ClassHead,
    GaussianHead,
    ItemScoreHead,
    PointHead,
    QuantileHead,
    RecurrentEncoder,
    make_head,
)
from tslib.errors import InputError


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def test_point_head_is_identity_with_mse():
    head = PointHead(2)
    params = head.transform(torch.tensor([[1.0, -2.0], [0.5, 3.0]]))
    target = torch.tensor([[0.0, 0.0], [0.5, 1.0]])
    # squared errors 1, 4, 0, 4 -> mean 9 / 4
    assert head.loss(params, target).item() == pytest.approx(2.25)
    assert torch.equal(head.point(params), params) and head.n_outputs == 2
    assert head.loss(params, target, reduction="none").shape == (2, 2)
    with pytest.raises(InputError, match="target"):
        head.loss(params, target[:, :1])


def test_quantile_head_transform_is_monotone_cumulative_softplus():
    head = QuantileHead(1, quantiles=(0.1, 0.5, 0.9))
    params = head.transform(torch.tensor([[0.3, -1.0, 2.0]]))  # (1, 1*3)
    expected = [0.3, 0.3 + softplus(-1.0), 0.3 + softplus(-1.0) + softplus(2.0)]
    assert params.shape == (1, 1, 3)
    assert params[0, 0].tolist() == pytest.approx(expected, abs=1e-6)
    torch.manual_seed(0)
    many = head.transform(torch.randn(50, 3) * 5)
    assert bool((many.diff(dim=-1) >= 0).all())
    assert head.point(params).item() == pytest.approx(expected[1], abs=1e-6)  # the median


def test_quantile_head_layout_per_target():
    head = QuantileHead(2, quantiles=(0.25, 0.75))
    raw = torch.tensor([[1.0, 0.0, -3.0, 1.0]])  # target 0: (1, 0), target 1: (-3, 1)
    params = head.transform(raw)
    assert params.shape == (1, 2, 2) and head.n_outputs == 4
    assert params[0, 1].tolist() == pytest.approx([-3.0, -3.0 + softplus(1.0)], abs=1e-6)


def test_pinball_loss_hand_computed_and_against_sklearn():
    head = QuantileHead(1, quantiles=(0.1, 0.5, 0.9))
    params = torch.tensor([[[0.0, 1.0, 2.0]]])  # quantiles at 0, 1, 2
    # target 1: errors 1, 0, -1 -> 0.1 * 1, 0, max(0.9 * -1, -0.1 * -1) = 0.1
    assert head.loss(params, torch.tensor([[1.0]])).item() == pytest.approx(0.2 / 3)
    rng = np.random.default_rng(0)
    target = rng.normal(size=(40, 1))
    quantiles = head.transform(torch.tensor(rng.normal(size=(40, 3)), dtype=torch.float64))
    ours = head.loss(quantiles, torch.tensor(target)).item()
    reference = np.mean(
        [
            mean_pinball_loss(target[:, 0], quantiles[:, 0, k].numpy(), alpha=level)
            for k, level in enumerate(head.levels)
        ]
    )
    assert ours == pytest.approx(reference, rel=1e-10)


def test_quantile_head_median_choice_and_validation():
    assert QuantileHead(1, quantiles=(0.05, 0.4, 0.95)).median_index == 1
    assert QuantileHead(1, quantiles=(0.3, 0.6, 0.9)).median_index == 1
    with pytest.raises(InputError, match="increase"):
        QuantileHead(1, quantiles=(0.5, 0.1))
    with pytest.raises(InputError, match=r"\(0, 1\)"):
        QuantileHead(1, quantiles=(0.0, 0.5))


def test_gaussian_head_std_and_nll_against_scipy():
    head = GaussianHead(2, min_std=1e-4)
    raw = torch.tensor([[0.5, -1.0, 0.0, 2.0]], dtype=torch.float64)  # means 0.5, -1
    params = head.transform(raw)
    mean, std = head.mean_std(params)
    assert mean.tolist() == [[0.5, -1.0]]
    assert std[0].tolist() == pytest.approx([softplus(0.0) + 1e-4, softplus(2.0) + 1e-4])
    target = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    reference = -norm.logpdf(target.numpy(), loc=mean.numpy(), scale=std.numpy()).mean()
    assert head.loss(params, target).item() == pytest.approx(reference, rel=1e-12)
    torch_nll = F.gaussian_nll_loss(mean, target, std**2, full=True, eps=0.0)
    assert head.loss(params, target).item() == pytest.approx(torch_nll.item(), rel=1e-12)
    assert torch.equal(head.point(params), mean)


def test_class_head_cross_entropy_hand_computed():
    head = ClassHead(2)
    logits = torch.tensor([[0.0, math.log(3.0)]], dtype=torch.float64)
    # softmax = (1/4, 3/4)
    assert head.loss(logits, torch.tensor([1])).item() == pytest.approx(-math.log(0.75))
    assert head.loss(logits, torch.tensor([[0.0]])).item() == pytest.approx(-math.log(0.25))
    assert head.probs(logits)[0].tolist() == pytest.approx([0.25, 0.75])
    assert head.point(logits).tolist() == [[1.0]] and head.n_targets == 1


def test_class_head_matches_torch_cross_entropy_and_validates_targets():
    torch.manual_seed(0)
    head = ClassHead(5)
    logits = torch.randn(4, 6, 5)  # (B, T, C)
    target = torch.randint(0, 5, (4, 6))
    expected = F.cross_entropy(logits.reshape(-1, 5), target.reshape(-1))
    assert head.loss(logits, target.float().unsqueeze(-1)).item() == pytest.approx(expected.item())
    with pytest.raises(InputError, match="non-integer"):
        head.loss(logits[0], torch.full((6,), 0.5))
    with pytest.raises(InputError, match=r"\[0, 5\)"):
        head.loss(logits[0], torch.full((6,), 5))
    with pytest.raises(InputError, match="shaped"):
        head.loss(logits, target[:, :2])


def test_item_score_head_top_k_and_loss():
    head = ItemScoreHead(4)
    scores = torch.tensor([[0.1, 2.0, -1.0, 1.0]])
    assert head.top_k(scores, 2).tolist() == [[1, 3]]
    expected = -(2.0 - torch.logsumexp(scores[0], 0)).item()
    assert head.loss(scores, torch.tensor([1])).item() == pytest.approx(expected, abs=1e-6)
    assert head.point(scores).tolist() == [[1.0]]


def test_make_head_specs():
    assert type(make_head(None, 3)) is PointHead and make_head(None, 3).n_outputs == 3
    assert make_head("quantile", 2).n_outputs == 6
    assert make_head("gaussian", 2).n_outputs == 4
    assert make_head("class", 7).n_outputs == 7
    assert type(make_head("items", 9)) is ItemScoreHead
    instance = QuantileHead(2, quantiles=(0.2, 0.8))
    assert make_head(instance, 2) is instance
    with pytest.raises(InputError, match="size"):
        make_head(instance, 3)
    with pytest.raises(InputError, match="unknown head"):
        make_head("poisson", 1)


@pytest.mark.parametrize("cls", [RecurrentEncoder, CausalTransformerEncoder])
def test_encoder_point_goes_through_the_head(cls):
    torch.manual_seed(0)
    sizes = {"hidden_size": 4} if cls is RecurrentEncoder else {"d_model": 4, "n_heads": 2}
    model = cls(input_size=2, output_size=2, head="quantile", **sizes).eval()
    y, _ = model(torch.randn(3, 5, 2))
    assert y.shape == (3, 5, 6) and model.n_outputs == 6
    median = model.head.transform(y)[..., 1]  # (3, 5, 2)
    assert torch.equal(model.point(y), median)
    # the median of monotone quantiles differs from the raw middle column in general
    assert not torch.allclose(model.point(y), y[..., 1::3])
