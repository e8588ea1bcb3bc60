"""SARIMAX / ETS: update filters with fixed parameters and matches filtering the full data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from tslib.baselines import ETSForecaster, SarimaxForecaster
from tslib.errors import InputError

N_TRAIN, N_NEW = 96, 8


def seasonal_series(seed: int, n: int = N_TRAIN + N_NEW) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 5.0 + 0.05 * t + 2.0 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=0.5, size=n)


@pytest.fixture(autouse=True)
def _quiet_optimizer():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # small maxiter keeps tests fast
        warnings.simplefilter("ignore", EstimationWarning)
        yield


def step_through(model, y: np.ndarray, exog: np.ndarray | None = None):
    """Update one observation at a time, as a live stream would."""
    for t in range(N_TRAIN, y.size):
        model.update(y[t], exog=None if exog is None else exog[t : t + 1])
    return model


def test_sarimax_ar1_forecast_matches_hand_formula():
    y = seasonal_series(0)
    model = SarimaxForecaster(order=(1, 0, 0), trend="c").fit(y[:N_TRAIN])
    intercept, phi = model.params[:2]
    assert model.param_names[:2] == ["intercept", "ar.L1"]
    assert model.forecast(1)[0] == pytest.approx(intercept + phi * y[N_TRAIN - 1])
    model.update(y[N_TRAIN])
    assert model.forecast(1)[0] == pytest.approx(intercept + phi * y[N_TRAIN])


@pytest.mark.parametrize(
    "spec",
    [
        {"order": (1, 1, 1)},
        {"order": (1, 0, 0), "seasonal_order": (1, 0, 0, 12), "trend": "ct"},
    ],
)
def test_sarimax_update_equals_filter_on_full_data(spec):
    y = seasonal_series(1)
    model = SarimaxForecaster(**spec, maxiter=20).fit(y[:N_TRAIN])
    params = model.params
    step_through(model, y)
    np.testing.assert_array_equal(model.params, params)  # no refit
    assert model.n_obs == y.size
    reference = SARIMAX(y, **spec).filter(params).get_forecast(3)
    np.testing.assert_allclose(model.forecast(3), reference.predicted_mean, rtol=1e-8)
    lower, upper = model.forecast_interval(3, alpha=0.1)
    np.testing.assert_allclose(np.c_[lower, upper], reference.conf_int(alpha=0.1), rtol=1e-8)


def test_sarimax_with_exog_requires_future_exog():
    y = seasonal_series(2)
    exog = np.random.default_rng(3).normal(size=(y.size + 2, 1))
    y = y + 1.5 * exog[: y.size, 0]
    model = SarimaxForecaster(order=(1, 0, 0), trend="c").fit(y[:N_TRAIN], exog=exog[:N_TRAIN])
    step_through(model, y, exog)
    reference = SARIMAX(y, exog=exog[: y.size], order=(1, 0, 0), trend="c").filter(model.params)
    np.testing.assert_allclose(
        model.forecast(2, exog=exog[y.size :]), reference.forecast(2, exog=exog[y.size :])
    )
    with pytest.raises(InputError, match="forecast needs exog"):
        model.forecast(2)


def test_ets_level_update_is_exponential_smoothing_by_hand():
    y = seasonal_series(4)
    model = ETSForecaster(maxiter=20).fit(y[:N_TRAIN])
    alpha = model.params[model.param_names.index("smoothing_level")]
    before = model.forecast(1)[0]
    model.update(y[N_TRAIN])
    assert model.forecast(1)[0] == pytest.approx(before + alpha * (y[N_TRAIN] - before))


def test_ets_trend_seasonal_update_equals_filter_on_full_data():
    y = seasonal_series(5)
    model = ETSForecaster(trend=True, seasonal=12, maxiter=20).fit(y[:N_TRAIN])
    params = model.params
    step_through(model, y)
    np.testing.assert_array_equal(model.params, params)
    reference = ExponentialSmoothing(y, trend=True, seasonal=12).filter(params).get_forecast(4)
    np.testing.assert_allclose(model.forecast(4), reference.predicted_mean, rtol=1e-8)
    quantiles = model.forecast_quantiles(4, [0.05, 0.95])
    np.testing.assert_allclose(quantiles, reference.conf_int(alpha=0.1), rtol=1e-8)


def test_ets_rejects_damping_without_trend_and_exog():
    y = seasonal_series(6)
    with pytest.raises(InputError, match="damped_trend=True needs trend=True"):
        ETSForecaster(damped_trend=True).fit(y)
    with pytest.raises(InputError, match="takes no exog"):
        ETSForecaster().fit(y, exog=np.ones(y.size))


def test_invalid_specification_raises_input_error():
    with pytest.raises(InputError, match="SarimaxForecaster: invalid specification"):
        SarimaxForecaster(order=(1, 0)).fit(seasonal_series(7))
