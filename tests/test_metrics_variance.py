"""QLIKE and the Diebold-Mariano test of variance forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.errors import InputError
from tslib.metrics import qlike, qlike_losses, volatility_dm_test


@pytest.fixture(scope="module")
def garch_like():
    rng = np.random.default_rng(0)
    variance = np.exp(np.cumsum(rng.normal(0, 0.1, 3000)) * 0.3)  # slowly moving true variance
    returns = np.sqrt(variance) * rng.standard_normal(3000)
    return returns, variance


def test_qlike_is_pattons_loss_less_a_forecast_free_term():
    r, h = np.array([0.5, -2.0, 1.0]), np.array([1.0, 2.0, 0.7])
    patton = r**2 / h - np.log(r**2 / h) - 1.0
    np.testing.assert_allclose(qlike_losses(r, h) - patton, np.log(r**2) + 1.0)
    assert qlike(r, h) == pytest.approx(np.mean(np.log(h) + r**2 / h))
    assert np.isfinite(qlike([0.0], [1.0]))  # defined on a zero-return day


def test_qlike_prefers_the_true_variance(garch_like):
    returns, variance = garch_like
    assert qlike(returns, variance) < qlike(returns, 1.3 * variance)
    assert qlike(returns, variance) < qlike(returns, 0.7 * variance)
    assert qlike(returns, variance) < qlike(returns, np.full(3000, variance.mean()))


def test_dm_test_detects_the_better_forecast_and_is_antisymmetric(garch_like):
    returns, variance = garch_like
    flat = np.full(3000, returns.var())
    result = volatility_dm_test(returns, variance, flat)
    assert result["stat"] < 0 and result["pvalue"] < 0.01
    assert result["max_lags"] == int(4 * 30 ** (2 / 9))
    swapped = volatility_dm_test(returns, flat, variance)
    assert swapped["stat"] == pytest.approx(-result["stat"])
    mse = volatility_dm_test(returns, variance, flat, loss="mse", max_lags=5)
    assert mse["max_lags"] == 5 and mse["loss"] == "mse"


def test_dm_test_is_calibrated_for_equal_forecasts():
    """Two equally good, independently perturbed forecasts: p < 0.05 in about 5 % of draws."""
    rng = np.random.default_rng(1)
    rejections = 0
    for _ in range(200):
        returns = rng.standard_normal(500)
        a = np.exp(rng.normal(0, 0.2, 500))
        b = np.exp(rng.normal(0, 0.2, 500))
        rejections += volatility_dm_test(returns, a, b)["pvalue"] < 0.05
    assert rejections / 200 < 0.1


def test_bad_input_raises():
    with pytest.raises(InputError, match="variance must be strictly positive"):
        qlike([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(InputError, match="loss"):
        volatility_dm_test(np.ones(20), np.ones(20), 2 * np.ones(20), loss="mae")
    with pytest.raises(InputError, match="differing"):
        volatility_dm_test(np.ones(20), np.ones(20), np.ones(20))


def test_dm_test_equals_the_statsmodels_hac_t_ratio_and_its_former_value():
    """volatility_dm_test runs on the shared DM core (Bartlett kernel): the HAC t-ratio of
    a regression of the loss differences on a constant, as statsmodels computes it."""
    import statsmodels.api as sm

    from tslib.metrics.comparison import dm_test

    rng = np.random.default_rng(3)
    d = rng.standard_t(4, size=400) + 0.2 * np.sin(np.arange(400) / 5)
    for lags in (0, 3, 9):
        fit = sm.OLS(d, np.ones(400)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        assert dm_test(d, lags, kernel="bartlett")["stat"] == pytest.approx(
            fit.tvalues[0], rel=1e-10
        )
    t = np.arange(60.0)
    returns = np.sin(t * 1.3) * (1 + 0.5 * np.cos(t / 9))
    variance = 0.5 + 0.3 * np.cos(t / 9) ** 2
    result = volatility_dm_test(returns, variance, np.full(60, 0.6), "qlike", 4)
    # the value of the former statsmodels-based implementation on the same inputs
    assert result["stat"] == pytest.approx(-0.06030746719988496, rel=1e-10)
    assert result["pvalue"] == pytest.approx(0.9519107548074978, rel=1e-10)
    assert result["mean_loss_diff"] == -0.0019399154367161979
