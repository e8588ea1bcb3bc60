"""Causal gap plans, known-ahead covariates and stream inputs for gappy sensor series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, InputError
from tslib.preprocess.gaps import gap_runs, plan_gaps
from tslib.preprocess.horizon_features import known_ahead, stream_inputs


def _random_mask(seed: int, size: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mask = rng.random(size) > 0.15
    mask[100:140] = False  # a long gap
    mask[:3] = False  # the stream starts late
    return mask


def test_plan_steps_imputes_short_gaps_and_resets_after_long_ones():
    observed = np.array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1], dtype=bool)
    plan = plan_gaps(observed, max_gap=2)
    assert plan.step.astype(int).tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]
    assert plan.imputed.astype(int).tolist() == [0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0]
    assert np.flatnonzero(plan.reset).tolist() == [10]
    assert plan.segments == [(1, 8), (10, 12)]
    assert plan.steps_since_reset.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 1, 2]
    assert plan.summary() == {
        "rows": 12,
        "observed": 5,
        "imputed": 4,
        "offline": 2,
        "resets": 1,
        "segments": 2,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plan_is_causal_the_plan_of_a_prefix_is_a_prefix_of_the_plan(seed):
    observed = _random_mask(seed)
    full = plan_gaps(observed, max_gap=5)
    for stop in (1, 50, 104, 105, 106, 141, 299):
        part = plan_gaps(observed[:stop], max_gap=5)
        for name in ("step", "imputed", "reset", "steps_since_reset"):
            np.testing.assert_array_equal(getattr(part, name), getattr(full, name)[:stop])


def test_segments_are_contiguous_stepped_rows_between_resets():
    plan = plan_gaps(_random_mask(3), max_gap=4)
    covered = np.zeros(plan.step.size, dtype=bool)
    for start, stop in plan.segments:
        assert plan.step[start:stop].all()
        assert plan.steps_since_reset[start] == 1
        covered[start:stop] = True
    np.testing.assert_array_equal(covered, plan.step)


def test_zero_max_gap_resets_after_every_gap():
    plan = plan_gaps(np.array([1, 0, 1, 1, 0, 1], dtype=bool), max_gap=0)
    assert not plan.imputed.any()
    assert np.flatnonzero(plan.reset).tolist() == [2, 5]


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_max_gap_is_an_input_error(bad):
    with pytest.raises(InputError, match="max_gap"):
        plan_gaps(np.ones(4, dtype=bool), max_gap=bad)


def test_observed_must_be_boolean():
    with pytest.raises(InputError, match="bool"):
        plan_gaps(np.ones(4), max_gap=1)


def test_gap_runs_lists_inner_gaps_with_times():
    index = pd.date_range("2024-01-01", periods=8, freq="h")
    runs = gap_runs(np.array([0, 1, 0, 0, 1, 1, 0, 1], dtype=bool), index)
    assert runs["first_row"].tolist() == [2, 6]
    assert runs["rows"].tolist() == [2, 1]
    assert runs["end"].tolist() == [index[3], index[6]]


def test_known_ahead_shifts_and_repeats_the_last_row():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0]})
    ahead = known_ahead(frame, [1, 3])
    assert list(ahead.columns) == ["a@+1", "b@+1", "a@+3", "b@+3"]
    assert ahead["a@+1"].tolist() == [2.0, 3.0, 4.0, 4.0]
    assert ahead["a@+3"].tolist() == [4.0, 4.0, 4.0, 4.0]


def test_known_ahead_rejects_nan_and_bad_horizons():
    with pytest.raises(DataError, match="'a'"):
        known_ahead(pd.DataFrame({"a": [1.0, np.nan]}), [1])
    with pytest.raises(InputError, match="horizons"):
        known_ahead(pd.DataFrame({"a": [1.0, 2.0]}), [0])


def test_stream_inputs_fill_only_stepped_rows_from_the_past():
    index = pd.date_range("2024-01-01", periods=8, freq="h")
    y = pd.Series([np.nan, 1.0, np.nan, 3.0, np.nan, np.nan, np.nan, 7.0], index=index, name="s")
    plan = plan_gaps(y.notna().to_numpy(), max_gap=1)
    known = pd.DataFrame({"c@+1": np.arange(8.0)}, index=index)
    inputs = stream_inputs(y, plan, known)
    assert list(inputs.columns) == ["y", "imputed", "c@+1"]
    np.testing.assert_array_equal(
        inputs["y"].to_numpy(), [np.nan, 1.0, 1.0, 3.0, 3.0, np.nan, np.nan, 7.0]
    )
    assert inputs["imputed"].tolist() == [0, 0, 1, 0, 1, 0, 0, 0]
    assert inputs.dtypes.unique().tolist() == [np.float32]


def test_seasonal_lag_ahead_repeats_the_latest_known_season():
    from tslib.baselines import SeasonalNaiveForecaster
    from tslib.preprocess.horizon_features import seasonal_lag_ahead

    y = np.random.default_rng(5).normal(size=60)
    table = seasonal_lag_ahead(y, [1, 5, 9], season=4)
    for origin in (10, 33, 50):
        expected = SeasonalNaiveForecaster(season=4).fit(y[: origin + 1]).forecast(9)
        np.testing.assert_array_equal(table[origin], expected[[0, 4, 8]])
    assert np.isnan(table[2, 0]) and np.isnan(table[2, 1]) and np.isfinite(table[3, 1])
    with pytest.raises(InputError, match="season"):
        seasonal_lag_ahead(y, [1], season=0)
    with pytest.raises(InputError, match="horizons"):
        seasonal_lag_ahead(y, [0], season=2)


def test_direct_inputs_hold_value_mask_lags_profile_and_covariates_of_the_target_row():
    from tslib.preprocess.horizon_features import direct_inputs

    index = pd.date_range("2024-01-01", periods=12, freq="h")
    values = np.arange(12.0)
    values[5] = np.nan  # imputed from row 4
    y = pd.Series(values, index=index, name="s")
    plan = plan_gaps(np.isfinite(values), max_gap=2)
    known = pd.DataFrame({"c": np.arange(12.0) * 10}, index=index)
    profile = np.arange(12.0) / 100
    frame = direct_inputs(y, plan, [1, 2], lags=[3], profile=profile, known=known)
    assert list(frame.columns) == [
        "y", "imputed", "lag3@+1", "lag3@+2", "profile@+1", "profile@+2", "c@+1", "c@+2",
    ]  # fmt: skip
    row = frame.iloc[6]
    assert row["y"] == 6.0 and frame.iloc[5]["y"] == 4.0 and frame.iloc[5]["imputed"] == 1.0
    assert row["lag3@+1"] == 4.0  # row 7 - 3 = 4
    assert row["lag3@+2"] == 4.0  # row 8 - 3 = 5 was missing: carried from row 4
    assert row["profile@+2"] == np.float32(0.08) and row["c@+1"] == 70.0
    assert frame.dtypes.eq(np.float32).all()
    # the past only: changing rows after t leaves row t's own-series inputs unchanged
    later = y.copy()
    later.iloc[8:] = 999.0
    again = direct_inputs(later, plan, [1, 2], lags=[3], profile=profile, known=known)
    own = ["y", "imputed", "lag3@+1", "lag3@+2"]
    pd.testing.assert_frame_equal(again.iloc[:8][own], frame.iloc[:8][own])


def test_gap_table_counts_gaps_per_stream():
    from tslib.preprocess.gaps import gap_table

    index = pd.date_range("2024-01-01", periods=10, freq="30min")
    plans = {
        "a": plan_gaps(np.array([1, 1, 0, 0, 0, 1, 1, 0, 1, 1], dtype=bool), max_gap=1),
        "b": plan_gaps(np.ones(10, dtype=bool), max_gap=1),
    }
    table = gap_table(plans, index, pd.Timedelta("30min"))
    assert table.loc["a", "gaps"] == 2 and table.loc["a", "longest gap, h"] == 1.5
    assert table.loc["a", "resets"] == 1 and table.loc["b", "gaps"] == 0
    assert table.loc["b", "longest gap, h"] == 0.0
    assert "longest gap, rows" in gap_table(plans, index).columns
