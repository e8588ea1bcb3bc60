"""Windowing and time-ordered splits: exact positions, and past strictly before future."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import TimeSeriesSplit

from tslib.errors import DataError, InputError
from tslib.preprocess import rolling_origin, train_val_test_split
from tslib.training import make_windows


def position_frame(n_rows: int) -> pd.DataFrame:
    """Columns that encode the row position, so every window reveals where it came from."""
    rows = np.arange(n_rows, dtype=np.float64)
    index = pd.date_range("2024-01-01", periods=n_rows, freq="h")
    return pd.DataFrame({"y": rows, "cov": 100.0 + rows, "known": 1000.0 + rows}, index=index)


def test_make_windows_positions_and_shapes():
    x_past, y_future, x_known = make_windows(
        position_frame(20), 4, future=3, stride=2, columns=["y", "cov", "known"],
        targets=["y"], known=["known"],
    )  # fmt: skip
    assert x_past.shape == (7, 4, 3)  # (20 - 7) // 2 + 1 windows; features y, cov, known
    assert y_future.shape == (7, 3, 1) and x_known.shape == (7, 3, 1)
    assert x_past.dtype == y_future.dtype == x_known.dtype == torch.float32
    for i in range(7):
        start = 2 * i
        np.testing.assert_array_equal(x_past[i, :, 0], np.arange(start, start + 4))
        np.testing.assert_array_equal(x_past[i, :, 1], 100 + np.arange(start, start + 4))
        np.testing.assert_array_equal(y_future[i, :, 0], np.arange(start + 4, start + 7))
        np.testing.assert_array_equal(x_known[i, :, 0], 1000 + np.arange(start + 4, start + 7))


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.integers(2, 40), past=st.integers(1, 8), future=st.integers(1, 8),
    stride=st.integers(1, 5),
)  # fmt: skip
def test_window_past_ends_strictly_before_future(n_rows, past, future, stride):
    if past + future > n_rows:
        with pytest.raises(DataError, match="fewer than"):
            make_windows(position_frame(n_rows), past, future=future, targets=["y"])
        return
    x_past, y_future = make_windows(
        position_frame(n_rows), past, future=future, stride=stride, targets=["y"]
    )
    assert len(x_past) == (n_rows - past - future) // stride + 1
    assert bool((x_past[:, -1, 0] < y_future[:, 0, 0]).all())  # past ends before future starts
    np.testing.assert_array_equal(y_future[:, 0, 0], x_past[:, -1, 0] + 1)  # and no row skipped


def test_make_windows_bad_input():
    frame = position_frame(10)
    with pytest.raises(DataError, match="'cov'"):
        make_windows(
            frame.assign(cov=np.where(frame["y"] == 5, np.nan, 1.0)), 3, future=2,
            columns=["y", "cov"], targets=["y"],
        )  # fmt: skip
    with pytest.raises(DataError, match="'nope'"):
        make_windows(frame, 3, future=2, targets=["nope"])
    with pytest.raises(InputError):
        make_windows(frame, 0, future=2, targets=["y"])


def test_make_windows_never_crosses_units_of_a_multiindex():
    # run-to-failure layout (unit, cycle): unit u has lengths 6, 3 (too short) and 5 rows
    lengths = {1: 6, 2: 3, 3: 5}
    index = pd.MultiIndex.from_tuples(
        [(unit, cycle) for unit, n in lengths.items() for cycle in range(1, n + 1)],
        names=["unit", "cycle"],
    )
    frame = pd.DataFrame(
        {"y": [10.0 * unit + cycle for unit, cycle in index], "known": np.arange(len(index))},
        index=index,
    )
    x_past, y_future, x_known = make_windows(
        frame, 3, future=1, stride=1, columns=["y", "known"], targets=["y"], known=["known"]
    )
    # windows per unit: 6 - 4 + 1 = 3, none for unit 2, 5 - 4 + 1 = 2
    assert x_past.shape == (5, 3, 2) and y_future.shape == (5, 1, 1) and x_known.shape == (5, 1, 1)
    assert x_past[:, :, 0].tolist() == [
        [11, 12, 13], [12, 13, 14], [13, 14, 15], [31, 32, 33], [32, 33, 34],
    ]  # fmt: skip
    assert y_future[:, 0, 0].tolist() == [14, 15, 16, 34, 35]
    with pytest.raises(DataError, match="no group of 'unit'"):
        make_windows(frame, 6, future=1, targets=["y"])


def test_train_val_test_split_fractions_with_gap():
    frame = position_frame(20)
    train, val, test = train_val_test_split(frame, val=0.2, test=0.25, gap=2)
    # test = last 5 rows (15-19); 2-row gap; val = 4 rows (9-12); 2-row gap; train 0-6
    assert train["y"].tolist() == list(range(7))
    assert val["y"].tolist() == [9, 10, 11, 12]
    assert test["y"].tolist() == [15, 16, 17, 18, 19]


def test_train_val_test_split_timestamps_and_empty_val():
    frame = position_frame(20)
    train, val, test = train_val_test_split(frame, val="2024-01-01 10:00", test="2024-01-01 15:00")
    assert (train["y"].max(), val["y"].tolist(), test["y"].min()) == (9, [10, 11, 12, 13, 14], 15)
    train, val, test = train_val_test_split(frame, val=0.0, test=0.25, gap=1)
    assert (len(train), len(val), len(test)) == (14, 0, 5)


def test_train_val_test_split_bad_input():
    frame = position_frame(20)
    with pytest.raises(InputError, match="fraction"):
        train_val_test_split(frame, test=1.5)
    with pytest.raises(DataError, match="DatetimeIndex"):
        train_val_test_split(frame.reset_index(drop=True), test="2024-01-01")
    with pytest.raises(DataError, match="no training rows"):
        train_val_test_split(frame, val=0.5, test=0.5)
    with pytest.raises(InputError, match="after test"):
        train_val_test_split(frame, val="2024-01-01 16:00", test="2024-01-01 15:00")


def test_rolling_origin_hand_example():
    frame = position_frame(10)
    folds = [(a.tolist(), b.tolist()) for a, b in rolling_origin(frame, 4, 2, 2)]
    assert folds == [([0, 1, 2, 3], [4, 5]), (list(range(6)), [6, 7]), (list(range(8)), [8, 9])]
    sliding = [a.tolist() for a, _ in rolling_origin(frame, 4, 2, 2, expanding=False)]
    assert sliding == [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7]]
    assert len(list(rolling_origin(frame, 4, 2, 2, max_folds=2))) == 2
    gapped = [b.tolist() for _, b in rolling_origin(frame, 4, 2, 2, gap=1)]
    assert gapped == [[5, 6], [7, 8]]
    with pytest.raises(DataError, match="fewer than"):
        rolling_origin(frame, 9, 2, 1)


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.integers(8, 60), folds=st.integers(2, 4), horizon=st.integers(1, 5),
    gap=st.integers(0, 3), expanding=st.booleans(),
)  # fmt: skip
def test_rolling_origin_matches_sklearn_time_series_split(n_rows, folds, horizon, gap, expanding):
    initial = n_rows - folds * horizon - gap
    assume(initial >= 1)
    ours = list(rolling_origin(position_frame(n_rows), initial, horizon, horizon,
                               expanding=expanding, gap=gap))  # fmt: skip
    splitter = TimeSeriesSplit(folds, test_size=horizon, gap=gap,
                               max_train_size=None if expanding else initial)  # fmt: skip
    theirs = list(splitter.split(np.zeros(n_rows)))
    assert len(ours) == len(theirs) == folds
    for (train, test), (want_train, want_test) in zip(ours, theirs):
        np.testing.assert_array_equal(train, want_train)
        np.testing.assert_array_equal(test, want_test)
        assert train.max() < test.min()  # every training row precedes every test row
