"""Hand-computed values for each transform family (fill, outliers, smoothing, diff, calendar)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import median_abs_deviation

from tslib.errors import DataError, InputError
from tslib.preprocess import (
    CalendarFeatures,
    Difference,
    EWMAFill,
    EWMASmoother,
    ForwardFill,
    HampelFilter,
    IQRClip,
    LogReturn,
    PastMeanFill,
    RollingMedian,
    TrainValueFill,
    run_steps,
    undifference,
)
from tslib.preprocess.outliers import MAD_TO_SIGMA

NAN = float("nan")


def series_frame(values) -> pd.DataFrame:
    index = pd.date_range("2024-03-01", periods=len(values), freq="h")
    return pd.DataFrame({"y": np.asarray(values, dtype=np.float64)}, index=index)


def apply(transform, values, train=None) -> list[float]:
    """Fit on ``train`` (default: the values), transform, check step agrees, return the list."""
    frame = series_frame(values)
    transform.fit(frame if train is None else series_frame(train))
    out = transform.transform(frame)["y"].to_numpy()
    stepped = run_steps(transform, frame)["y"].to_numpy()
    np.testing.assert_allclose(stepped, out, rtol=1e-12, equal_nan=True)
    return out.tolist()


def assert_list(got, want):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, dtype=float), equal_nan=True)


# ------------------------------------------------------------------ imputation
def test_forward_fill_respects_limit_and_leading_gap():
    assert_list(apply(ForwardFill(limit=2), [NAN, 1, NAN, NAN, NAN, 5]), [NAN, 1, 1, 1, NAN, 5])
    assert_list(apply(ForwardFill(), [NAN, 1, NAN, NAN, NAN, 5]), [NAN, 1, 1, 1, 1, 5])


def test_columns_must_be_a_list():
    with pytest.raises(InputError, match="list"):
        ForwardFill(columns="y").fit(series_frame([1.0]))


def test_past_mean_fill_expanding_and_windowed():
    assert_list(apply(PastMeanFill(), [2, NAN, 4, NAN]), [2, 2, 4, 3])
    # window 3 = the missing row and the two before it; the 2 at row 0 drops out at row 5
    values = [2, 4, NAN, 6, NAN, NAN]
    assert_list(apply(PastMeanFill(window=3), values), [2, 4, 3, 6, 6, 6])
    assert_list(apply(PastMeanFill(), values), [2, 4, 3, 6, 4, 4])


def test_ewma_fill_uses_only_past_observations():
    # m: 1 -> 0.5*1 + 0.5*3 = 2 -> (gap) -> 0.5*2 + 0.5*5 = 3.5
    assert_list(apply(EWMAFill(alpha=0.5), [1, 3, NAN, 5, NAN]), [1, 3, 2, 5, 3.5])


def test_fill_never_interpolates_from_the_future():
    # pandas' two-sided interpolation (what Darts uses) would give 2.0 at the gap
    values = [1, NAN, 3]
    assert series_frame(values)["y"].interpolate(limit_direction="both").iloc[1] == 2.0
    assert apply(ForwardFill(), values)[1] == 1.0
    assert apply(PastMeanFill(), values)[1] == 1.0


@pytest.mark.parametrize("statistic, fill", [("mean", 4.0), ("median", 2.0), ("last", 9.0)])
def test_train_value_fill(statistic, fill):
    assert_list(apply(TrainValueFill(statistic), [NAN, 5], train=[1, 2, NAN, 9]), [fill, 5])


# -------------------------------------------------------------------- outliers
def test_hampel_on_seven_points():
    # window 5 (trailing), 3 sigmas. Row 3: window [1, 2, 3, 100], median 2.5,
    # |deviations| [1.5, .5, .5, 97.5] -> MAD 1.0, threshold 3 * 1.4826 -> 100 becomes 2.5.
    # Rows 4-6 keep their value: each is 1 away from a median with MAD 1.
    out = apply(HampelFilter(window=5, n_sigmas=3.0), [1, 2, 3, 100, 4, 5, 6])
    assert_list(out, [1, 2, 3, 2.5, 4, 5, 6])


def test_hampel_threshold_uses_normal_mad_scale():
    assert MAD_TO_SIGMA == pytest.approx(1.4826, abs=1e-4)
    window = np.array([10, 11, 9, 10, 14.5])
    assert median_abs_deviation(window, scale="normal") == pytest.approx(MAD_TO_SIGMA)
    # median 10, MAD 1: 4.5 > 3 * 1.4826 = 4.448 is replaced, 4.4 is kept
    assert apply(HampelFilter(window=5), [10, 11, 9, 10, 14.5])[-1] == 10.0
    assert apply(HampelFilter(window=5), [10, 11, 9, 10, 14.4])[-1] == 14.4


def test_hampel_replaces_a_spike_by_the_trailing_median():
    # row 4: window [1, 2, 3, 2, 50], median 2, MAD 1 -> 50 becomes 2; rows 0-1 have < 3 values
    values = [1, 2, 3, 2, 50]
    assert apply(HampelFilter(window=5, min_periods=3), values) == [1, 2, 3, 2, 2]
    assert apply(HampelFilter(window=3, min_periods=3), [50, 1, 2])[0] == 50  # too few values


def test_iqr_clip_bounds_from_train():
    clip = IQRClip(k=1.5)
    # train quartiles 2 and 4, IQR 2 -> fences [-1, 7]
    assert_list(apply(clip, [-5, 0, 8, NAN], train=[1, 2, 3, 4, 5]), [-1, 0, 7, NAN])
    assert (clip.lower_["y"], clip.upper_["y"]) == (-1.0, 7.0)


# ------------------------------------------------------------------- denoising
def test_ewma_alpha_half():
    assert apply(EWMASmoother(alpha=0.5), [1, 2, 3]) == [1.0, 1.5, 2.25]
    assert_list(apply(EWMASmoother(alpha=0.5), [1, NAN, 3]), [1, NAN, 2])


def test_rolling_median_trailing():
    values = [1, 5, 2, 8, NAN, 3]
    assert_list(apply(RollingMedian(window=3), values), [1, 3, 2, 5, NAN, 5.5])
    assert_list(apply(RollingMedian(window=3, min_periods=3), values), [NAN, NAN, 2, 5, NAN, NAN])


# ---------------------------------------------------------------- differencing
def test_difference_lag_one_and_seasonal():
    assert_list(apply(Difference(), [1, 4, 9, 16]), [NAN, 3, 5, 7])
    assert_list(apply(Difference(lag=2), [1, 4, 9, 16]), [NAN, NAN, 8, 12])


def test_difference_inverse_given_last_levels():
    diff = Difference(lag=2).fit(series_frame([1, 4, 9, 16]))
    # lag 2: 25 = 9 + 16, 36 = 16 + 20, 26 = 25 + 1
    levels = diff.inverse_column(np.array([16.0, 20.0, 1.0]), "y", last=np.array([9.0, 16.0]))
    assert_list(levels, [25, 36, 26])
    with pytest.raises(InputError, match="'y'"):
        diff.inverse_column(np.array([1.0]), "y", last=np.array([16.0]))


def test_undifference_matches_a_loop_with_leading_dims():
    rng = np.random.default_rng(0)
    diffs, last = rng.normal(size=(3, 7)), rng.normal(size=5)
    for lag in (1, 2, 3):
        want = np.empty_like(diffs)
        for sample in range(3):
            history = list(last[-lag:])
            for h in range(7):
                history.append(diffs[sample, h] + history[-lag])
            want[sample] = history[lag:]
        np.testing.assert_allclose(undifference(diffs, last, lag), want, rtol=1e-12)


def test_log_return_and_inverse():
    returns = LogReturn()
    assert_list(apply(returns, [100, 110, 121]), [NAN, math.log(1.1), math.log(1.1)])
    prices = returns.inverse_column(np.full(2, math.log(1.1)), "y", last=np.array([121.0]))
    assert_list(prices, [133.1, 146.41])


def test_log_return_rejects_non_positive_values():
    returns = LogReturn().fit(series_frame([1.0, 2.0]))
    with pytest.raises(DataError, match="'y'"):
        returns.transform(series_frame([1.0, 0.0]))
    with pytest.raises(DataError, match="'y'"):
        returns.step(series_frame([-1.0]).iloc[0], returns.init_state())


# -------------------------------------------------------------------- calendar
def test_calendar_features_values():
    index = pd.DatetimeIndex(["2024-01-01 06:00", "2024-07-03 18:00"])  # Monday, Wednesday
    frame = pd.DataFrame({"y": [1.0, 2.0]}, index=index)
    calendar = CalendarFeatures(holidays=["2024-07-03"]).fit(frame.iloc[:1])
    out = calendar.transform(frame)
    assert list(out.columns) == ["y", *calendar.output_columns]
    want = {
        "hour_sin": [1.0, -1.0],  # hours 6 and 18 of 24
        "hour_cos": [0.0, 0.0],
        "dayofweek_sin": [0.0, math.sin(2 * math.pi * 2 / 7)],
        "dayofweek_cos": [1.0, math.cos(2 * math.pi * 2 / 7)],
        "month_sin": [0.0, 0.0],  # January -> 0, July -> pi
        "month_cos": [1.0, -1.0],
        "is_holiday": [0.0, 1.0],
        "time_since_start": [0.0, 184.5],  # 2024 is a leap year: Jan 1 06:00 -> Jul 3 18:00
    }
    for column, values in want.items():
        np.testing.assert_allclose(out[column], values, atol=1e-12, err_msg=column)
    assert out["y"].tolist() == [1.0, 2.0]


def test_calendar_features_bad_input():
    frame = series_frame([1.0, 2.0])
    calendar = CalendarFeatures().fit(frame)
    with pytest.raises(DataError, match="DatetimeIndex"):
        calendar.transform(frame.reset_index(drop=True))
    with pytest.raises(DataError, match="timestamp"):
        calendar.step({"y": 1.0}, calendar.init_state())
    with pytest.raises(DataError, match="hour_sin"):
        calendar.transform(frame.assign(hour_sin=0.0))
    with pytest.raises(InputError, match="minute"):
        CalendarFeatures(features=("minute",))
