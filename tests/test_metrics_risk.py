"""VaR / ES backtests against closed-form likelihood ratios and hand-built hit sequences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tslib.errors import InputError
from tslib.metrics import (
    acerbi_szekely_z2,
    christoffersen_independence,
    conditional_coverage,
    exceedance_rate,
    kupiec_pof,
    mcneil_frey_es_test,
    var_exceedances,
)


def chi2_1_sf(x: float) -> float:
    """Survival function of chi2(1), written independently of scipy."""
    return math.erfc(math.sqrt(x / 2.0))


def test_var_exceedances_uses_positive_loss_convention():
    returns = np.array([-0.03, -0.01, 0.02, -0.02])
    hits = var_exceedances(returns, [0.02, 0.02, 0.02, 0.02])
    assert hits.tolist() == [True, False, False, False]  # -0.02 is not < -0.02
    assert var_exceedances(returns, 0.015).tolist() == [True, False, False, True]
    assert exceedance_rate(hits) == pytest.approx(0.25)


def test_var_exceedances_rejects_return_quantiles_and_bad_shapes():
    with pytest.raises(InputError, match="var must be a positive loss"):
        var_exceedances([0.01, -0.02], [-0.02, -0.02])
    with pytest.raises(InputError, match="var"):
        var_exceedances([0.01, -0.02, 0.0], [0.02, 0.02])
    with pytest.raises(InputError, match="returns contains NaN"):
        var_exceedances([np.nan, 0.0], 0.02)


def test_kupiec_matches_closed_form_lr():
    n, x, alpha = 250, 8, 0.01
    hits = np.zeros(n, dtype=bool)
    hits[:x] = True
    pi_hat = x / n
    lr = -2 * (
        (n - x) * math.log(1 - alpha)
        + x * math.log(alpha)
        - (n - x) * math.log(1 - pi_hat)
        - x * math.log(pi_hat)
    )
    result = kupiec_pof(hits, alpha)
    assert result["stat"] == pytest.approx(lr)
    assert result["pvalue"] == pytest.approx(chi2_1_sf(lr))
    assert result["n_exceedances"] == x and result["expected"] == pytest.approx(2.5)
    assert result["rate"] == pytest.approx(0.032)


def test_kupiec_with_zero_hits_and_exact_rate():
    zero = kupiec_pof(np.zeros(100, dtype=bool), 0.05)
    assert zero["stat"] == pytest.approx(-2 * 100 * math.log(0.95))
    exact = np.zeros(100, dtype=bool)
    exact[::20] = True  # 5 hits in 100 = alpha
    assert kupiec_pof(exact, 0.05)["stat"] == pytest.approx(0.0, abs=1e-12)
    assert kupiec_pof(exact, 0.05)["pvalue"] == pytest.approx(1.0)


def test_christoffersen_zero_when_transition_rates_equal():
    # pairs: n00=4, n01=2, n10=2, n11=1 -> pi01 = pi11 = pi = 1/3
    result = christoffersen_independence([0, 0, 1, 1, 0, 0, 0, 1, 0, 0])
    assert (result["n00"], result["n01"], result["n10"], result["n11"]) == (4, 2, 2, 1)
    assert result["pi01"] == pytest.approx(1 / 3) and result["pi11"] == pytest.approx(1 / 3)
    assert result["stat"] == pytest.approx(0.0, abs=1e-12)


def test_christoffersen_clustered_hits_hand_value():
    # pairs: n00=5, n01=1, n10=1, n11=2
    result = christoffersen_independence([0, 0, 0, 1, 1, 1, 0, 0, 0, 0])
    assert (result["n00"], result["n01"], result["n10"], result["n11"]) == (5, 1, 1, 2)
    log = math.log
    markov = 5 * log(5 / 6) + log(1 / 6) + log(1 / 3) + 2 * log(2 / 3)
    iid = 6 * log(2 / 3) + 3 * log(1 / 3)
    assert result["stat"] == pytest.approx(-2 * (iid - markov))
    assert result["pvalue"] == pytest.approx(chi2_1_sf(-2 * (iid - markov)))


def test_christoffersen_without_hit_to_hit_transitions_is_finite():
    result = christoffersen_independence([0, 0, 0, 0, 1])  # no transition out of a hit
    assert math.isnan(result["pi11"])
    assert result["stat"] == pytest.approx(0.0, abs=1e-12)


def test_conditional_coverage_is_sum_with_two_dof():
    hits = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0]
    pof, ind = kupiec_pof(hits, 0.1)["stat"], christoffersen_independence(hits)["stat"]
    result = conditional_coverage(hits, 0.1)
    assert result["stat"] == pytest.approx(pof + ind)
    assert result["pvalue"] == pytest.approx(math.exp(-(pof + ind) / 2))  # chi2(2) sf


def test_mcneil_frey_hand_residuals_and_t_pvalue():
    returns = np.array([-3.0, 0.5, -2.5, -4.0, 1.0])
    var = np.full(5, 2.0)
    es = np.full(5, 2.5)
    sigma = np.array([1.0, 1.0, 2.0, 1.0, 1.0])
    # hits: losses 3, 2.5, 4 -> residuals (3-2.5)/1, 0/2, (4-2.5)/1
    residuals = np.array([0.5, 0.0, 1.5])
    result = mcneil_frey_es_test(returns, var, es, sigma=sigma, n_boot=500)
    t_stat = residuals.mean() / (residuals.std(ddof=1) / math.sqrt(3))
    assert result["n_exceedances"] == 3
    assert result["stat"] == pytest.approx(t_stat)
    assert result["pvalue_t"] == pytest.approx(stats.t.sf(t_stat, df=2))
    assert 0.0 < result["pvalue"] <= 1.0


def test_mcneil_frey_size_and_power_on_gaussian_returns():
    alpha = 0.025
    z = stats.norm.ppf(1 - alpha)
    true_var, true_es = z, stats.norm.pdf(z) / alpha
    rejections = 0
    for seed in range(10):
        returns = np.random.default_rng(seed).normal(size=4000)
        right = mcneil_frey_es_test(
            returns, np.full(4000, true_var), np.full(4000, true_es), n_boot=400, seed=seed
        )
        rejections += right["pvalue"] < 0.05
        low = mcneil_frey_es_test(
            returns,
            np.full(4000, true_var),
            np.full(4000, true_var + 0.5 * (true_es - true_var)),
            n_boot=400,
            seed=seed,
        )
        assert low["pvalue"] < 0.01  # ES halfway to VaR is clearly too small
    assert rejections <= 3  # about 0.5 expected at a 5 % level


def test_acerbi_szekely_z2_hand_value_and_null_mean():
    returns = np.array([-3.0, 1.0, -1.0, -2.5])
    # hits: losses 3 and 2.5 -> Z2 = 1 - (3/2.5 + 2.5/2.5) / (4 * 0.25)
    assert acerbi_szekely_z2(returns, [2.0] * 4, [2.5] * 4, 0.25) == pytest.approx(-1.2)
    alpha = 0.025
    z = stats.norm.ppf(1 - alpha)
    normal = np.random.default_rng(3).normal(size=40000)
    z2 = acerbi_szekely_z2(
        normal, np.full(40000, z), np.full(40000, stats.norm.pdf(z) / alpha), alpha
    )
    assert abs(z2) < 0.1


def test_es_checks_reject_es_below_var():
    with pytest.raises(InputError, match="es must be >= var"):
        acerbi_szekely_z2([-1.0, 0.0], [2.0, 2.0], [1.0, 3.0], 0.05)
    with pytest.raises(InputError, match="alpha must lie"):
        kupiec_pof([0, 1], 1.5)
    with pytest.raises(InputError, match="0/1"):
        kupiec_pof([0, 2], 0.05)
