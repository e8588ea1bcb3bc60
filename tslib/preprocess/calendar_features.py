"""Calendar features computed from the time index: cyclic sin/cos, holidays, elapsed time.

These depend only on the timestamp of each row, so they are known in advance and
can serve as ``known`` columns in :func:`tslib.training.windows.make_windows`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.preprocess.base import StepTransform, register_transform

__all__ = ["CalendarFeatures", "CALENDAR_PERIODS"]

#: feature name -> number of values in its cycle; the value v maps to angle 2 pi v / period.
#: Day of year runs 0..365 over a 365.25-day cycle, so leap years and others line up.
CALENDAR_PERIODS = {"hour": 24, "dayofweek": 7, "month": 12, "dayofyear": 365.25}


def _cycle_value(feature: str, timestamp: pd.Timestamp) -> int:
    """Position in the cycle, starting at 0 (month 1 -> 0)."""
    if feature == "hour":
        return timestamp.hour
    if feature == "dayofweek":
        return timestamp.day_of_week
    if feature == "dayofyear":
        return timestamp.day_of_year - 1
    return timestamp.month - 1


@register_transform("calendar")
class CalendarFeatures(StepTransform):
    """Add calendar columns computed from a ``DatetimeIndex``.

    Added columns, in order: ``{feature}_sin`` and ``{feature}_cos`` for each
    feature (hour 0-23, day of week 0-6 with Monday 0, month 1-12, day of year 1-366
    over a 365.25-day cycle), then
    ``is_holiday`` (1.0 on a listed date, else 0.0) when ``holidays`` is given,
    then ``time_since_start`` (in ``time_unit`` since the first training timestamp)
    when ``time_since_start`` is True. Existing columns pass through.

    Parameters
    ----------
    features : Sequence[str]
        Any of ``"hour"``, ``"dayofweek"``, ``"month"``, ``"dayofyear"``.
    holidays : Sequence of dates or None
        Holiday dates (anything ``pd.Timestamp`` accepts); the time of day is ignored.
    time_since_start : bool
        Whether to add ``time_since_start``.
    time_unit : str
        Unit of ``time_since_start``, a ``pd.Timedelta`` string such as ``"1D"``.

    Attributes
    ----------
    start_ : pd.Timestamp
        First timestamp of the training frame.
    """

    reads_columns = False

    def __init__(
        self,
        features: Sequence[str] = ("hour", "dayofweek", "month"),
        holidays: Sequence[Any] | None = None,
        time_since_start: bool = True,
        time_unit: str = "1D",
    ):
        unknown = [f for f in features if f not in CALENDAR_PERIODS]
        if unknown:
            raise InputError(
                f"CalendarFeatures: unknown features {unknown}; use {list(CALENDAR_PERIODS)}"
            )
        self.features = features
        self.holidays = holidays
        self.time_since_start = time_since_start
        self.time_unit = time_unit

    @property
    def output_columns(self) -> list[str]:
        """Names of the added columns."""
        names = [f"{f}_{fn}" for f in self.features for fn in ("sin", "cos")]
        if self.holidays is not None:
            names.append("is_holiday")
        if self.time_since_start:
            names.append("time_since_start")
        return names

    def _check_index(self, index: pd.Index) -> None:
        if not isinstance(index, pd.DatetimeIndex):
            raise DataError(f"CalendarFeatures needs a DatetimeIndex, got {type(index).__name__}")

    def fit(self, train: pd.DataFrame) -> CalendarFeatures:
        self._check_frame(train)
        self._check_index(train.index)
        if len(train) == 0:
            raise DataError("CalendarFeatures: the train frame is empty")
        self.start_ = train.index[0]
        self.holiday_dates_ = frozenset(pd.Timestamp(d).date() for d in self.holidays or ())
        self.columns_ = []
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        self._check_fitted()
        self._check_frame(frame)
        self._check_index(frame.index)
        clashes = [c for c in self.output_columns if c in frame.columns]
        if clashes:
            raise DataError(f"CalendarFeatures: the frame already has columns {clashes}")
        return super().transform(frame)

    def step(self, row: pd.Series | Mapping, state: dict) -> tuple[pd.Series, dict]:
        clashes = [c for c in self.output_columns if c in row]
        if clashes:
            raise DataError(f"CalendarFeatures: the row already has columns {clashes}")
        return super().step(row, state)

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        index = data.index
        columns = {}
        for feature in self.features:
            if feature == "hour":
                value = index.hour
            elif feature == "dayofweek":
                value = index.day_of_week
            elif feature == "dayofyear":
                value = index.day_of_year - 1
            else:
                value = index.month - 1
            angle = 2 * np.pi * np.asarray(value, dtype=np.float64) / CALENDAR_PERIODS[feature]
            columns[f"{feature}_sin"] = np.sin(angle)  # (T,)
            columns[f"{feature}_cos"] = np.cos(angle)  # (T,)
        if self.holidays is not None:
            dates = pd.Index(index.date)
            columns["is_holiday"] = dates.isin(list(self.holiday_dates_)).astype(np.float64)
        if self.time_since_start:
            columns["time_since_start"] = (index - self.start_) / pd.Timedelta(self.time_unit)
        return pd.DataFrame(columns, index=index, columns=self.output_columns)

    def _init_state(self) -> dict:
        return {}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        if not isinstance(timestamp, datetime.datetime):
            raise DataError(
                "CalendarFeatures.step needs the row's timestamp as its name "
                f"(a pd.Series from frame.iterrows()), got {timestamp!r}"
            )
        timestamp = pd.Timestamp(timestamp)
        out = {}
        for feature in self.features:
            angle = 2 * math.pi * _cycle_value(feature, timestamp) / CALENDAR_PERIODS[feature]
            out[f"{feature}_sin"] = math.sin(angle)
            out[f"{feature}_cos"] = math.cos(angle)
        if self.holidays is not None:
            out["is_holiday"] = 1.0 if timestamp.date() in self.holiday_dates_ else 0.0
        if self.time_since_start:
            out["time_since_start"] = (timestamp - self.start_) / pd.Timedelta(self.time_unit)
        return out, state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {}, "frame": "gappy"},
            {
                "params": {"features": ("hour",), "holidays": ["2024-01-02"], "time_unit": "1h"},
                "frame": "gappy",
            },
            {"params": {"features": ("dayofyear",), "time_since_start": False}, "frame": "gappy"},
        ]
