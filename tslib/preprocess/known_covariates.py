"""Covariates known in advance for sensor forecasting: calendar, holiday flag, weather.

:func:`known_covariates` builds them from a regular-grid frame whose target columns
are the sensors, fitting everything on the training span only, and says in plain
lines what it did with each quirk of a real file (see
:mod:`tslib.preprocess.covariate_quirks`):

* the calendar: hour of day and day of week as sin/cos;
* a ``holiday`` column (any case), if present: a 0/1 flag, spread to the whole day
  when the file names a holiday only on its midnight hour;
* the numeric columns other than the sensors (weather): dropped when constant for
  ``min_span`` or longer (not recorded then) or constant over the training span;
  otherwise carried forward causally (glitches and gaps take the last reading,
  before the first one the training mean) and standardised on the training span;
* text columns (weather descriptions) are not used.

Examples
--------
>>> import numpy as np, pandas as pd
>>> index = pd.date_range("2024-01-01", periods=96, freq="h")
>>> frame = pd.DataFrame({"s": 1.0, "rain": np.r_[np.zeros(48), np.ones(48)],
...                       "snow": 0.0}, index=index)
>>> found = known_covariates(frame, ["s"], train_stop=72)
>>> found.weather, list(found.frame.columns)[-1]
(['rain'], 'rain')
>>> found.notes
['snow is constant over the training span: dropped', 'no holiday column: the covariates have no holiday flag']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tslib.errors import InputError
from tslib.preprocess.calendar_features import CalendarFeatures
from tslib.preprocess.covariate_quirks import constant_spans, holiday_flag
from tslib.preprocess.imputation import ForwardFill, TrainValueFill
from tslib.preprocess.pipeline import Pipeline
from tslib.preprocess.scaling import StandardScaler

__all__ = ["KnownCovariates", "known_covariates"]


@dataclass(frozen=True)
class KnownCovariates:
    """What :func:`known_covariates` returns.

    Attributes
    ----------
    frame : pandas.DataFrame
        (T, c) covariates without NaN, same index as the input: the calendar columns,
        ``holiday`` (when there is a holiday column), then the weather columns.
    weather : list of str
        Numeric columns kept as weather covariates.
    holiday_column : str or None
        The input's holiday column.
    text : list of str
        Text columns left out.
    notes : list of str
        One line per decision (dropped columns, holiday handling, what is missing).
    """

    frame: pd.DataFrame
    weather: list[str]
    holiday_column: str | None
    text: list[str]
    notes: list[str]


def known_covariates(
    frame: pd.DataFrame, targets: Sequence[str], train_stop: int, min_span: str = "365D"
) -> KnownCovariates:
    """Calendar, holiday and weather covariates of ``frame``, fitted on ``frame[:train_stop]``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Regular-grid frame with a DatetimeIndex; ``targets`` are its sensor columns.
    targets : sequence of str
        Columns that are forecast (never covariates).
    train_stop : int
        Rows of the training span (every statistic is fitted on them only).
    min_span : str
        A numeric column constant for this long is dropped (a pandas Timedelta string).

    Returns
    -------
    KnownCovariates
    """
    if not 0 < int(train_stop) <= len(frame):
        raise InputError(f"known_covariates: train_stop must lie in (0, {len(frame)}]")
    targets = set(targets)
    others = [c for c in frame.columns if c not in targets]
    holiday_column = next((c for c in others if c.lower() == "holiday"), None)
    numeric = [c for c in others if c != holiday_column and pd.api.types.is_numeric_dtype(frame[c])]
    text = [c for c in others if c != holiday_column and c not in numeric]
    spans = constant_spans(frame, numeric, min_span=min_span)
    flat_in_train = [c for c in numeric if not frame[c].iloc[:train_stop].std() > 0]
    weather = [c for c in numeric if c not in set(spans["column"]) and c not in flat_in_train]
    notes = [
        f"{row.column} is {row.value:g} from {row.start.date()} to {row.end.date()} "
        f"({row.days:.0f} days): dropped"
        for row in spans.itertuples()
    ]
    notes += [
        f"{c} is constant over the training span: dropped"
        for c in flat_in_train
        if c not in set(spans["column"])
    ]
    if text:
        notes.append(f"text columns not used: {', '.join(text)}")
    known = (
        CalendarFeatures(features=("hour", "dayofweek"), time_since_start=False)
        .fit(frame[[]].iloc[:train_stop])
        .transform(frame[[]])
    )
    if holiday_column is None:
        notes.append("no holiday column: the covariates have no holiday flag")
    else:
        flag, note = holiday_flag(frame[holiday_column])
        known["holiday"] = flag.to_numpy()
        notes.append(note)
    if weather:
        pipe = Pipeline(
            [
                ("carry", ForwardFill(columns=weather)),
                ("start", TrainValueFill("mean", columns=weather)),
                ("scale", StandardScaler(columns=weather)),
            ]
        ).fit(frame[weather].iloc[:train_stop])  # training span only
        known[weather] = pipe.transform(frame[weather])[weather].to_numpy()
    else:
        notes.append("no numeric weather column: the covariates are calendar and holiday only")
    return KnownCovariates(known, weather, holiday_column, text, notes)
