"""Known covariates of a sensor frame: calendar, holiday flag, weather, with their quirks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.preprocess.known_covariates import known_covariates


def _frame(days: int = 800) -> pd.DataFrame:
    index = pd.date_range("2016-01-01", periods=24 * days, freq="h")
    rng = np.random.default_rng(0)
    temp = 280 + rng.normal(size=len(index))
    temp[30:40] = np.nan  # a gap in the weather: carried forward
    snow = np.where(index < pd.Timestamp("2017-06-01"), 0.0, rng.random(len(index)))
    holiday = pd.Series([None] * len(index), index=index, dtype=object)
    holiday[index == pd.Timestamp("2016-07-04")] = "Independence Day"  # midnight only
    return pd.DataFrame(
        {
            "volume": rng.random(len(index)),
            "holiday": holiday,
            "temp": temp,
            "snow_1h": snow,
            "weather_main": "Clear",
        },
        index=index,
    )


def test_quirks_are_handled_and_reported():
    frame = _frame()
    found = known_covariates(frame, ["volume"], train_stop=24 * 300)
    assert found.weather == ["temp"]  # snow_1h is 0 for over a year: dropped
    assert found.holiday_column == "holiday" and found.text == ["weather_main"]
    assert list(found.frame.columns) == [
        "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos", "holiday", "temp",
    ]  # fmt: skip
    notes = " | ".join(found.notes)
    assert "snow_1h is 0 from 2016-01-01" in notes and "dropped" in notes
    assert "text columns not used: weather_main" in notes
    assert "spread to the whole day" in notes
    assert found.frame.loc["2016-07-04", "holiday"].eq(1.0).all()
    assert found.frame.notna().all().all()
    train = found.frame["temp"].iloc[: 24 * 300]
    assert abs(train.mean()) < 0.05 and abs(train.std() - 1) < 0.05  # scaled on training rows
    # causal: the gap takes the last reading
    assert found.frame["temp"].iloc[30:40].nunique() == 1


def test_a_frame_without_holiday_or_weather_says_so():
    index = pd.date_range("2024-01-01", periods=48, freq="h")
    frame = pd.DataFrame({"s": np.arange(48.0), "flat": 1.0}, index=index)
    found = known_covariates(frame, ["s"], train_stop=24)
    assert found.weather == [] and found.holiday_column is None
    assert found.notes == [
        "flat is constant over the training span: dropped",
        "no holiday column: the covariates have no holiday flag",
        "no numeric weather column: the covariates are calendar and holiday only",
    ]
    with pytest.raises(InputError, match="train_stop"):
        known_covariates(frame, ["s"], train_stop=0)
