"""Fourier terms and the climatology-plus-anomaly baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.baselines.climatology import ClimatologyForecaster
from tslib.baselines.fourier import YEAR, fourier_terms, seasonal_fourier_orders
from tslib.errors import DataError, InputError
from tslib.evaluate import backtest


def _seasonal_series(n: int = 1500, rho: float = 0.7, seed: int = 0):
    """Daily series: 10 + 5 sin(annual) + AR(1) anomalies with persistence rho."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2010-01-01", periods=n, freq="D")
    terms = fourier_terms(index, {"365.25D": 2})
    anomaly = np.zeros(n)
    for t in range(1, n):
        anomaly[t] = rho * anomaly[t - 1] + rng.normal()
    y = 10.0 + 5.0 * terms["sin1_365.25D"].to_numpy() + anomaly
    return index, terms.to_numpy(), y


def test_fourier_terms_depend_on_the_timestamp_only():
    index = pd.date_range("2020-03-01", periods=500, freq="6h")
    full = fourier_terms(index, {"1D": 2, YEAR: 1})
    part = fourier_terms(index[137:170], {"1D": 2, YEAR: 1})
    pd.testing.assert_frame_equal(part, full.iloc[137:170])
    assert list(full.columns) == [
        "sin1_1D", "cos1_1D", "sin2_1D", "cos2_1D", "sin1_365.25D", "cos1_365.25D",
    ]  # fmt: skip
    noon = full.index.hour == 12
    np.testing.assert_allclose(full.loc[noon, "cos1_1D"], -1.0, atol=1e-9)
    np.testing.assert_allclose(np.hypot(full["sin1_1D"], full["cos1_1D"]), 1.0)


def test_fourier_terms_errors():
    index = pd.date_range("2020", periods=3, freq="D")
    with pytest.raises(DataError, match="DatetimeIndex"):
        fourier_terms(pd.RangeIndex(3), {"1D": 1})
    with pytest.raises(InputError, match="empty"):
        fourier_terms(index, {})
    with pytest.raises(InputError, match="order"):
        fourier_terms(index, {"1D": 0})
    with pytest.raises(InputError, match="positive"):
        fourier_terms(index, {"-1D": 1})
    with pytest.raises(InputError, match="not a period"):
        fourier_terms(index, {"weekly": 1})


def test_seasonal_orders_follow_step_and_span():
    day, hour = pd.Timedelta("1D"), pd.Timedelta("1h")
    assert seasonal_fourier_orders(day, pd.Timedelta(days=1000)) == {"365.25D": 3}
    assert seasonal_fourier_orders(day, pd.Timedelta(days=400)) == {}
    assert seasonal_fourier_orders(hour, pd.Timedelta(days=300), daily=4) == {"1D": 4}
    assert seasonal_fourier_orders(hour, pd.Timedelta(days=3000)) == {"365.25D": 3, "1D": 3}


def test_climatology_recovers_the_cycle_and_the_persistence():
    index, exog, y = _seasonal_series()
    model = ClimatologyForecaster().fit(y, exog=exog)
    assert model.rho == pytest.approx(0.7, abs=0.05)
    assert model.sigma == pytest.approx(1.0, abs=0.06)
    true_cycle = 10.0 + 5.0 * exog[:, 0]
    np.testing.assert_allclose(model.climatology(exog), true_cycle, atol=0.4)
    future = fourier_terms(
        pd.date_range(index[-1] + pd.Timedelta("1D"), periods=60, freq="D"), {"365.25D": 2}
    )
    mean, se = model._predict(60, future.to_numpy())
    np.testing.assert_allclose(mean[-1], model.climatology(future.to_numpy()[-1:])[0], atol=1e-6)
    assert se[0] == pytest.approx(model.sigma)
    assert se[-1] == pytest.approx(model.sigma / np.sqrt(1 - model.rho**2), rel=1e-6)


def test_fixed_decay_extremes():
    _, exog, y = _seasonal_series(n=400)
    bare = ClimatologyForecaster(decay=0.0).fit(y, exog=exog)
    walk = ClimatologyForecaster(decay=1.0).fit(y, exog=exog)
    ahead = exog[:5]
    np.testing.assert_allclose(bare.forecast(5, exog=ahead), bare.climatology(ahead))
    last_anomaly = y[-1] - walk.climatology(exog[-1:])[0]
    np.testing.assert_allclose(walk.forecast(5, exog=ahead), walk.climatology(ahead) + last_anomaly)
    lower, upper = walk.forecast_interval(4, alpha=0.05, exog=exog[:4])
    widths = (upper - lower) / (upper - lower)[0]
    np.testing.assert_allclose(widths, np.sqrt([1, 2, 3, 4]))


def test_update_and_apply_agree_and_keep_the_parameters():
    _, exog, y = _seasonal_series(n=600)
    fitted = ClimatologyForecaster().fit(y[:400], exog=exog[:400])
    rho, coef = fitted.rho, fitted._coef.copy()
    applied = fitted.apply(y, exog=exog)
    fitted.update(y[400:], exog=exog[400:])
    ahead = exog[:3]
    np.testing.assert_allclose(fitted.forecast(3, exog=ahead), applied.forecast(3, exog=ahead))
    assert fitted.rho == rho and np.array_equal(fitted._coef, coef)


def test_interval_coverage_is_close_to_nominal_on_its_own_model():
    index, exog, y = _seasonal_series(n=3000, seed=5)
    frame = backtest(
        {"clim": ClimatologyForecaster()},
        pd.Series(y, index=index),
        start=1500,
        horizon=1,
        exog=exog,
        interval=0.95,
    )
    inside = (frame["y_true"] >= frame["lower"]) & (frame["y_true"] <= frame["upper"])
    assert 0.93 <= inside.mean() <= 0.97


def test_no_look_ahead_through_backtest():
    index, exog, y = _seasonal_series(n=300)
    series = pd.Series(y, index=index)
    changed = series.copy()
    changed.iloc[250:] += 50.0
    first = backtest({"c": ClimatologyForecaster()}, series, start=200, horizon=3, exog=exog)
    second = backtest({"c": ClimatologyForecaster()}, changed, start=200, horizon=3, exog=exog)
    early = first["timestamp"] < index[250]
    np.testing.assert_allclose(first.loc[early, "y_pred"], second.loc[early, "y_pred"])


def test_climatology_errors():
    _, exog, y = _seasonal_series(n=100)
    with pytest.raises(InputError, match="decay"):
        ClimatologyForecaster(decay=1.5).fit(y, exog=exog)
    with pytest.raises(InputError, match="decay"):
        ClimatologyForecaster(decay="mean").fit(y, exog=exog)
    with pytest.raises(InputError, match="at least 3"):
        ClimatologyForecaster().fit(y[:2], exog=exog[:2])
    with pytest.raises(InputError, match="collinear"):
        ClimatologyForecaster().fit(y, exog=np.hstack([exog, exog]))
    fitted = ClimatologyForecaster().fit(y, exog=exog)
    with pytest.raises(InputError, match="seasonal regressor"):
        fitted.forecast(2)
    with pytest.raises(InputError, match="seasonal regressor"):
        fitted.update(y[:2], exog=exog[:2, :1])
    mean_only = ClimatologyForecaster().fit(y)
    assert mean_only.forecast(50)[-1] == pytest.approx(y.mean(), abs=0.5)
