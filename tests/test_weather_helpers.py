"""The helpers notebook 02 (weather) moved into tslib: cards, the forecaster suite, the
stepwise gap, metric winners, errors by season, data defaults, event climatology, origin
spacing, the replay against persistence and recorded-metric keys."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

import tslib as ts
from tslib.baselines.event_climatology import event_climatology
from tslib.checks.stepwise_gap import stepwise_gap
from tslib.encoders import RecurrentEncoder
from tslib.errors import DataError, InputError
from tslib.evaluate import metric_winners, rmse_by_season
from tslib.evaluate.origin_spacing import origin_spacing
from tslib.evaluate.replay_persistence import replay_against_persistence
from tslib.preprocess import prepare_forecast_data
from tslib.preprocess.data_defaults import default_horizons, default_target, find_column, grid_step
from tslib.reports.data_card import data_card, grid_card
from tslib.reports.table_metrics import table_metrics
from tslib.training import fit, make_windows
from tslib.training.forecaster_suite import fit_forecasters, fit_on_data, window_stride
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


def _toy_data(n: int = 80, missing: tuple[int, ...] = ()) -> object:
    index = pd.date_range("2020-01-01", periods=n, freq="D")
    frame = pd.DataFrame({"t": np.sin(np.arange(n) / 3.0), "w": np.cos(np.arange(n) / 5.0)}, index)
    frame.loc[frame.index[list(missing)], "t"] = np.nan
    return prepare_forecast_data(frame, "t", test_fraction=0.25, val_fraction=0.2)


def test_data_defaults_pick_target_step_horizons_and_columns():
    seattle = ts.load("seattle_weather")
    assert default_target(seattle) == seattle.info.targets[0]
    assert default_target(seattle, "wind") == "wind"
    with pytest.raises(InputError, match="not a column"):
        default_target(seattle, "nope")
    index = pd.date_range("2020-01-01", periods=6, freq="10min").delete([2])
    assert grid_step(index) == pd.Timedelta("1h")  # sub-hourly data is averaged into hours
    assert grid_step(index, None) == pd.Timedelta("10min")
    assert grid_step(index, "30min") == pd.Timedelta("30min")
    assert default_horizons(pd.Timedelta("1D")) == [1, 7]
    assert default_horizons(pd.Timedelta("1h"), []) == [1, 24]
    assert default_horizons(pd.Timedelta("1h"), [6, 3, 6]) == [1, 3, 6]
    with pytest.raises(InputError, match="positive integers"):
        default_horizons(pd.Timedelta("1h"), [0])
    assert find_column(["temp", "wind", "PRCP"], ("precip", "prcp")) == "PRCP"
    assert find_column(["temp", "wind"], ("precip",)) is None


def test_default_target_falls_back_to_the_first_numeric_column():
    frame = pd.DataFrame({"name": ["a", "b"], "x": [1.0, 2.0]})
    no_targets = SimpleNamespace(targets=[])
    assert default_target(SimpleNamespace(frame=frame, info=no_targets)) == "x"
    with pytest.raises(DataError, match="no numeric column"):
        default_target(SimpleNamespace(frame=frame[["name"]], info=no_targets))


def test_event_climatology_learns_the_cycle_on_the_fitting_span_only():
    index = pd.date_range("2020-01-01", periods=120, freq="h")
    rain = (index.hour >= 12).astype(float)  # rain every afternoon
    p = event_climatology(index, rain, fit_end=96)
    assert p.shape == (120,) and p[96 + 16] > 0.85 and p[96 + 3] < 0.15
    flipped = rain.copy()
    flipped[96:] = 1.0 - flipped[96:]  # the test span is never seen
    np.testing.assert_allclose(event_climatology(index, flipped, fit_end=96), p)
    daily = pd.date_range("2020-01-01", periods=40, freq="D")  # no cycle: the training share
    share = event_climatology(daily, np.arange(40) % 4 == 0, fit_end=20)
    np.testing.assert_allclose(share, share[0])
    assert abs(share[0] - 0.25) < 0.05
    with pytest.raises(InputError, match="both outcomes"):
        event_climatology(index, np.zeros(120), fit_end=96)
    with pytest.raises(InputError, match="fit_end"):
        event_climatology(index, rain, fit_end=0)


def test_origin_spacing_keeps_the_budgets_and_nests_the_long_origins():
    assert origin_spacing(292, [1, 7], 3000, 300) == {1: 1, 7: 1}
    spacing = origin_spacing(1752, [1, 24], 300, 100)
    assert spacing == {1: 6, 24: 18} and spacing[24] % spacing[1] == 0
    assert 1752 / spacing[1] <= 300 and 1752 / spacing[24] <= 100
    with pytest.raises(InputError, match="budgets"):
        origin_spacing(10, [1], 0, 5)


def test_replay_against_persistence_scores_observed_targets_only():
    d = _toy_data(missing=(70,))  # a filled target in the test span
    n_test = len(d.inputs) - d.test_start
    raw = d.raw[d.target].to_numpy()
    y_true = np.nan_to_num(raw[d.test_start :])
    y_pred = y_true + 0.5
    y_pred[70 - d.test_start] += 100.0  # the filled target: never scored
    live = pd.DataFrame({"stream": "a", "y_true": y_true, "y_pred": y_pred})
    table = replay_against_persistence(live, {"a": d})
    observed = ~d.missing[d.target].to_numpy()[d.test_start :]
    persistence = np.abs(y_true - raw[d.test_start - 1 : -1])[observed].mean()
    assert table.to_dict("records") == [
        {"stream": "a", "ticks": n_test, "MAE replay": 0.5, "MAE persistence": persistence}
    ]
    with pytest.raises(InputError, match="replay rows"):
        replay_against_persistence(live.iloc[1:], {"a": d})
    with pytest.raises(InputError, match="lacks columns"):
        replay_against_persistence(live.drop(columns="y_pred"), {"a": d})


def test_table_metrics_names_every_cell_once():
    table = pd.DataFrame(
        {"model": ["a", "a", "b"], "horizon": [1, 7, 1], "rmse": [1.0, 2.0, 3.0]}
    ).set_index(["model", "horizon"])
    assert table_metrics(table, {"rmse_h1": ("rmse", 1)}, ["b", "a"]) == {
        "rmse_h1_b": 3.0, "rmse_h1_a": 1.0,
    }  # fmt: skip
    with pytest.raises(InputError, match="'rmse'"):
        table_metrics(table, {"rmse_h7": ("rmse", 7)}, ["b"])
    with pytest.raises(InputError):
        table_metrics(table, {"mae_h1": ("mae", 1)}, ["a"])


def test_window_stride_and_fit_on_data_equal_the_hand_written_windows():
    assert window_stride(1000, 64, 200) == 8 and window_stride(10**5, 64, 200) == 64
    assert window_stride(10, 4, 100) == 1
    with pytest.raises(InputError):
        window_stride(100, 0, 10)
    d = _toy_data()
    options = {"hidden": 4, "weight_seed": 2, "epochs": 2, "seed": 1, "device": "cpu"}
    options |= {"progress": False, "burn_in": 2}
    models, table = fit_on_data(["gru"], d, window=12, max_windows=10, target_weight=3.0, **options)
    x, stride = d.x(), window_stride(d.n_train, 12, 10)
    windows = make_windows(
        x, 12, stride=stride, targets=range(2), split=(d.n_train, d.test_start), burn_in=2
    )
    by_hand, _ = fit_forecasters(
        ["gru"], windows, x.shape[1], 2, feedback_inputs=(0, 1), target_weights=[3.0, 1.0],
        **options,
    )  # fmt: skip
    for mine, theirs in zip(
        models["gru"].state_dict().values(), by_hand["gru"].state_dict().values()
    ):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    assert int(table["train windows"].iloc[0]) == len(windows[0][0])
    only, _ = fit_on_data(["lstm"], d, window=12, max_windows=10, target_only=True, **options)
    assert only["lstm"].output_size == 1
    rain = (d.raw["w"] > 0).to_numpy(dtype=float)
    classes, _ = fit_on_data(["gru"], d, window=12, max_windows=10, labels=rain, **options)
    assert classes["gru"].output_size == 2
