"""The "segments" protocol: ts.backtest over gappy streams and ts.replay of many sensors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

import tslib as ts
from tslib.baselines import ETSForecaster, GapSarimaxForecaster, SeasonalNaiveForecaster
from tslib.encoders import CausalTransformerEncoder, RecurrentEncoder
from tslib.errors import InputError
from tslib.evaluate import SEGMENT_SCORERS, Segments
from tslib.evaluate.protocols import protocol_for
from tslib.evaluate.segments import _segment_outputs
from tslib.evaluate.sensor_replay import describe_replay
from tslib.preprocess.gaps import plan_gaps
from tslib.runner import StepwiseRunner

HORIZONS = [1, 3]


def _stream(seed: int, size: int = 120) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    observed = rng.random(size) > 0.1
    observed[40:55] = False  # a long gap: reset at 55
    observed[0] = True
    x = rng.normal(size=(size, 3)).astype(np.float32)
    return x, observed


def _segments(n_streams: int = 3, size: int = 120, **options) -> Segments:
    streams = {f"s{k}": _stream(10 + k, size) for k in range(n_streams)}
    index = pd.date_range("2024-01-01", periods=size, freq="h")
    rng = np.random.default_rng(1)
    y = pd.DataFrame(
        {
            s: np.where(observed, 50 + rng.normal(size=size), np.nan)
            for s, (_, observed) in streams.items()
        },
        index=index,
    )
    plans = {s: plan_gaps(observed, max_gap=3) for s, (_, observed) in streams.items()}
    inputs = {"main": {s: x for s, (x, _) in streams.items()}}
    return Segments(y, plans, inputs, **options)


# -- accepts: Segments data only, never a plain series --------------------------------------


def test_the_protocol_takes_segments_and_leaves_plain_series_to_forecast():
    model = RecurrentEncoder(3, 4, 2, seed=0)
    data = _segments()
    assert protocol_for(model, data, "backtest").name == "segments"
    assert protocol_for(SeasonalNaiveForecaster(24), data, "backtest").name == "segments"
    assert protocol_for(model, np.arange(10.0), "backtest").name == "forecast"
    assert protocol_for(model, data.y, "replay").name == "forecast"  # a frame is not Segments


def test_segments_check_their_parts():
    data = _segments()
    with pytest.raises(InputError, match="plans must cover"):
        Segments(data.y, dict(reversed(list(data.plans.items()))))
    with pytest.raises(InputError, match="must hold every stream"):
        Segments(data.y, data.plans, {"main": {"s0": data.inputs["main"]["s0"]}})
    with pytest.raises(InputError, match=r"expected \(120, F\)"):
        bad = {s: x[:10] for s, x in data.inputs["main"].items()}
        Segments(data.y, data.plans, {"main": bad})
    with pytest.raises(InputError, match="no input set 'other'"):
        data.input_set("other")


# -- the segment-wise forward ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_segment_outputs_equal_a_runner_that_resets_after_long_gaps(kind):
    x, observed = _stream(0)
    plan = plan_gaps(observed, max_gap=3)
    assert plan.reset.sum() == 1
    if kind == "lstm":
        model = RecurrentEncoder(3, 8, len(HORIZONS), seed=0)
    else:
        model = CausalTransformerEncoder(3, d_model=8, output_size=2, n_heads=2, context=6, seed=0)
    outputs = _segment_outputs(model, x, plan)
    runner = StepwiseRunner(model, device="cpu")
    for t in np.flatnonzero(plan.step):
        if plan.reset[t]:
            runner.reset(0)
        stepped = runner.step([0], x[t : t + 1]).numpy()[0]
        np.testing.assert_allclose(outputs[t], stepped, atol=1e-5)
    assert np.isnan(outputs[~plan.step]).all()


# -- backtest -------------------------------------------------------------------------------


def test_backtest_scores_warm_origins_with_observed_targets_only():
    observed = np.array([1, 1, 1, 0, 1, 1, 1, 1], dtype=bool)
    index = pd.date_range("2024-01-01", periods=8, freq="h")
    y = pd.DataFrame({"s": np.where(observed, np.arange(8.0), np.nan)}, index=index)
    data = Segments(y, {"s": plan_gaps(observed, max_gap=2)})
    frame = ts.backtest(
        {"naive": SeasonalNaiveForecaster(season=1)}, data, horizons=[1, 2], start=1, warmup=2
    )
    scored = {(int(o.hour), int(h)) for o, h in zip(frame["origin"], frame["horizon"])}
    expected_h1 = [t for t, flag in enumerate([0, 1, 0, 1, 1, 1, 1, 0]) if flag]
    expected_h2 = [t for t, flag in enumerate([0, 0, 1, 1, 1, 1, 0, 0]) if flag]
    assert scored == {(t, 1) for t in expected_h1} | {(t, 2) for t in expected_h2}
    assert (frame["timestamp"] - frame["origin"] == frame["horizon"] * pd.Timedelta("1h")).all()
    assert frame["y_true"].notna().all()  # imputed row 3 is never a target


def test_seasonal_naive_equals_the_forecaster_at_every_origin_on_a_carried_series():
    rng = np.random.default_rng(5)
    values = rng.normal(size=60)
    values[[20, 21]] = np.nan  # a short gap: carried forward
    index = pd.date_range("2024-01-01", periods=60, freq="h")
    data = Segments(
        pd.DataFrame({"s": values}, index=index), {"s": plan_gaps(~np.isnan(values), 3)}
    )
    frame = ts.backtest(
        {"sn": SeasonalNaiveForecaster(season=4)}, data, horizons=[1, 5, 9], start=10
    )
    carried = pd.Series(values).ffill().to_numpy()
    for origin in (10, 33, 50):
        expected = SeasonalNaiveForecaster(season=4).fit(carried[: origin + 1]).forecast(9)
        rows = frame[frame["origin"] == index[origin]].set_index("horizon")["y_pred"]
        for h in rows.index:
            assert rows[h] == expected[h - 1]


def test_deep_models_are_scored_in_data_units_through_their_input_set():
    data = _segments(to_data=lambda raw, stream: 100 + raw)
    model = RecurrentEncoder(3, 6, len(HORIZONS), seed=2)
    data = Segments(
        data.y,
        data.plans,
        {"zeros": {s: np.zeros_like(x) for s, x in data.inputs["main"].items()}, **data.inputs},
        data.to_data,
    )
    frame = ts.backtest(
        {"a": model, "b": model},
        data,
        horizons=HORIZONS,
        start=60,
        warmup=5,
        inputs_of={"b": "main"},
    )
    a, b = (frame[frame["model"] == name].reset_index(drop=True) for name in "ab")
    assert len(a) == len(b) > 0 and (a["origin"] == b["origin"]).all()
    raw = _segment_outputs(model, data.inputs["main"]["s1"], data.plans["s1"])
    rows = b[b["stream"] == "s1"]
    positions = data.y.index.get_indexer(rows["origin"])
    columns = rows["horizon"].map({1: 0, 3: 1}).to_numpy()
    np.testing.assert_allclose(rows["y_pred"], 100 + raw[positions, columns])
    assert not np.allclose(a["y_pred"], b["y_pred"])  # "a" read the first set (zeros)


def test_a_model_without_a_forecast_on_a_scored_point_is_refused():
    data = _segments(n_streams=1)
    with pytest.raises(InputError, match="same test points"):
        ts.backtest({"late": SeasonalNaiveForecaster(season=80)}, data, horizons=[1], start=5)


def test_unsupported_forecasters_are_named():
    with pytest.raises(InputError, match="not ETSForecaster"):
        ts.backtest({"e": ETSForecaster()}, _segments(), horizons=[1], start=60)


def test_sarimax_is_fitted_per_stream_on_its_window_and_reports_the_fit():
    size = 24 * 14
    index = pd.date_range("2024-01-01", periods=size, freq="h")
    rng = np.random.default_rng(3)
    y = 100 + 20 * np.sin(2 * np.pi * np.arange(size) / 24) + rng.normal(size=size)
    y[100:104] = np.nan
    exog = np.sin(2 * np.pi * np.arange(size) / 24)[:, None]
    data = Segments(
        pd.DataFrame({"a": y, "b": y[::-1].copy()}, index=index),
        {"a": plan_gaps(np.isfinite(y), 5), "b": plan_gaps(np.isfinite(y[::-1]), 5)},
        exog={"a": exog, "b": exog},
    )
    sarimax = GapSarimaxForecaster((1, 0, 0), (0, 0, 0, 0), trend="c", maxiter=50)
    frame = ts.backtest(
        {"sarimax": sarimax}, data, horizons=[1, 6], start=24 * 10, fit_window=24 * 7
    )
    assert not sarimax.is_fitted  # the given model is copied per stream
    fits = frame.attrs["fits"]["sarimax"]
    assert set(fits) == {"a", "b"} and fits["a"]["fit rows"] == 24 * 7
    assert fits["b"]["observed"] == 24 * 7 - 4  # the gap lies in b's window (reversed)
    direct = GapSarimaxForecaster((1, 0, 0), (0, 0, 0, 0), trend="c", maxiter=50)
    with warnings.catch_warnings():  # the protocol reports convergence in attrs["fits"]
        warnings.simplefilter("ignore", ConvergenceWarning)
        direct.fit(y[24 * 3 : 24 * 10], exog[24 * 3 : 24 * 10])
    table = direct.forecast_origins(y[24 * 10 :], exog[24 * 10 :], [1, 6])
    rows = frame[(frame["stream"] == "a") & (frame["horizon"] == 6)]
    positions = index.get_indexer(rows["origin"]) - 24 * 10
    np.testing.assert_allclose(rows["y_pred"], table[positions, 1])


def test_mase_divides_by_the_in_sample_seasonal_naive_error_of_each_stream():
    data = _segments()
    frame = ts.backtest(
        {"sn": SeasonalNaiveForecaster(season=2)},
        data,
        horizons=[1],
        start=70,
        mase_season=2,
        mase_stop=30,
    )
    history = data.y["s1"].to_numpy()[:30]
    scale = np.nanmean(np.abs(history[2:] - history[:-2]))
    assert frame.loc[frame["stream"] == "s1", "mase_scale"].eq(scale).all()
    table = ts.score(frame, ["mae", "mase"], by=["model"], known=SEGMENT_SCORERS)
    expected = ((frame["y_true"] - frame["y_pred"]).abs() / frame["mase_scale"]).mean()
    assert table["mase"].item() == pytest.approx(expected)
    with pytest.raises(InputError, match="mase_scale"):
        ts.score(frame.drop(columns="mase_scale"), ["mase"], by=["model"], known=SEGMENT_SCORERS)
    options = dict(horizons=[1], start=70, mase_season=2, mase_stop=30)
    naive = {"sn": SeasonalNaiveForecaster(season=2)}
    scored = ts.backtest(naive, data, **options, scorers=["mae", "mase"])
    assert scored["mase"].item() == pytest.approx(expected)


# -- replay ---------------------------------------------------------------------------------


def test_replay_attaches_resets_detaches_and_matches_the_forward():
    model = RecurrentEncoder(3, 8, 2, cell="gru", seed=1)
    data = _segments()
    runner = StepwiseRunner(model, device="cpu")
    ticks = iter(range(0, 10**9, 1000))  # a fake clock: 1 us per call
    frame, summary = ts.replay(
        runner,
        data,
        start=20,
        attach_at={"s2": 70},
        detach_at={"s1": 90},
        latency_budget_ms=0.0005,
        clock=lambda: next(ticks),
        check_forward=True,
    )
    assert summary["event_streams"] == {
        "attach": ["s0", "s1", "s2"],
        "detach": ["s1"],
        "reset": ["s0", "s1"],
    }
    assert summary["event_counts"] == {"attach": 3, "detach": 1, "reset": 2}
    assert summary["deadline_misses"] == summary["ticks"]  # 1 us > 0.5 us
    assert "s1" not in runner and len(runner) == 2
    assert summary["forward_max_abs_diff"] < 1e-5
    for stream in data.streams:
        forward = _segment_outputs(model, data.inputs["main"][stream], data.plans[stream])
        rows = frame[frame["stream"] == stream]
        replayed = rows[["output_0", "output_1"]].to_numpy()
        np.testing.assert_allclose(replayed, forward[rows["t"].to_numpy()], atol=1e-5)
    assert frame.loc[frame["stream"] == "s2", "t"].min() >= 70
    assert frame.loc[frame["stream"] == "s1", "t"].max() < 90
    attach = frame[(frame["stream"] == "s2") & (frame["event"] == "attach")]
    assert attach["history"].item() > 0  # warm-started from its segment
    assert (frame["timestamp"] == data.y.index[frame["t"]]).all()
    assert summary["state_bytes_per_stream"] == 8 * 4  # one GRU layer of 8 floats
    assert "streams per event" in describe_replay(summary)


def test_a_broken_replay_is_caught_by_the_forward_check():
    model = RecurrentEncoder(3, 8, 2, cell="gru", seed=1)
    data = _segments()
    _, summary = ts.replay(
        model, data, start=20, check_forward=True, device="cpu", warm_start=False
    )
    # without warm start, a stream attached mid-segment starts from a fresh state
    assert summary["forward_max_abs_diff"] > 1e-3


def test_replay_needs_segments():
    model = RecurrentEncoder(3, 4, 1, seed=0)
    from tslib.evaluate.sensor_replay import sensor_replay

    with pytest.raises(InputError, match="needs Segments"):
        sensor_replay(model, {"a": np.zeros((5, 3))})
