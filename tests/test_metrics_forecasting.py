"""Forecast metrics against hand-computed values, scikit-learn and numerical integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.metrics import mean_absolute_error, mean_pinball_loss, mean_squared_error

from tslib.errors import InputError
from tslib.metrics import (
    crps_from_quantiles,
    crps_gaussian,
    interval_coverage,
    interval_width,
    mae,
    mase,
    pinball_loss,
    rmse,
    smape,
)

Y_TRUE = np.array([1.0, 2.0, 4.0, 0.0])
Y_PRED = np.array([2.0, 2.0, 1.0, 0.0])


def test_mae_rmse_hand_values():
    # errors: -1, 0, 3, 0
    assert mae(Y_TRUE, Y_PRED) == pytest.approx(4.0 / 4)
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx(np.sqrt(10.0 / 4))


def test_mae_rmse_match_sklearn():
    rng = np.random.default_rng(0)
    truth, pred = rng.normal(size=50), rng.normal(size=50)
    assert mae(truth, pred) == pytest.approx(mean_absolute_error(truth, pred))
    assert rmse(truth, pred) == pytest.approx(np.sqrt(mean_squared_error(truth, pred)))


def test_mase_hand_value():
    train = np.array([1.0, 3.0, 2.0, 6.0])  # lag-1 |diffs| 2, 1, 4 -> scale 7/3
    assert mase(Y_TRUE, Y_PRED, train) == pytest.approx(1.0 / (7.0 / 3.0))
    # season 2: |2-1|, |6-3| -> scale 2
    assert mase(Y_TRUE, Y_PRED, train, season=2) == pytest.approx(0.5)


def test_mase_rejects_constant_or_short_training_series():
    with pytest.raises(InputError, match="scale is zero"):
        mase(Y_TRUE, Y_PRED, [1.0, 1.0, 1.0])
    with pytest.raises(InputError, match="more than season"):
        mase(Y_TRUE, Y_PRED, [1.0, 2.0], season=2)


def test_smape_hand_value_with_zero_pair():
    # terms: 2*1/3, 0, 2*3/5, 0 (0/0 -> 0)
    expected = 100.0 * (2.0 / 3.0 + 6.0 / 5.0) / 4
    assert smape(Y_TRUE, Y_PRED) == pytest.approx(expected)


def test_pinball_matches_sklearn_per_level():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=40)
    levels = np.array([0.1, 0.5, 0.9])
    preds = truth[:, None] + rng.normal(size=(40, 3))
    per_level = [mean_pinball_loss(truth, preds[:, j], alpha=a) for j, a in enumerate(levels)]
    assert pinball_loss(truth, preds, levels) == pytest.approx(np.mean(per_level))


def test_pinball_hand_value():
    # y=1, q=3 at tau=0.1: (0.1-1)*(1-3) = 1.8 ; y=1, q=0 at tau=0.9: 0.9*1 = 0.9
    assert pinball_loss([1.0], [[3.0, 0.0]], [0.1, 0.9]) == pytest.approx((1.8 + 0.9) / 2)


def test_crps_gaussian_matches_numerical_integral():
    y, mu, sigma = 0.7, 0.2, 1.5
    cdf = lambda x: stats.norm.cdf(x, mu, sigma)
    left, _ = integrate.quad(lambda x: cdf(x) ** 2, -np.inf, y)
    right, _ = integrate.quad(lambda x: (1.0 - cdf(x)) ** 2, y, np.inf)
    assert crps_gaussian(y, mu, sigma) == pytest.approx(left + right, rel=1e-7)


def test_crps_from_many_quantiles_converges_to_gaussian_crps():
    rng = np.random.default_rng(2)
    truth = rng.normal(size=20)
    levels = (np.arange(1, 400) - 0.5) / 399  # midpoint rule
    mu, sigma = 0.3, 1.2
    preds = np.tile(stats.norm.ppf(levels, mu, sigma), (20, 1))  # (20, Q)
    approx = crps_from_quantiles(truth, preds, levels)
    assert approx == pytest.approx(crps_gaussian(truth, mu, sigma), rel=2e-3)


def test_interval_coverage_and_width():
    y = np.array([0.0, 1.0, 2.0, 5.0])
    lower = np.array([-1.0, 1.0, 2.5, 0.0])
    upper = np.array([1.0, 2.0, 3.0, 4.0])
    assert interval_coverage(y, lower, upper) == pytest.approx(0.5)  # closed interval: 1 in
    assert interval_width(lower, upper) == pytest.approx((2 + 1 + 0.5 + 4) / 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mae([1.0, 2.0], [1.0]), "shape mismatch"),
        (lambda: rmse([1.0, np.nan], [1.0, 2.0]), "y_true contains NaN"),
        (lambda: mae([], []), "y_true is empty"),
        (lambda: pinball_loss([1.0], [[1.0, 2.0]], [0.5]), "2 columns but 1"),
        (lambda: pinball_loss([1.0], [[1.0]], [1.5]), "quantiles must lie"),
        (lambda: crps_gaussian([1.0], 0.0, 0.0), "sigma must be strictly positive"),
        (lambda: interval_coverage([1.0], [2.0], [1.0]), "lower exceeds upper"),
    ],
)
def test_bad_input_raises_input_error(call, message):
    with pytest.raises(InputError, match=message):
        call()
