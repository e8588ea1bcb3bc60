"""Naive and seasonal naive forecasters against the FPP3 formulas, computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tslib.baselines import NaiveForecaster, SeasonalNaiveForecaster
from tslib.errors import InputError, StateError

Z_975 = 1.959963984540054  # standard normal 97.5 % quantile


def test_naive_point_interval_and_quantiles():
    model = NaiveForecaster().fit([1.0, 3.0, 2.0])
    sigma = math.sqrt((2.0**2 + 1.0**2) / 2)  # residuals 2, -1 over T - 1 = 2
    assert model.sigma == pytest.approx(sigma)
    assert model.forecast(3).tolist() == [2.0, 2.0, 2.0]
    lower, upper = model.forecast_interval(3, alpha=0.05)
    widths = Z_975 * sigma * np.sqrt([1.0, 2.0, 3.0])
    np.testing.assert_allclose(lower, 2.0 - widths)
    np.testing.assert_allclose(upper, 2.0 + widths)
    quantiles = model.forecast_quantiles(2, [0.025, 0.5, 0.975])
    np.testing.assert_allclose(quantiles[:, 1], [2.0, 2.0])
    np.testing.assert_allclose(quantiles[:, 2], upper[:2])


def test_seasonal_naive_repeats_last_season_and_widens_per_season():
    y = np.array([1.0, 2.0, 3.0, 2.0, 4.0, 3.0, 3.0])
    model = SeasonalNaiveForecaster(season=3).fit(y)
    # last season (4, 3, 3) repeated; residuals y_t - y_{t-3}: 1, 2, 0, 1
    assert model.forecast(5).tolist() == [4.0, 3.0, 3.0, 4.0, 3.0]
    sigma = math.sqrt((1 + 4 + 0 + 1) / 4)
    assert model.sigma == pytest.approx(sigma)
    lower, upper = model.forecast_interval(4, alpha=0.05)
    k_plus_1 = np.array([1.0, 1.0, 1.0, 2.0])
    np.testing.assert_allclose(upper - lower, 2 * Z_975 * sigma * np.sqrt(k_plus_1))


def test_update_moves_window_without_refitting():
    y = np.arange(10.0) ** 1.5
    model = SeasonalNaiveForecaster(season=4).fit(y[:6])
    sigma = model.sigma
    model.update(y[6:8]).update(y[8])
    assert model.sigma == sigma  # no refit
    assert model.forecast(4).tolist() == [y[5], y[6], y[7], y[8]]
    np.testing.assert_array_equal(
        model.forecast(4), SeasonalNaiveForecaster(season=4).fit(y[:9]).forecast(4)
    )


def test_clone_is_unfitted_with_same_hyperparameters():
    model = SeasonalNaiveForecaster(season=7).fit(np.arange(20.0))
    copy = model.clone()
    assert copy.get_params() == {"season": 7} and not copy.is_fitted
    assert NaiveForecaster().clone().get_params() == {}


def test_bad_input_and_state():
    with pytest.raises(StateError, match="not fitted"):
        NaiveForecaster().forecast(1)
    with pytest.raises(InputError, match="more than season=3"):
        SeasonalNaiveForecaster(season=3).fit([1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="y_train contains NaN"):
        NaiveForecaster().fit([1.0, np.nan, 2.0])
    model = NaiveForecaster().fit([1.0, 2.0, 4.0])
    with pytest.raises(InputError, match="takes no exog"):
        model.update([1.0], exog=[[0.5]])
    with pytest.raises(InputError, match="horizon must be a positive integer"):
        model.forecast(0)
    with pytest.raises(InputError, match="season must be a positive integer"):
        SeasonalNaiveForecaster(season=0).fit([1.0, 2.0])
