"""Brier score, reliability bins and the Diebold–Mariano test."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.metrics import brier_score_loss

from tslib.errors import InputError
from tslib.metrics.comparison import diebold_mariano
from tslib.metrics.probability import brier_score, brier_skill_score, reliability_table


def test_brier_matches_sklearn_and_the_base_rate_identity():
    rng = np.random.default_rng(1)
    y = rng.random(500) < 0.3
    p = rng.random(500)
    assert brier_score(y, p) == pytest.approx(brier_score_loss(y, p))
    rate = y.mean()
    assert brier_score(y, np.full(500, rate)) == pytest.approx(rate * (1 - rate))
    assert brier_skill_score(y, y.astype(float), np.full(500, rate)) == pytest.approx(1.0)
    assert brier_skill_score(y, np.full(500, rate), np.full(500, rate)) == pytest.approx(0.0)


def test_reliability_of_a_calibrated_forecast_follows_the_diagonal():
    rng = np.random.default_rng(2)
    p = rng.random(20000)
    y = rng.random(20000) < p  # the event happens with the forecast probability
    table = reliability_table(y, p, n_bins=5)
    assert table["n"].sum() == 20000 and len(table) == 5
    np.testing.assert_allclose(table["observed"], table["predicted"], atol=0.03)
    assert table["bin_lower"].tolist() == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])


def test_reliability_puts_one_in_the_last_bin_and_skips_empty_bins():
    table = reliability_table([1, 1, 0], [1.0, 0.95, 0.05], n_bins=10)
    assert table["bin_lower"].tolist() == pytest.approx([0.0, 0.9])
    assert table["n"].tolist() == [1.0, 2.0]


def test_probability_scores_reject_bad_input():
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        brier_score([1, 0], [0.5, 1.2])
    with pytest.raises(InputError):
        brier_score([1, 0, 1], [0.5, 0.5])
    with pytest.raises(InputError, match="n_bins"):
        reliability_table([1, 0], [0.2, 0.3], n_bins=0)
    with pytest.raises(InputError, match="perfect"):
        brier_skill_score([1, 0], [0.5, 0.5], [1.0, 0.0])


@pytest.mark.parametrize("horizon", [1, 3])
def test_dm_statistic_equals_a_hac_regression_with_the_hln_factor(horizon):
    rng = np.random.default_rng(3)
    n = 250
    shocks = rng.normal(size=n + horizon)
    e_a = np.convolve(shocks, np.ones(horizon), mode="valid")[:n]  # MA(h-1) errors
    e_b = e_a + rng.normal(scale=0.8, size=n)
    result = diebold_mariano(e_a, e_b, horizon=horizon)
    d = e_a**2 - e_b**2
    fit = sm.OLS(d, np.ones(n)).fit(
        cov_type="HAC",
        cov_kwds={"maxlags": horizon - 1, "kernel": "uniform", "use_correction": False},
    )
    hln = np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    assert result["variance"] == "long-run"
    assert result["stat"] == pytest.approx(fit.params[0] / fit.bse[0] * hln, rel=1e-9)
    assert result["mean_loss_diff"] == pytest.approx(d.mean())
    assert result["stat"] < 0 and result["pvalue"] < 0.01


def test_dm_rejects_about_five_percent_under_the_null():
    rng = np.random.default_rng(4)
    pvalues = [
        diebold_mariano(rng.normal(size=200), rng.normal(size=200))["pvalue"] for _ in range(300)
    ]
    assert 0.02 <= np.mean(np.array(pvalues) < 0.05) <= 0.09


def test_dm_absolute_loss_and_errors():
    a, b = np.array([1.0, -2.0, 0.5, 0.1, 3.0]), np.array([2.0, 2.0, -1.0, 0.3, 1.0])
    assert diebold_mariano(a, b, loss="absolute")["mean_loss_diff"] == pytest.approx(0.06)
    with pytest.raises(InputError, match="loss"):
        diebold_mariano(a, b, loss="pinball")
    with pytest.raises(InputError, match="identical"):
        diebold_mariano(a, -a)
    with pytest.raises(InputError, match="need more"):
        diebold_mariano(a, b, horizon=3)
    with pytest.raises(InputError):
        diebold_mariano(a, b[:4])


def test_diebold_mariano_runs_on_the_shared_core_with_its_former_values():
    from tslib.metrics.comparison import dm_test

    t = np.arange(60.0)
    a, b = np.sin(t * 0.7) + 0.1 * (t % 7), np.cos(t * 0.3) * 1.2
    result = diebold_mariano(a, b, horizon=3)
    assert result == {  # the value before the core was shared, bit for bit
        "stat": -0.34110899090877866,
        "pvalue": 0.7342333296841248,
        "mean_loss_diff": -0.05272127544301383,
        "n": 60,
        "horizon": 3,
        "loss": "squared",
        "variance": "long-run",
    }
    core = dm_test(a**2 - b**2, lags=2)
    assert core["stat"] == result["stat"] and core["pvalue"] == result["pvalue"]
    bartlett = dm_test(a**2 - b**2, lags=2, kernel="bartlett")
    assert bartlett["variance"] == "long-run" and bartlett["stat"] != result["stat"]
    with pytest.raises(InputError, match="kernel"):
        dm_test(a - b, lags=1, kernel="parzen")
    with pytest.raises(InputError, match="lags"):
        dm_test(a - b, lags=-1)
    with pytest.raises(InputError, match="too few"):
        dm_test(a[:3] - b[:3], lags=2)
