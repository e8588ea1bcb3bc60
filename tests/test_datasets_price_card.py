"""The data card of a price file names its source, span, calendar and every repair."""

from __future__ import annotations

import pytest

from tslib.datasets.price_card import price_card
from tslib.datasets.price_sim import write_yahoo_csv
from tslib.datasets.prices import load_prices, price_returns
from tslib.errors import InputError


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = tmp_path_factory.mktemp("card") / "index.csv"
    write_yahoo_csv(path, start="1945-01-02", end="1955-12-31", seed=2, null_rows=2)
    data, column = load_prices("csv", path=path)
    return data, column, price_returns(data.frame, column)


def test_card_lines(loaded):
    data, column, returns = loaded
    lines = price_card("index", data, column, returns).splitlines()
    assert len(lines) == 7 and lines[0].startswith("== index: ")
    frame = data.frame
    assert lines[3] == (
        f"size: {len(frame)} rows x {frame.shape[1]} columns | "
        f"span {frame.index[0].date()} .. {frame.index[-1].date()}"
    )
    assert lines[4].startswith("frequency: trading days (median gap 1 day, ")
    assert lines[5] == f"price column: {column} | returns: {len(returns)}"
    repairs = lines[6]
    assert "dropped 2 row(s) with a missing target" in repairs
    assert f"no intraday range (High == Low or missing) on {len(returns)} days" in repairs
    assert "volume 0 on" in repairs  # early decades of the simulated file


def test_a_clean_file_says_none(loaded):
    data, column, returns = loaded
    clean = type(data)(data.frame.drop(columns="Volume"), data.info)
    card = price_card("x", clean, column, returns.assign(range=1.0))
    assert card.splitlines()[-1] == "repairs and notes: none"
    with pytest.raises(InputError, match="dated rows"):
        price_card("x", type(data)(data.frame.iloc[:1], data.info), column, returns)
