"""The forecast protocol's side-by-side backtest: per-model specs, the seasonal baseline
suite, scored horizons with their own origin spacing, common rows and observed targets."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tslib.baselines import ClimatologyForecaster, NaiveForecaster, SarimaxForecaster
from tslib.encoders import RecurrentEncoder
from tslib.errors import DataError, InputError
from tslib.evaluate import ForecastSpec, backtest
from tslib.evaluate.baseline_suite import seasonal_baselines


def _hourly(n: int = 400, seed: int = 0) -> tuple[pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-01", periods=n, freq="h")
    y = pd.Series(np.sin(np.arange(n) * 2 * np.pi / 24) + 0.3 * rng.normal(size=n), index)
    return y, np.column_stack([np.sin(np.arange(n) * 2 * np.pi / 24)])


def test_daily_series_get_every_baseline_with_annual_terms():
    index = pd.date_range("2010-01-01", periods=1100, freq="D")
    specs, notes = seasonal_baselines(index, 900, window=400, maxiter=5)
    assert list(specs) == ["persistence", "seasonal_naive", "climatology", "sarimax", "ets"]
    assert specs["seasonal_naive"].model.season == 365
    assert specs["climatology"].exog.shape == (1100, 6) and specs["climatology"].first == 0
    assert specs["sarimax"].exog is None and specs["sarimax"].first == 500  # 400 rows: no terms
    assert specs["ets"].first == 500
    assert "365.25D" in notes[0]


def test_short_hourly_series_skip_what_they_cannot_support():
    index = pd.date_range("2020-01-01", periods=30, freq="h")
    specs, notes = seasonal_baselines(index, 20)
    assert "seasonal_naive" not in specs and "ets" not in specs
    assert specs["climatology"].exog.shape == (30, 6)  # daily cycle, 3 harmonics
    assert any("seasonal naive skipped" in n for n in notes)
    assert any("ETS skipped" in n for n in notes)
    with pytest.raises(InputError):
        seasonal_baselines(index, 40)
    with pytest.raises(DataError):
        seasonal_baselines(pd.RangeIndex(30), 20)
    with pytest.raises(InputError, match="first must be"):
        ForecastSpec(NaiveForecaster(), first=-1)


def test_specs_equal_separate_backtests_and_honour_the_first_row():
    y, exog = _hourly()
    specs = {
        "persistence": NaiveForecaster(),
        "climatology": ForecastSpec(ClimatologyForecaster(), exog),
        "sarimax": ForecastSpec(SarimaxForecaster(order=(1, 0, 0), maxiter=20), exog, 200),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = backtest(specs, y, start=300, horizon=2, every=3, interval=0.9)
        alone = backtest(
            {"sarimax": SarimaxForecaster(order=(1, 0, 0), maxiter=20)},
            y.iloc[200:], start=100, horizon=2, every=3, exog=exog[200:], interval=0.9,
        )  # fmt: skip
    mine = frame[frame["model"] == "sarimax"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone, check_like=True)
    assert set(frame["model"]) == set(specs) and set(frame.attrs["seconds"]) == set(specs)
    assert frame.groupby("model")["origin"].min().nunique() == 1
    assert frame.attrs["fits"] == {"persistence": 1, "climatology": 1, "sarimax": 1}
    with pytest.raises(InputError, match="first row"):
        backtest({"p": ForecastSpec(NaiveForecaster(), first=350)}, y, start=300)


def test_a_deep_spec_reads_its_own_inputs():
    y, exog = _hourly(120)
    x = np.column_stack([y.to_numpy(), exog[:, 0]]).astype(np.float32)  # (T, 2)
    fused = RecurrentEncoder(2, 4, 1, feedback_inputs=(0,)).eval()
    alone = RecurrentEncoder(1, 4, 1, feedback_inputs=(0,)).eval()
    frame = backtest(
        {"fused": fused, "alone": ForecastSpec(alone, x=x[:, :1], known_columns=())},
        y, start=100, horizon=3, x=x, known_columns=[1], device="cpu",
    )  # fmt: skip
    single = backtest({"alone": alone}, y, start=100, horizon=3, device="cpu")
    pd.testing.assert_frame_equal(
        frame[frame["model"] == "alone"].reset_index(drop=True), single, check_like=True
    )
    with pytest.raises(InputError, match="would read input column"):
        backtest({"fused": fused}, y, start=100, horizon=3, x=x, device="cpu")


def test_the_seasonal_suite_joins_the_models_and_is_noted():
    y, _ = _hourly()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = backtest(
            {"naive": NaiveForecaster()}, y, start=300, horizon=1, baselines="seasonal",
            baseline_window=150, baseline_maxiter=5,
        )  # fmt: skip
    assert frame.attrs["baselines"] == ["persistence", "seasonal_naive", "climatology", "sarimax"]
    assert set(frame["model"]) == {"naive", *frame.attrs["baselines"]}
    assert any("ETS skipped" in note for note in frame.attrs["notes"])
    naive = frame[frame["model"] == "naive"].reset_index(drop=True)
    persistence = frame[frame["model"] == "persistence"].reset_index(drop=True)
    np.testing.assert_array_equal(naive["y_pred"], persistence["y_pred"])
    with pytest.raises(InputError, match="clash"):
        backtest({"persistence": NaiveForecaster()}, y, start=300, baselines="seasonal")
    with pytest.raises(InputError, match="unknown baselines"):
        backtest({"naive": NaiveForecaster()}, y, start=300, baselines="tropical")
    with pytest.raises(InputError, match="DatetimeIndex"):
        backtest({"naive": NaiveForecaster()}, y.to_numpy(), start=300, baselines="seasonal")


def test_horizons_with_their_own_spacing_equal_separate_runs():
    y, _ = _hourly(200)
    frame = backtest(
        {"naive": NaiveForecaster()}, y, start=150, horizon=[1, 6], every={1: 2, 6: 10}
    )
    h1 = backtest({"naive": NaiveForecaster()}, y, start=150, horizon=1, every=2)
    h6 = backtest({"naive": NaiveForecaster()}, y, start=150, horizon=6, every=10)
    h6 = h6[h6["horizon"] == 6]
    expected = pd.concat([h1, h6], ignore_index=True)
    pd.testing.assert_frame_equal(frame, expected)
    with pytest.raises(InputError, match="no spacing for horizons"):
        backtest({"naive": NaiveForecaster()}, y, start=150, horizon=[1, 6], every={1: 2})


def test_common_rows_keep_identical_test_points_and_fills_are_never_scored():
    y, _ = _hourly(200)
    models = {"a": NaiveForecaster(), "b": NaiveForecaster()}
    every = {"every": {1: 1, 6: 3}}
    loose = backtest(models, y, start=150, horizon=[1, 6], **every)
    assert len(loose) == 2 * (50 + 15)
    frame = backtest({"a": NaiveForecaster()}, y, start=150, horizon=[1, 6], **every)
    other = backtest(
        {"b": ForecastSpec(NaiveForecaster(), first=10)}, y, start=150, horizon=6, every=3
    )
    both = backtest(
        {"a": NaiveForecaster(), "b": NaiveForecaster()}, y, start=150, horizon=[1, 6],
        every={1: 1, 6: 3}, common=True,
    )  # fmt: skip
    assert len(frame) == 50 + 15 and len(other) == 6 * 15 and len(both) == 2 * (50 + 15)
    mixed = backtest(
        {"a": NaiveForecaster(), "b": ForecastSpec(NaiveForecaster(), first=10)},
        y, start=150, horizon=[1, 6], every={1: 1, 6: 3}, common=True,
    )  # fmt: skip
    assert mixed.groupby("model").size().tolist() == [65, 65]
    observed = np.ones(200, dtype=bool)
    observed[[160, 161]] = False  # two imputed targets
    kept = backtest(models, y, start=150, horizon=1, observed=observed)
    assert len(kept) == 2 * 48 and not kept["timestamp"].isin(y.index[[160, 161]]).any()
    with pytest.raises(InputError, match="observed must be"):
        backtest(models, y, start=150, observed=observed[:-1])
