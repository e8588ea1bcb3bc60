"""Hour-of-week terms chosen by AIC, and SARIMAX on gappy data forecasting from every origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.baselines import BASELINE_REGISTRY
from tslib.baselines.hour_of_week import hour_of_week_terms, select_hour_of_week, week_position
from tslib.baselines.sarimax_gaps import GapSarimaxForecaster
from tslib.errors import InputError


def _weekly_series(weeks: int = 6, seed: int = 0) -> tuple[np.ndarray, pd.DatetimeIndex]:
    index = pd.date_range("2024-01-01", periods=168 * weeks, freq="h")  # a Monday
    position = week_position(index)
    rng = np.random.default_rng(seed)
    weekday = index.day_of_week < 5
    rush = np.exp(-((index.hour.to_numpy() - 8.0) ** 2) / 2.0) * np.asarray(weekday)
    y = 100.0 + 20.0 * np.sin(2 * np.pi * position / 24) + 60.0 * rush + rng.normal(size=len(index))
    return np.asarray(y, dtype=float), index


def test_week_position_and_terms():
    index = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-02 01:30", "2024-01-07 23:00"])
    np.testing.assert_allclose(week_position(index), [0.0, 25.5, 167.0])
    dummies = hour_of_week_terms(index, "dummies")
    assert dummies.shape == (3, 167)
    assert dummies.iloc[0].sum() == 0.0 and dummies.loc[index[1], "how_25"] == 1.0
    fourier = hour_of_week_terms(index, 2)
    assert list(fourier.columns) == ["sin1_7D", "cos1_7D", "sin2_7D", "cos2_7D"]
    with pytest.raises(InputError, match="spec"):
        hour_of_week_terms(index, 0)


def test_aic_prefers_dummies_for_a_sharp_weekday_only_rush_hour():
    y, index = _weekly_series()
    fit = select_hour_of_week(y, index, candidates=("dummies", 3, 7))
    assert fit.spec == "dummies"
    assert fit.table["selected"].sum() == 1
    assert fit.table.set_index("spec").loc["dummies", "aic"] == fit.table["aic"].min()
    residual = y - fit.profile(index)
    assert np.std(residual) < 1.5  # the profile explains the weekly shape


def test_aic_prefers_a_few_fourier_terms_for_a_smooth_daily_cycle():
    index = pd.date_range("2024-01-01", periods=168 * 4, freq="h")
    rng = np.random.default_rng(1)
    y = 10.0 + np.sin(2 * np.pi * index.hour / 24) + rng.normal(scale=0.5, size=len(index))
    fit = select_hour_of_week(y, index, candidates=("dummies", 7, 14))
    assert fit.spec == 7


def test_selection_uses_covariates_and_skips_nan_rows():
    y, index = _weekly_series(seed=2)
    rain = np.random.default_rng(3).exponential(1.0, len(index))
    y = y - 5.0 * rain
    y[50:60] = np.nan
    fit = select_hour_of_week(y, index, pd.DataFrame({"rain": rain}, index=index), ("dummies",))
    assert fit.covariate_coefficients.index.tolist() == ["rain"]
    assert abs(fit.covariate_coefficients["rain"] + 5.0) < 0.2


def test_selection_rejects_too_few_rows():
    index = pd.date_range("2024-01-01", periods=100, freq="h")
    with pytest.raises(Exception, match="complete rows"):
        select_hour_of_week(np.ones(100), index, candidates=("dummies",))


# -- SARIMAX with gaps ---------------------------------------------------------------------


def _ar_data(seed: int = 0, size: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    exog = np.column_stack([np.sin(np.arange(size) * 2 * np.pi / 12), rng.normal(size=size)])
    noise = np.zeros(size)
    for t in range(1, size):
        noise[t] = 0.7 * noise[t - 1] + rng.normal(scale=0.3)
    y = 5.0 + 2.0 * exog[:, 0] + 0.5 * exog[:, 1] + noise
    return y, exog


def test_gap_sarimax_is_registered_as_a_forecaster():
    assert BASELINE_REGISTRY["sarimax_gaps"] is GapSarimaxForecaster
    assert GapSarimaxForecaster.kind == "forecaster"
    assert GapSarimaxForecaster().clone().get_params()["seasonal_order"] == (1, 0, 0, 24)


def test_forecast_origins_equal_get_forecast_from_each_origin_through_gaps():
    y, exog = _ar_data()
    y[30:40] = np.nan  # a gap in the fit window
    y[310:315] = np.nan  # and one in the new rows
    kwargs = {"order": (1, 0, 0), "seasonal_order": (1, 0, 0, 12), "trend": "c"}
    model = GapSarimaxForecaster(**kwargs).fit(y[:300], exog[:300])
    reference = model.apply(y[:300], exog[:300])
    table = model.forecast_origins(y[300:], exog[300:], horizons=[1, 4, 12])
    assert table.shape == (100, 3)
    assert model.n_obs == 400
    for i in (0, 9, 12, 50, 87):
        state = reference.apply(y[: 301 + i], exog[: 301 + i])
        expected = state.forecast(12, exog=exog[301 + i : 313 + i])
        np.testing.assert_allclose(table[i], expected[[0, 3, 11]], rtol=1e-8, atol=1e-8)
    assert np.isnan(table[-1]).all() and np.isnan(table[-12:, 2]).all()
    assert np.isfinite(table[: 100 - 12]).all()


def test_forecast_origins_without_exog_and_update_equals_apply():
    y, _ = _ar_data(seed=4)
    y[100:103] = np.nan
    model = GapSarimaxForecaster(order=(2, 0, 0), seasonal_order=(0, 0, 0, 0), trend="c")
    model.fit(y[:200])
    applied = model.apply(y)
    model.update(y[200:])
    np.testing.assert_allclose(model.forecast(5), applied.forecast(5), rtol=1e-10)


def test_gap_sarimax_rejects_inf_missing_exog_and_bad_horizons():
    y, exog = _ar_data(size=120)
    with pytest.raises(InputError, match="inf"):
        GapSarimaxForecaster(seasonal_order=(0, 0, 0, 0)).fit(np.r_[y[:50], np.inf])
    model = GapSarimaxForecaster(order=(1, 0, 0), seasonal_order=(0, 0, 0, 0)).fit(y, exog)
    with pytest.raises(InputError, match="exog"):
        model.update(y[:5])
    with pytest.raises(InputError, match="horizons"):
        model.forecast_origins(y[:5], exog[:5], horizons=[0])
    with pytest.raises(InputError, match="observations"):
        GapSarimaxForecaster().fit(np.full(30, np.nan))
    with pytest.raises(InputError, match="allow_missing"):
        GapSarimaxForecaster(allow_missing=False).fit(np.r_[y[:50], np.nan])
