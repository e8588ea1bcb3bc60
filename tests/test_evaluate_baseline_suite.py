"""seasonal_baselines / backtest_each / common_rows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tslib.baselines import ClimatologyForecaster, NaiveForecaster, SarimaxForecaster
from tslib.errors import DataError, InputError
from tslib.evaluate import backtest
from tslib.evaluate.baseline_suite import backtest_each, common_rows, seasonal_baselines


def test_daily_series_get_every_baseline_with_annual_terms():
    index = pd.date_range("2010-01-01", periods=1100, freq="D")
    specs, notes = seasonal_baselines(index, 900, window=400, maxiter=5)
    assert list(specs) == ["persistence", "seasonal_naive", "climatology", "sarimax", "ets"]
    assert specs["seasonal_naive"][0].season == 365
    assert specs["climatology"][1].shape == (1100, 6) and specs["climatology"][2] == 0
    assert specs["sarimax"][1] is None and specs["sarimax"][2] == 500  # 400 rows: no annual terms
    assert specs["ets"][2] == 500
    assert "365.25D" in notes[0]


def test_short_hourly_series_skip_what_they_cannot_support():
    index = pd.date_range("2020-01-01", periods=30, freq="h")
    specs, notes = seasonal_baselines(index, 20)
    assert "seasonal_naive" not in specs and "ets" not in specs
    assert specs["climatology"][1].shape == (30, 6)  # daily cycle, 3 harmonics
    assert any("seasonal naive skipped" in n for n in notes)
    assert any("ETS skipped" in n for n in notes)
    with pytest.raises(InputError):
        seasonal_baselines(index, 40)
    with pytest.raises(DataError):
        seasonal_baselines(pd.RangeIndex(30), 20)


def test_backtest_each_equals_separate_backtests_and_honours_the_first_row():
    rng = np.random.default_rng(0)
    index = pd.date_range("2020-01-01", periods=400, freq="h")
    y = pd.Series(np.sin(np.arange(400) * 2 * np.pi / 24) + 0.3 * rng.normal(size=400), index)
    exog = np.column_stack([np.sin(np.arange(400) * 2 * np.pi / 24)])
    specs = {
        "persistence": (NaiveForecaster(), None, 0),
        "climatology": (ClimatologyForecaster(), exog, 0),
        "sarimax": (SarimaxForecaster(order=(1, 0, 0), maxiter=20), exog, 200),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = backtest_each(specs, y, start=300, horizon=2, every=3, interval=0.9)
        alone = backtest(
            {"sarimax": SarimaxForecaster(order=(1, 0, 0), maxiter=20)},
            y.iloc[200:], start=100, horizon=2, every=3, exog=exog[200:], interval=0.9,
        )  # fmt: skip
    mine = frame[frame["model"] == "sarimax"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone, check_like=True)
    assert set(frame["model"]) == set(specs) and set(frame.attrs["seconds"]) == set(specs)
    assert frame.groupby("model")["origin"].min().nunique() == 1
    with pytest.raises(InputError, match="first row"):
        backtest_each({"p": (NaiveForecaster(), None, 350)}, y, start=300, horizon=1)


def test_common_rows_keep_identical_test_points():
    frame = pd.DataFrame(
        {"model": ["a", "a", "a", "b", "b"], "origin": [1, 2, 3, 1, 2], "horizon": 1,
         "y_true": 0.0, "y_pred": 0.0}
    )  # fmt: skip
    kept = common_rows(frame)
    assert kept["origin"].tolist() == [1, 2, 1, 2]
    with pytest.raises(InputError):
        common_rows(frame.drop(columns="origin"))
