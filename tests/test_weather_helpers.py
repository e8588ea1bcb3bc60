"""The helpers notebook 02 (weather) moved into tslib: cards, the forecaster suite, the
stepwise gap, metric winners and errors by season."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import tslib as ts
from tslib.checks.stepwise_gap import stepwise_gap
from tslib.encoders import RecurrentEncoder
from tslib.errors import InputError
from tslib.evaluate import metric_winners, rmse_by_season
from tslib.preprocess import prepare_forecast_data
from tslib.reports.data_card import data_card, grid_card
from tslib.training import fit
from tslib.training.forecaster_suite import fit_forecasters
from tslib.training.weighted_loss import weighted_head_loss


def test_cards_describe_the_data_and_the_grid():
    loaded = ts.load("seattle_weather")
    lines = data_card("seattle_weather", loaded, "temp_max").splitlines()
    assert len(lines) == 8 and lines[0].startswith("== seattle_weather: ")
    assert lines[4] == f"size: 1461 rows x 5 columns {list(loaded.frame.columns)}"
    assert lines[-2].endswith("target: 'temp_max'") and lines[-1] == "repairs on load: none"
    index = pd.date_range("2020-01-01", periods=60, freq="D").delete([10, 11])
    frame = pd.DataFrame({"temp": np.sin(np.arange(58.0)), "wind": np.arange(58.0)}, index)
    data = prepare_forecast_data(frame, "temp", test_fraction=0.2, val_fraction=0.2)
    card = grid_card("toy", data, [1, 7]).splitlines()
    assert card[0] == "== toy: target 'temp', variables ['temp', 'wind'], step 1 days 00:00:00"
    assert card[1].startswith("grid 60 rows: train 36, validation 12, test 12 (from 2020-02-18")
    assert card[1].endswith("horizons [1, 7]")
    assert card[2:] == [f" - {m}" for m in data.messages] and len(card) > 2
    with pytest.raises(InputError):
        data_card("x", loaded.frame, "temp_max")
    with pytest.raises(InputError):
        grid_card("x", frame, [1])


def test_the_suite_equals_building_and_fitting_each_model_by_hand():
    torch.manual_seed(0)
    x = torch.randn(10, 16, 3)
    windows = ((x[:8], x[:8, :, :2]), (x[8:], x[8:, :, :2]))
    options = {"epochs": 2, "seed": 3, "device": "cpu", "progress": False}
    models, table = fit_forecasters(
        ["lstm", "gru"], windows, 3, 2, hidden=8, feedback_inputs=(0, 1),
        target_weights=[3.0, 1.0], weight_seed=5, **options,
    )  # fmt: skip
    by_hand = ts.make_forecaster("gru", 3, 2, hidden=8, feedback_inputs=(0, 1), seed=6)
    fit(by_hand, *windows, loss=weighted_head_loss(by_hand, [3.0, 1.0]), **options)
    for mine, theirs in zip(models["gru"].state_dict().values(), by_hand.state_dict().values()):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    assert table["model"].tolist() == ["lstm", "gru"] and table["train windows"].tolist() == [8, 8]
    assert (table["epochs"] == 2).all() and table["best val loss"].notna().all()
    with pytest.raises(InputError, match="at least one kind"):
        fit_forecasters([], windows, 3, 2)
    with pytest.raises(InputError, match="train, val"):
        fit_forecasters(["lstm"], list(windows), 3, 2)


class _Leaky(RecurrentEncoder):
    """Its forward is off by one from its step: the gap must show it."""

    def forward(self, x, state=None):
        y, state = super().forward(x, state)
        return y + 1.0, state


def test_stepwise_gap_is_zero_for_a_contract_model_and_not_for_a_broken_one():
    x = np.random.default_rng(0).normal(size=(30, 2))
    assert stepwise_gap(RecurrentEncoder(2, 4, 1, seed=0), x) <= 1e-5
    assert stepwise_gap(_Leaky(2, 4, 1, seed=0), x) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(InputError):
        stepwise_gap(torch.nn.Linear(2, 1), x)


def test_metric_winners_per_group():
    table = pd.DataFrame(
        {"model": ["a", "b", "a", "b"], "horizon": [1, 1, 7, 7], "rmse": [1.0, 2.0, 3.0, 2.5],
         "auc": [0.7, 0.8, 0.6, 0.5], "coverage_95": [0.9, 0.96, 0.8, 0.99]}
    )  # fmt: skip
    won = metric_winners(table, lowest=["rmse"], highest=["auc"], closest={"coverage_95": 0.95})
    assert won["rmse"].tolist() == ["a", "b"] and won["auc"].tolist() == ["b", "a"]
    assert won["coverage_95 closest to 0.95"].tolist() == ["b", "b"]
    overall = metric_winners(table, by=(), lowest=["rmse"])
    assert overall["rmse"].tolist() == ["a"]
    with pytest.raises(InputError, match="lacks columns"):
        metric_winners(table, lowest=["mae"])
    with pytest.raises(InputError, match="at least one metric"):
        metric_winners(table)


def test_rmse_by_season_groups_by_meteorological_season():
    times = pd.to_datetime(["2020-12-15", "2021-01-15", "2021-04-15", "2021-10-15"])
    frame = pd.DataFrame(
        {"model": "m", "timestamp": times, "y_true": [0.0, 0.0, 0.0, 0.0],
         "y_pred": [3.0, 4.0, 1.0, 2.0]}
    )  # fmt: skip
    table = rmse_by_season(frame)
    assert table.index.tolist() == ["DJF", "MAM", "SON"]
    assert table.loc["DJF", "m"] == pytest.approx(np.sqrt(12.5))
    with pytest.raises(InputError):
        rmse_by_season(frame.drop(columns="timestamp"))
