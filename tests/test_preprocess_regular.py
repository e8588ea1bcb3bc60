"""regularize / infer_step: regular grids, flags, causality and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, InputError
from tslib.preprocess import ForwardFill
from tslib.preprocess.regular import infer_step, regularize


def _daily_with_gaps() -> pd.DataFrame:
    index = pd.date_range("2021-01-01", periods=30, freq="D").delete([4, 5, 17])
    values = np.arange(len(index), dtype=float) ** 1.5
    return pd.DataFrame({"t": values, "kind": ["x"] * len(index)}, index=index)


def _ten_minute_with_gaps() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    index = pd.date_range("2021-03-01 00:10", periods=200, freq="10min")
    index = index.delete(list(range(40, 55)) + [90, 130, 131])
    return pd.DataFrame({"a": rng.normal(size=len(index)), "b": rng.normal(size=len(index))}, index)


def test_infer_step_ignores_gaps_and_prefers_the_smaller_tie():
    assert infer_step(_daily_with_gaps().index) == pd.Timedelta("1D")
    index = pd.to_datetime(["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 03:00"])
    assert infer_step(index) == pd.Timedelta("1h")


def test_reindex_inserts_missing_days_as_nan_and_flags_them():
    frame = _daily_with_gaps()
    grid = regularize(frame)
    assert len(grid.frame) == 30 and grid.step == pd.Timedelta("1D") and not grid.aggregated
    assert grid.inserted.sum() == 3
    assert grid.frame.loc[grid.inserted, "t"].isna().all()
    assert grid.frame.loc[~grid.inserted, "t"].tolist() == frame["t"].tolist()
    assert grid.frame.loc[~grid.inserted, "kind"].eq("x").all()  # non-numeric passes through
    assert "3 missing timestamp(s)" in grid.messages[0]


def test_regular_data_is_returned_unchanged_without_messages():
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=pd.date_range("2020", periods=3, freq="h"))
    grid = regularize(frame)
    pd.testing.assert_frame_equal(grid.frame, frame, check_freq=False)
    assert not grid.inserted.any() and grid.messages == []


def test_aggregation_averages_right_labelled_buckets_and_drops_the_open_one():
    frame = _ten_minute_with_gaps()
    grid = regularize(frame, "1h")
    assert grid.aggregated and grid.step == pd.Timedelta("1h")
    for label, row in grid.frame.iterrows():
        members = frame[(frame.index > label - pd.Timedelta("1h")) & (frame.index <= label)]
        if members.empty:
            assert grid.inserted[label] and row.isna().all()
        else:
            assert not grid.inserted[label]
            np.testing.assert_allclose(row.to_numpy(), members.mean().to_numpy())
    assert grid.frame.index[-1] <= frame.index[-1]  # no bucket ends after the data
    assert grid.inserted.sum() == 2  # 06:50-09:10 missing: buckets 08:00 and 09:00 are empty


@pytest.mark.parametrize("make, step", [(_daily_with_gaps, None), (_ten_minute_with_gaps, "1h")])
def test_the_grid_of_a_prefix_is_a_prefix_of_the_grid(make, step):
    frame = make()
    full = regularize(frame, step)
    for stop in range(2, len(frame) + 1, 3):
        part = regularize(frame.iloc[:stop], step)
        head = full.frame.loc[: part.frame.index[-1]] if len(part.frame) else full.frame.iloc[:0]
        pd.testing.assert_frame_equal(part.frame, head, check_freq=False)
        pd.testing.assert_series_equal(
            part.inserted, full.inserted.loc[head.index], check_freq=False
        )


def test_no_grid_value_depends_on_later_rows():
    frame = _ten_minute_with_gaps()
    cut = frame.index[120]
    changed = frame.copy()
    changed.loc[changed.index > cut] += 100.0
    before = regularize(frame, "1h").frame.loc[:cut]
    after = regularize(changed, "1h").frame.loc[:cut]
    pd.testing.assert_frame_equal(before, after, check_freq=False)


def test_regularize_then_forward_fill_is_causal_and_fills_every_inserted_row():
    grid = regularize(_daily_with_gaps())
    filled = ForwardFill(columns=["t"]).fit(grid.frame.iloc[:10]).transform(grid.frame)
    assert filled["t"].notna().all()
    gap = grid.inserted[grid.inserted].index[0]
    assert filled.loc[gap, "t"] == grid.frame["t"].loc[:gap].dropna().iloc[-1]


def test_errors_name_the_problem():
    frame = _daily_with_gaps()
    shifted = frame.copy()
    shifted.index = shifted.index.where(
        np.arange(len(frame)) != 7, shifted.index[7] + pd.Timedelta("6h")
    )
    with pytest.raises(DataError, match="not on the 1D grid"):
        regularize(shifted)
    with pytest.raises(DataError, match="DatetimeIndex"):
        regularize(frame.reset_index(drop=True))
    with pytest.raises(DataError, match="unique and increasing"):
        regularize(frame.iloc[::-1])
    with pytest.raises(InputError, match="how"):
        regularize(frame, "2D", how="median")
    with pytest.raises(InputError, match="positive"):
        regularize(frame, "-1D")
    with pytest.raises(InputError, match="not a time step"):
        regularize(frame, "often")
    with pytest.raises(DataError, match="at least two"):
        infer_step(frame.index[:1])
