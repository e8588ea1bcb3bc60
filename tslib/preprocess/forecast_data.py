"""From a raw time-indexed frame to model-ready arrays, causally and on the training span only.

:func:`prepare_forecast_data` chains what every forecasting notebook does before
it trains anything, in this order:

1. put the frame on a regular grid (:func:`~tslib.preprocess.regular.regularize`),
   averaging finer data into ``step`` if asked, and remember which cells were
   missing (inserted rows or NaN): those are never scored as targets;
2. split the grid in time: train, then validation (early stopping), then the
   last ``test_fraction`` of rows;
3. optionally take ``log1p`` of non-negative, strongly right-skewed variables
   (precipitation: mostly zeros and a long tail), chosen on the training rows;
4. fit a :class:`~tslib.preprocess.pipeline.Pipeline` on the training rows only:
   forward fill (then the training mean, for values missing before the first
   observation), calendar sin/cos columns, and a standard scaler on the observed
   variables. Every step is causal, so transforming the whole grid at once
   equals stepping through it row by row.

The result, :class:`ForecastData`, holds the model inputs (scaled variables with
the target first, then the calendar columns, known in advance), the scaled
target, the split points and the fitted pipeline, whose ``inverse_target``
brings forecasts back to data units.

Examples
--------
>>> import numpy as np, pandas as pd
>>> index = pd.date_range("2020-01-01", periods=60, freq="D").delete([10, 11])
>>> frame = pd.DataFrame({"temp": np.sin(np.arange(58.0)), "wind": np.arange(58.0)}, index)
>>> data = prepare_forecast_data(frame, "temp", test_fraction=0.2, val_fraction=0.2)
>>> data.inputs.shape, data.variables, data.calendar, int(data.missing["temp"].sum())
((60, 2), ['temp', 'wind'], [], 2)
>>> data.n_train, data.n_val, data.test_start
(36, 12, 48)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.preprocess.calendar_features import CalendarFeatures
from tslib.preprocess.imputation import ForwardFill, TrainValueFill
from tslib.preprocess.pipeline import Pipeline
from tslib.preprocess.regular import regularize
from tslib.preprocess.scaling import StandardScaler

__all__ = ["ForecastData", "prepare_forecast_data", "auto_calendar", "YEAR_DAYS"]

#: Days in the annual cycle.
YEAR_DAYS = 365.25


def auto_calendar(step: pd.Timedelta, train_span: pd.Timedelta, min_years: float = 2.0) -> list:
    """Calendar cycles a series can support: day of year with ``min_years`` of training
    data (fewer would extrapolate one partial cycle), hour of day below a daily step."""
    features = []
    if train_span >= pd.Timedelta(days=min_years * YEAR_DAYS):
        features.append("dayofyear")
    if step < pd.Timedelta(days=1):
        features.append("hour")
    return features


@dataclass
class ForecastData:
    """Model-ready data of one series (see :func:`prepare_forecast_data`).

    Attributes
    ----------
    inputs : pandas.DataFrame
        (T, F) model inputs on the regular grid: the scaled ``variables`` (target
        first), then the ``calendar`` columns.
    variables, calendar : list of str
        Observed columns (fed back in multi-step forecasts) and calendar columns
        (known in advance).
    target : str
        The target column.
    missing : pandas.DataFrame
        (T, len(variables)) bool: the cell was missing before imputation.
    raw : pandas.DataFrame
        The imputed grid in data units (variables only).
    pipeline : Pipeline
        Fill, calendar and scaler, fitted on the training rows; ``target`` set.
    n_train, n_val, test_start : int
        Rows of training, of validation, and the first test row.
    step : pandas.Timedelta
        Grid step.
    log_columns : list of str
        Variables modelled as ``log1p`` (the pipeline sees the logged values).
    messages : list of str
        What was done (grid repairs, imputation counts, calendar choice).
    """

    inputs: pd.DataFrame
    variables: list[str]
    calendar: list[str]
    target: str
    missing: pd.DataFrame
    raw: pd.DataFrame
    pipeline: Pipeline
    n_train: int
    n_val: int
    test_start: int
    step: pd.Timedelta
    log_columns: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def index(self) -> pd.DatetimeIndex:
        """Grid timestamps (T,)."""
        return self.inputs.index

    @property
    def y(self) -> pd.Series:
        """The scaled, imputed target (T,), indexed by time."""
        return self.inputs[self.target]

    @property
    def known_columns(self) -> list[int]:
        """Positions of the calendar columns in :attr:`inputs`."""
        return [self.inputs.columns.get_loc(c) for c in self.calendar]

    def columns(self, target_only: bool = False) -> list[str]:
        """Input columns: every variable (or the target alone), then the calendar."""
        observed = [self.target] if target_only else list(self.variables)
        return observed + list(self.calendar)

    def x(self, target_only: bool = False) -> np.ndarray:
        """(T, F) float32 model inputs; ``target_only`` keeps the target and the calendar."""
        return self.inputs[self.columns(target_only)].to_numpy(np.float32)


def prepare_forecast_data(
    frame: pd.DataFrame,
    target: str,
    *,
    variables: Sequence[str] | None = None,
    step: str | pd.Timedelta | None = None,
    test_fraction: float = 0.2,
    val_fraction: float = 0.15,
    calendar: Sequence[str] | str = "auto",
    log1p: Sequence[str] | str = (),
    max_skew: float = 2.0,
) -> ForecastData:
    """Regularise, split, impute, add calendar columns and scale (fitted on train only).

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed data; non-numeric columns are ignored.
    target : str
        The column to forecast.
    variables : sequence of str, optional
        Numeric columns to use (the target is added first); default all numeric.
    step : str or Timedelta, optional
        Grid step; default the inferred one. A coarser step averages the data.
    test_fraction, val_fraction : float
        Shares of all grid rows for the test span (the last rows) and for the
        validation span just before it.
    calendar : "auto" or sequence of str
        CalendarFeatures cycles; ``"auto"`` uses :func:`auto_calendar`.
    log1p : "auto" or sequence of str
        Variables (never the target) to model as ``log1p(x)``; ``"auto"`` picks
        those that are non-negative with a skewness above ``max_skew`` on the
        training rows.
    max_skew : float
        Skewness threshold of ``log1p="auto"``.

    Raises
    ------
    DataError
        A target that is missing or not numeric, or too few rows for the split.
    InputError
        Fractions outside (0, 1).
    """
    if target not in frame.columns:
        raise DataError(f"prepare_forecast_data: target {target!r} is not a column of the frame")
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    numeric = [c for c in numeric if not pd.api.types.is_bool_dtype(frame[c])]
    if target not in numeric:
        raise DataError(f"prepare_forecast_data: target {target!r} is not numeric")
    chosen = list(variables) if variables is not None else numeric
    unknown = [c for c in chosen if c not in numeric]
    if unknown:
        raise DataError(f"prepare_forecast_data: variables {unknown} are missing or not numeric")
    chosen = [target] + [c for c in chosen if c != target]
    for name, value in (("test_fraction", test_fraction), ("val_fraction", val_fraction)):
        if not 0.0 < value < 1.0:
            raise InputError(f"prepare_forecast_data: {name} must lie in (0, 1), got {value}")
    grid = regularize(frame[chosen].astype(np.float64), step)
    rows = len(grid.frame)
    test_start = rows - int(round(test_fraction * rows))
    n_train = test_start - int(round(val_fraction * rows))
    if n_train < 10 or test_start - n_train < 3 or rows - test_start < 3:
        raise DataError(
            f"prepare_forecast_data: {rows} grid rows are too few for train / val / test "
            f"({n_train} / {test_start - n_train} / {rows - test_start})"
        )
    missing = grid.frame[chosen].isna()
    train_span = grid.frame.index[n_train - 1] - grid.frame.index[0]
    cycles = auto_calendar(grid.step, train_span) if calendar == "auto" else list(calendar)
    train_rows = grid.frame.iloc[:n_train]
    if log1p == "auto":
        log_columns = [
            c for c in chosen[1:] if train_rows[c].min() >= 0 and train_rows[c].skew() > max_skew
        ]
    else:
        log_columns = list(log1p)
    bad = [c for c in log_columns if c == target or c not in chosen or grid.frame[c].min() < 0]
    if bad:
        raise DataError(
            f"prepare_forecast_data: cannot log1p {bad} (the target, unknown, or negative)"
        )
    model_frame = grid.frame.copy()
    model_frame[log_columns] = np.log1p(model_frame[log_columns])
    steps = [("ffill", ForwardFill(columns=chosen)), ("mean", TrainValueFill(columns=chosen))]
    if cycles:
        steps.append(("calendar", CalendarFeatures(features=tuple(cycles), time_since_start=False)))
    steps.append(("scale", StandardScaler(columns=chosen)))
    pipeline = Pipeline(steps, target=target).fit(model_frame.iloc[:n_train])
    inputs = pipeline.transform(model_frame)
    filled = steps[1][1].transform(steps[0][1].transform(model_frame))[chosen]
    filled[log_columns] = np.expm1(filled[log_columns])
    calendar_columns = [c for c in inputs.columns if c not in chosen]
    messages = list(grid.messages)
    for column in chosen:
        count = int(missing[column].sum())
        if count:
            in_test = int(missing[column].iloc[test_start:].sum())
            messages.append(
                f"{column}: {count} missing value(s) filled causally (forward fill), "
                f"{in_test} of them in the test span (never scored)"
            )
    for column in log_columns:
        skew = train_rows[column].skew()
        messages.append(f"{column}: modelled as log1p (training skewness {skew:.1f})")
    names = ", ".join(cycles) if cycles else "none"
    messages.append(f"calendar sin/cos: {names} (train span {train_span.days} days)")
    return ForecastData(
        inputs=inputs[chosen + calendar_columns].astype(np.float64),
        variables=chosen,
        calendar=calendar_columns,
        target=target,
        missing=missing,
        raw=filled,
        pipeline=pipeline,
        n_train=n_train,
        n_val=test_start - n_train,
        test_start=test_start,
        step=grid.step,
        log_columns=log_columns,
        messages=messages,
    )
