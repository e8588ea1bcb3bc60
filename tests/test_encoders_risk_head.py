"""StudentTQuantileHead: parameters, its log-density against scipy, the loss, and step == forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from tslib.encoders import RecurrentEncoder
from tslib.encoders.risk_head import StudentTQuantileHead
from tslib.errors import InputError


def test_parameters_are_valid_and_quantiles_increase():
    head = StudentTQuantileHead(n_targets=2, quantiles=(0.01, 0.05, 0.5))
    raw = 5.0 * torch.randn(7, 3, 2 * 6, generator=torch.Generator().manual_seed(0))
    params = head.transform(raw)  # (7, 3, 2, 6)
    assert params.shape == (7, 3, 2, 6)
    loc, scale, df = head.distribution(params)
    assert bool((scale > 0).all()) and bool((df > 2.0).all())
    assert bool((head.quantiles(params).diff(dim=-1) > 0).all())
    torch.testing.assert_close(head.point(params), loc)


def test_zero_outputs_start_at_normal_quantiles():
    head = StudentTQuantileHead(quantiles=(0.01, 0.05))
    params = head.transform(torch.zeros(1, 5))
    np.testing.assert_allclose(
        head.quantiles(params)[0, 0].numpy(), stats.norm.ppf([0.01, 0.05]), rtol=1e-5
    )


def test_log_prob_matches_scipy_and_loss_adds_pinball():
    head = StudentTQuantileHead(quantiles=(0.01, 0.05), quantile_weight=0.5)
    params = head.transform(torch.randn(50, 5, generator=torch.Generator().manual_seed(1)).double())
    target = torch.randn(50, 1, generator=torch.Generator().manual_seed(2)).double()
    loc, scale, df = (p[:, 0].numpy() for p in head.distribution(params))
    expected = stats.t.logpdf(target[:, 0].numpy(), df, loc=loc, scale=scale)
    np.testing.assert_allclose(head.log_prob(params, target)[:, 0].numpy(), expected, rtol=1e-10)
    q = head.quantiles(params)[:, 0].numpy()  # (50, 2)
    e = target.numpy() - q
    levels = np.array([0.01, 0.05])
    pinball = np.maximum(levels * e, (levels - 1) * e).mean(axis=1)
    want = np.mean(-expected + 0.5 * pinball)
    assert float(head.loss(params, target)) == pytest.approx(want, rel=1e-10)
    with pytest.raises(InputError, match="target"):
        head.loss(params, target[:, :, None])


def test_recurrent_encoder_with_the_head_steps_like_forward():
    head = StudentTQuantileHead()
    model = RecurrentEncoder(4, 8, 1, cell="gru", head=head, seed=0).eval()
    x = torch.randn(3, 20, 4, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        full, _ = model(x)  # (3, 20, 5)
        state, outs = model.init_state(3), []
        for t in range(20):
            y, state = model.step(x[:, t], state)
            outs.append(y)
    assert full.shape == (3, 20, 5)
    torch.testing.assert_close(torch.stack(outs, dim=1), full, atol=1e-5, rtol=0)


def test_bad_levels_raise():
    with pytest.raises(InputError, match="increase"):
        StudentTQuantileHead(quantiles=(0.05, 0.01))
    with pytest.raises(InputError, match="min_df"):
        StudentTQuantileHead(min_df=2.0)
