"""Predictive distributions: VaR / ES / variance at any level, from every kind of model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from tslib.baselines import HistoricalVaR
from tslib.errors import InputError
from tslib.evaluate.risk_forecast import EmpiricalForecast, LocationScaleForecast


@pytest.fixture(scope="module")
def returns() -> np.ndarray:
    rng = np.random.default_rng(0)
    sigma = np.r_[np.full(400, 1.0), np.full(200, 2.5)]
    return 0.03 + sigma * rng.standard_t(6, size=600) * np.sqrt(4 / 6)


@pytest.mark.parametrize("df", [None, 3.5, 12.0])
def test_var_es_variance_against_numerical_integration(df):
    forecast = LocationScaleForecast([0.2], [1.5], df=df)
    dist = stats.norm(0.2, 1.5) if df is None else stats.t(df, 0.2, 1.5)
    for alpha in (0.01, 0.05):
        q = dist.ppf(alpha)
        assert forecast.var(alpha)[0] == pytest.approx(-q, rel=1e-10)
        assert forecast.var_at(0, alpha) == pytest.approx(-q, rel=1e-10)
        tail, _ = integrate.quad(lambda x: x * dist.pdf(x), -np.inf, q)
        assert forecast.es(alpha)[0] == pytest.approx(-tail / alpha, rel=1e-6)
    assert forecast.variance()[0] == pytest.approx(dist.var(), rel=1e-10)


def test_standardized_t_has_the_given_volatility():
    forecast = LocationScaleForecast.from_standardized_t([0.0, 0.0], [1.0, 2.0], 5.0)
    np.testing.assert_allclose(forecast.variance(), [1.0, 4.0])


def test_empirical_matches_historical_var(returns):
    windows = np.lib.stride_tricks.sliding_window_view(returns[:-1], 100)[200:]  # (300, 100)
    forecast = EmpiricalForecast(windows)
    path = HistoricalVaR(window=100, alpha=0.05).fit(returns[:300]).run(returns[300:])
    np.testing.assert_allclose(forecast.var(0.05), path["var"], rtol=1e-12)
    np.testing.assert_allclose(forecast.es(0.05), path["es"], rtol=1e-12)
    assert forecast.var_at(7, 0.05) == pytest.approx(path["var"].iloc[7])
    np.testing.assert_allclose(forecast.variance()[0], returns[200:300].var(ddof=1))


def test_bad_input_raises(returns):
    with pytest.raises(InputError, match="scale"):
        LocationScaleForecast([0.0], [-1.0])
    with pytest.raises(InputError, match="df"):
        LocationScaleForecast([0.0], [1.0], df=2.0)
    with pytest.raises(InputError, match="day 5"):
        EmpiricalForecast(np.ones((2, 3))).var_at(5, 0.1)


def test_from_risk_head_scales_the_distribution():
    params = np.array([[0.1, 0.8, 5.0, -2.5, -1.6], [0.0, 1.0, 30.0, -2.4, -1.7]])
    forecast = LocationScaleForecast.from_risk_head(params, [2.0, 0.5])
    np.testing.assert_allclose(forecast.loc, [0.2, 0.0])
    np.testing.assert_allclose(forecast.scale, [1.6, 0.5])
    np.testing.assert_allclose(forecast.df, [5.0, 30.0])
    with pytest.raises(InputError, match="sigma"):
        LocationScaleForecast.from_risk_head(params, [1.0])
