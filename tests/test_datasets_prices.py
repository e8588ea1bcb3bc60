"""The Yahoo-format price simulator, the price loader and returns / ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.datasets import load
from tslib.datasets.price_sim import YAHOO_COLUMNS, simulate_index_prices, write_yahoo_csv
from tslib.datasets.prices import first_test_day, load_prices, price_returns
from tslib.errors import DataError, InputError


@pytest.fixture(scope="module")
def yahoo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prices") / "index.csv"
    return write_yahoo_csv(path, start="1940-01-02", end="1975-12-31", seed=1, null_rows=3)


def test_simulator_has_the_quirks_of_a_long_index_file():
    frame, truth = simulate_index_prices(seed=0)
    assert len(frame) > 24_000 and frame.index[0].year == 1928
    early, late = frame.loc[:"1961-12-29"], frame.loc["1962-01-02":]
    assert (early["Open"] == early["Close"]).all() and (early["High"] == early["Low"]).all()
    assert (frame.loc[:"1949-12-30", "Volume"] == 0).all() and (late["Volume"] > 0).all()
    assert (late["High"] >= late[["Open", "Close"]].max(axis=1)).all()
    assert (late["Low"] <= late[["Open", "Close"]].min(axis=1)).all()
    assert frame["Adj Close"].iloc[-1] == pytest.approx(frame["Close"].iloc[-1], rel=1e-6)
    assert frame["Adj Close"].iloc[0] < 0.5 * frame["Close"].iloc[0]  # dividends folded in
    crash = 100 * np.log(frame["Close"]).diff().loc["1987-10-19"]
    assert crash == pytest.approx(100 * np.log(1 - 0.205), abs=1e-3)
    sigma = truth["sigma"]
    assert sigma.loc["2008-10-01":"2009-03-01"].mean() > 2.5 * sigma.loc["2005"].mean()
    again, _ = simulate_index_prices(seed=0)
    pd.testing.assert_frame_equal(frame, again)


def test_yahoo_file_round_trips_through_the_loaders(yahoo_file):
    text = yahoo_file.read_text().splitlines()
    assert text[0] == ",".join(YAHOO_COLUMNS)
    assert sum(line.endswith("null,null") for line in text) == 3
    with pytest.raises(DataError, match="missing"):
        load("csv", path=yahoo_file, targets=["Adj Close"])
    loaded, column = load_prices("csv", path=yahoo_file)
    assert column == "Adj Close" and loaded.info.targets == ("Adj Close",)
    assert "dropped 3 row(s)" in loaded.repairs[0]
    assert loaded.frame.index.name == "Date" and not loaded.frame.isna().any().any()


def test_price_column_choice(tmp_path, yahoo_file):
    close_only = tmp_path / "close.csv"
    pd.read_csv(yahoo_file).drop(columns="Adj Close").to_csv(close_only, index=False)
    assert load_prices("csv", path=close_only)[1] == "Close"
    assert load_prices("csv", path=yahoo_file, price_column="Close")[1] == "Close"
    with pytest.raises(DataError, match="'Price'"):
        load_prices("csv", path=yahoo_file, price_column="Price")
    with pytest.raises(InputError, match="path"):
        load_prices("csv")
    assert load_prices("sp500")[1] == "Adj Close"


def test_returns_and_ranges(yahoo_file):
    loaded, column = load_prices("csv", path=yahoo_file)
    frame = price_returns(loaded.frame, column)
    prices = loaded.frame[column]
    assert len(frame) == len(prices) - 1
    np.testing.assert_allclose(frame["return"], 100 * np.diff(np.log(prices.to_numpy())))
    flat = frame.loc[:"1961-12-29", "range"]
    assert flat.isna().all() and frame.loc["1962-01-02":, "range"].gt(0).all()
    with pytest.raises(DataError, match="not positive"):
        price_returns(loaded.frame.assign(Close=0.0), "Close")


def test_first_test_day_falls_back_to_the_last_30_percent():
    days = pd.bdate_range("2000-01-03", periods=1000)
    assert first_test_day(days, "2002-01-01", min_history=200)[0] == days.searchsorted("2002-01-01")
    for start in ("1990-01-01", "2010-01-01", None):
        position, why = first_test_day(days, start, min_history=200)
        assert position == 700 and "last 30%" in why
    with pytest.raises(DataError, match="too few"):
        first_test_day(days[:100], None, min_history=200)
