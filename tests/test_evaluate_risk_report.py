"""Risk scorers agree with the metric functions they are built from, on tidy backtest rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.baselines import HistoricalVaR
from tslib.calibration import AdaptiveConformal
from tslib.evaluate import RISK_SCORERS, RiskStream, backtest, score
from tslib.evaluate.risk_forecast import LocationScaleForecast
from tslib.evaluate.risk_report import aci_label, es_label, level_label
from tslib.metrics import christoffersen_independence, kupiec_pof, pinball_loss, qlike
from tslib.metrics.risk import conditional_coverage, mcneil_frey_es_test


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    sigma = np.r_[np.full(700, 1.0), np.full(300, 2.0)]
    returns = sigma * rng.standard_normal(1000)
    days = pd.bdate_range("2006-01-02", periods=1000)
    forecasts = {
        "oracle": LocationScaleForecast(np.zeros(500), sigma[500:]),
        "flat": LocationScaleForecast(np.zeros(500), np.ones(500)),
    }
    frames = []
    for name, forecast in forecasts.items():
        columns = {"model": name, "stream": "s", "date": days[500:], "return": returns[500:]}
        columns["variance"] = forecast.variance()
        for alpha in (0.01, 0.05):
            columns[level_label(alpha)], columns[es_label(alpha)] = (
                forecast.var(alpha),
                forecast.es(alpha),
            )
        frames.append(pd.DataFrame(columns))
    frame = pd.concat(frames, ignore_index=True)
    frame["ref_variance"] = np.tile(forecasts["flat"].variance(), 2)
    hs = backtest(
        {"hs": HistoricalVaR(window=250)},
        RiskStream(pd.DataFrame({"return": returns}, index=days), 500),
        reference=None,
    )
    return frame, hs


def test_labels():
    assert level_label(0.01) == "var99" and level_label(0.05) == "var95"
    assert level_label(0.025) == "var97.5" and es_label(0.01) == "es99"
    assert aci_label("log", 0.01) == "aci_log_var99"
    assert {"var99_kupiec_p", "qvar95_cc_p", "aci_linear_var99_infinite_days"} <= set(RISK_SCORERS)


def test_scores_equal_the_metrics(setup):
    frame, _ = setup
    names = ["var99_hits", "var99_rate", "var99_kupiec_p", "var99_christoffersen_p", "var99_cc_p"]
    names += ["var95_pinball", "var99_es_test_p", "qlike", "mse"]
    row = score(frame, names, by=["model"], known=RISK_SCORERS).set_index("model").loc["flat"]
    flat = frame[frame["model"] == "flat"]
    r, var = flat["return"].to_numpy(), flat["var99"].to_numpy()
    hits = r < -var
    assert row["var99_hits"] == hits.sum() and row["var99_rate"] == pytest.approx(hits.mean())
    assert row["var99_kupiec_p"] == pytest.approx(kupiec_pof(hits, 0.01)["pvalue"])
    assert row["var99_christoffersen_p"] == pytest.approx(
        christoffersen_independence(hits)["pvalue"]
    )
    assert row["var99_cc_p"] == pytest.approx(conditional_coverage(hits, 0.01)["pvalue"])
    var95 = flat["var95"].to_numpy()
    assert row["var95_pinball"] == pytest.approx(pinball_loss(r, -var95[:, None], [0.05]))
    es = mcneil_frey_es_test(r, var, flat["es99"].to_numpy(), np.ones(500), seed=0)
    assert row["var99_es_test_p"] == pytest.approx(es["pvalue"])
    assert row["qlike"] == pytest.approx(qlike(r, 1.0))
    assert row["mse"] == pytest.approx(np.mean((r**2 - 1.0) ** 2))


def test_the_oracle_wins_and_is_tested_against_the_reference(setup):
    frame, _ = setup
    table = score(frame, ["qlike", "dm_qlike_stat", "dm_qlike_p"], known=RISK_SCORERS)
    table = table.set_index("model")
    assert table["qlike"].idxmin() == "oracle"
    assert table.loc["oracle", "dm_qlike_stat"] < 0 and table.loc["oracle", "dm_qlike_p"] < 0.05
    assert np.isnan(table.loc["flat", "dm_qlike_p"])  # the reference itself


def test_backtest_scorers_by_name_and_missing_columns_give_nan(setup):
    _, hs = setup
    table = score(hs, ["var99_rate", "qvar99_rate", "dm_qlike_p"], by=["model"])  # protocol scorers
    assert table["n"].iloc[0] == 500 and 0 < table["var99_rate"].iloc[0] < 0.1
    assert np.isnan(table["qvar99_rate"].iloc[0]) and np.isnan(table["dm_qlike_p"].iloc[0])


def test_sub_periods_and_calibration_through_backtest(setup):
    frame, _ = setup
    days = frame["date"]
    stream = RiskStream(
        pd.DataFrame(
            {"return": np.r_[np.zeros(500), frame["return"][:500]]},
            index=pd.bdate_range("2006-01-02", periods=1000),
        ),
        500,
    )
    flat = backtest(
        {"hs": HistoricalVaR(window=250)},
        stream,
        calibrate=AdaptiveConformal(0.01, 0.5, "log"),
        periods={"stress": (days.iloc[200], days.iloc[499])},
    )
    table = score(flat, ["var99_rate", "aci_log_var99_rate", "aci_log_var99_infinite_days"])
    assert abs(table["aci_log_var99_rate"].iloc[0] - 0.01) < abs(table["var99_rate"].iloc[0] - 0.01)
    by_period = score(flat, ["var99_hits"], by=["period", "model"]).set_index("period")
    assert by_period["n"].to_dict() == {"calm (rest)": 200, "stress": 300}
