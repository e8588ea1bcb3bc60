"""Risk backtest tables agree with the metric functions they are built from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.evaluate.risk_forecast import LocationScaleForecast
from tslib.evaluate.risk_report import (
    aci_table,
    level_label,
    risk_backtest,
    risk_table,
    subperiod_table,
)
from tslib.evaluate.risk_walk import historical_walk
from tslib.metrics import christoffersen_independence, kupiec_pof, pinball_loss, qlike


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    sigma = np.r_[np.full(700, 1.0), np.full(300, 2.0)]
    returns = sigma * rng.standard_normal(1000)
    days = pd.bdate_range("2006-01-02", periods=1000)
    test = slice(500, 1000)
    forecasts = {
        "oracle": LocationScaleForecast(np.zeros(500), sigma[test]),
        "flat": LocationScaleForecast(np.zeros(500), np.ones(500)),
        "hs": historical_walk(returns, 500, window=250),
    }
    return pd.Series(returns[test], index=days[test]), forecasts


def test_labels():
    assert level_label(0.01) == "var99" and level_label(0.05) == "var95"
    assert level_label(0.025) == "var97.5"


def test_backtest_row_equals_the_metrics(setup):
    returns, forecasts = setup
    r = returns.to_numpy()
    row = risk_backtest(r, forecasts["flat"])
    hits = r < -forecasts["flat"].var(0.01)
    assert row["var99_hits"] == hits.sum() and row["var99_rate"] == pytest.approx(hits.mean())
    assert row["var99_kupiec_p"] == pytest.approx(kupiec_pof(hits, 0.01)["pvalue"])
    assert row["var99_christoffersen_p"] == pytest.approx(
        christoffersen_independence(hits)["pvalue"]
    )
    var95 = forecasts["flat"].var(0.05)
    assert row["var95_pinball"] == pytest.approx(pinball_loss(r, -var95[:, None], [0.05]))
    assert row["qlike"] == pytest.approx(qlike(r, 1.0))


def test_table_ranks_the_oracle_first_and_tests_against_the_reference(setup):
    returns, forecasts = setup
    table = risk_table(returns.to_numpy(), forecasts, reference="flat")
    assert list(table.index) == ["oracle", "flat", "hs"]
    assert table["qlike"].idxmin() == "oracle"
    assert table.loc["oracle", "dm_qlike_stat"] < 0 and table.loc["oracle", "dm_qlike_p"] < 0.05
    assert np.isnan(table.loc["flat", "dm_qlike_p"])
    with pytest.raises(InputError, match="reference"):
        risk_table(returns.to_numpy(), forecasts, reference="garch")


def test_aci_table_improves_the_stale_model(setup):
    returns, forecasts = setup
    table, paths = aci_table(returns.to_numpy(), forecasts, alpha=0.01, gamma=0.5, scale="log")
    assert table.loc["flat", "raw_rate"] > 0.03
    assert abs(table.loc["flat", "aci_rate"] - 0.01) < abs(table.loc["flat", "raw_rate"] - 0.01)
    assert len(paths["hs"]) == 500 and {"level", "var", "hit"} <= set(paths["hs"].columns)


def test_subperiods_split_stress_and_calm(setup):
    returns, forecasts = setup
    periods = {"stress": ("2008-09-01", "2009-12-31"), "future": ("2030-01-01", "2030-12-31")}
    table = subperiod_table(returns, forecasts, periods, alpha=0.01)
    assert set(table.index.get_level_values("period")) == {"stress", "calm (rest)"}
    days = table.xs("oracle", level="model")["days"]
    assert days.sum() == len(returns)
    with pytest.raises(InputError, match="DatetimeIndex"):
        subperiod_table(returns.reset_index(drop=True), forecasts, periods)
