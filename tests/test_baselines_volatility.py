"""GARCH and historical VaR / ES: recursion against arch, coverage on simulated GARCH-t data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from arch.univariate import GARCH, ConstantMean, StudentsT
from scipy import stats

from tslib.baselines import GarchVaR, HistoricalVaR
from tslib.errors import InputError, StateError
from tslib.metrics import kupiec_pof, var_exceedances

N_TRAIN = 1500


@pytest.fixture(scope="module")
def garch_t_returns() -> np.ndarray:
    """3000 returns from a GARCH(1,1) with standardised t(6) innovations."""
    model = ConstantMean(
        None, volatility=GARCH(1, 0, 1), distribution=StudentsT(seed=np.random.default_rng(7))
    )
    simulated = model.simulate([0.05, 0.05, 0.08, 0.90, 6.0], nobs=3000, burn=500)
    return simulated["data"].to_numpy()


@pytest.mark.parametrize(("p", "q", "dist"), [(1, 1, "t"), (2, 1, "normal")])
def test_stepwise_recursion_matches_arch_with_fixed_params(garch_t_returns, p, q, dist):
    returns = garch_t_returns[:2000]
    model = GarchVaR(p=p, q=q, dist=dist, alpha=0.05).fit(returns[:N_TRAIN])
    arch_forecast = model.result_.forecast(horizon=5, reindex=False).variance.to_numpy()[0]
    np.testing.assert_allclose(model.forecast_volatility(5), np.sqrt(arch_forecast), rtol=1e-8)
    params = model.params
    path = model.run(returns[N_TRAIN:])
    assert model.params == params  # no refit
    full = arch_model(returns, mean="Constant", vol="GARCH", p=p, q=q, dist=dist, rescale=False)
    fixed = full.fix(pd.Series(params))
    # the backcast differs slightly between the two samples; it has decayed by N_TRAIN
    expected_sigma = np.asarray(fixed.conditional_volatility)[N_TRAIN:]
    np.testing.assert_allclose(path["sigma"].to_numpy(), expected_sigma, rtol=1e-6)


def test_var_es_use_standardised_t_closed_forms(garch_t_returns):
    alpha = 0.05
    model = GarchVaR(dist="t", alpha=alpha).fit(garch_t_returns[:N_TRAIN])
    mu, nu, sigma = model.params["mu"], model.params["nu"], model.sigma_next
    scale = np.sqrt((nu - 2) / nu)  # unit-variance t
    t_alpha = stats.t.ppf(alpha, nu)
    tail_mean = scale * (nu + t_alpha**2) / (nu - 1) * stats.t.pdf(t_alpha, nu) / alpha
    var, es = model.var_es()
    assert var == pytest.approx(-(mu + sigma * scale * t_alpha), rel=1e-6)
    assert es == pytest.approx(-mu + sigma * tail_mean, rel=1e-6)
    assert es > var > 0


def test_garch_var_coverage_on_held_out_garch_t_data(garch_t_returns):
    alpha = 0.05
    model = GarchVaR(dist="t", alpha=alpha).fit(garch_t_returns[:N_TRAIN])
    held_out = garch_t_returns[N_TRAIN:]
    path = model.run(held_out)
    hits = var_exceedances(held_out, path["var"].to_numpy())
    assert abs(hits.mean() - alpha) < 0.015  # 75 hits expected, sd about 8.4
    assert kupiec_pof(hits, alpha)["pvalue"] > 0.01


def test_historical_var_matches_pandas_rolling_quantile():
    returns = np.random.default_rng(0).standard_t(df=4, size=400)
    window, alpha = 100, 0.05
    path = HistoricalVaR(window=window, alpha=alpha).fit(returns[:window]).run(returns[window:])
    rolling = pd.Series(returns).rolling(window).quantile(alpha)  # linear interpolation
    expected_var = -rolling.shift(1).to_numpy()[window:]  # forecast made before each return
    np.testing.assert_allclose(path["var"].to_numpy(), expected_var, rtol=1e-12)
    assert (path["es"] >= path["var"]).all()


def test_historical_es_hand_value():
    model = HistoricalVaR(window=5, alpha=0.3).fit([5.0, -4.0, 1.0, -2.0, 3.0])
    # sorted -4, -2, 1, 3, 5; linear 0.3 quantile at position 1.2: -2 + 0.2 * 3 = -1.4
    var, es = model.var_es()
    assert var == pytest.approx(1.4)
    assert es == pytest.approx(3.0)  # mean of -4 and -2
    model.update(-10.0)  # window: -4, 1, -2, 3, -10 ; 0.3 quantile: -4 + 0.2 * 2 = -3.6
    assert model.var_es()[0] == pytest.approx(3.6)


def test_bad_input_and_state():
    with pytest.raises(InputError, match="dist must be one of"):
        GarchVaR(dist="cauchy").fit(np.ones(10))
    with pytest.raises(StateError, match="not fitted"):
        GarchVaR().var_es()
    with pytest.raises(InputError, match="fewer than window=10"):
        HistoricalVaR(window=10).fit(np.ones(5))
    with pytest.raises(InputError, match="returns contains NaN"):
        HistoricalVaR(window=2).fit([0.1, np.nan, 0.2])


def test_garch_is_a_risk_model_not_a_forecaster(garch_t_returns):
    from tslib.baselines import Forecaster, RiskModel

    assert GarchVaR.kind == "risk" and isinstance(GarchVaR(), RiskModel)
    assert not isinstance(GarchVaR(), Forecaster) and not hasattr(GarchVaR, "forecast")


def test_apply_runs_archs_recursion_with_the_fit_backcast(garch_t_returns):
    returns = garch_t_returns[:2000]
    model = GarchVaR(dist="t", alpha=0.05).fit(returns[:N_TRAIN])
    stepped = model.run(returns[N_TRAIN:])  # forecast made before each return
    for stop in (N_TRAIN + 1, N_TRAIN + 250, returns.size - 1):
        applied = model.apply(returns[:stop])  # arch's own variance recursion, same params
        assert applied.sigma_next == pytest.approx(stepped["sigma"].iloc[stop - N_TRAIN], rel=1e-9)
        assert applied.var_es() == pytest.approx(tuple(stepped[["var", "es"]].iloc[stop - N_TRAIN]))
