"""Covariate quirks: year-long constant fields and holidays named only at midnight."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError
from tslib.preprocess.covariate_quirks import (
    constant_spans,
    holiday_flag,
    midnight_only,
    spread_to_day,
)


def _hourly(days: int, start: str = "2020-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=24 * days, freq="h")


def test_constant_span_of_more_than_a_year_is_found_and_nan_rows_are_skipped():
    index = _hourly(500)
    rng = np.random.default_rng(0)
    snow = np.where(index < pd.Timestamp("2020-02-01"), rng.exponential(1.0, len(index)), 0.0)
    snow[3000:3100] = np.nan  # a gap inside the constant run does not break it
    frame = pd.DataFrame({"snow": snow, "temp": rng.normal(size=len(index))}, index=index)
    spans = constant_spans(frame)
    assert spans["column"].tolist() == ["snow"]
    assert spans.loc[0, "value"] == 0.0
    assert spans.loc[0, "start"] >= pd.Timestamp("2020-01-31")
    assert spans.loc[0, "days"] > 365
    assert constant_spans(frame, ["snow"], min_span="600D").empty


def test_a_short_constant_run_is_not_reported():
    index = _hourly(30)
    frame = pd.DataFrame({"rain": np.zeros(len(index))}, index=index)
    assert constant_spans(frame).empty
    assert len(constant_spans(frame, min_span="20D")) == 1


def test_constant_spans_needs_a_time_index_and_known_columns():
    with pytest.raises(DataError, match="DatetimeIndex"):
        constant_spans(pd.DataFrame({"a": [1.0, 1.0]}))
    with pytest.raises(DataError, match="'b'"):
        constant_spans(pd.DataFrame({"a": [1.0]}, index=_hourly(1)[:1]), ["b"])


def _midnight_holidays(literal_none: bool) -> pd.Series:
    index = _hourly(4, "2024-07-03")
    names = pd.Series(["None" if literal_none else None] * len(index), index=index, dtype=object)
    names.loc[pd.Timestamp("2024-07-04 00:00")] = "Independence Day"
    return names


@pytest.mark.parametrize("literal_none", [True, False])
def test_midnight_only_holiday_is_spread_to_the_whole_day(literal_none):
    names = _midnight_holidays(literal_none)
    assert midnight_only(names)
    flag, note = holiday_flag(names)
    on_day = names.index.normalize() == pd.Timestamp("2024-07-04")
    np.testing.assert_array_equal(flag.to_numpy(), on_day.astype(float))
    assert "midnight" in note and "24 rows" in note
    spread = spread_to_day(names)
    assert (spread[on_day] == "Independence Day").all()
    assert spread[~on_day].isna().all()


def test_a_holiday_flag_on_every_hour_is_used_as_given():
    index = _hourly(3)
    flag_in = pd.Series((index.day == 2).astype(int), index=index, name="holiday")
    assert not midnight_only(flag_in)
    flag, note = holiday_flag(flag_in)
    np.testing.assert_array_equal(flag.to_numpy(), flag_in.to_numpy(dtype=float))
    assert "used as given" in note


def test_labels_at_other_hours_are_not_midnight_only():
    names = _midnight_holidays(True)
    names.iloc[30] = "State Fair"  # 06:00 on the 4th
    assert not midnight_only(names)
