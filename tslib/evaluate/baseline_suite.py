"""The classical baselines of a seasonal (weather-like) series, each with its regressors and fit window.

:func:`seasonal_baselines` chooses, from the timestamps alone, the reference
forecasters of a series with daily and annual cycles:

* ``persistence`` (:class:`~tslib.baselines.naive.NaiveForecaster`);
* ``seasonal_naive``: one year back for daily data, one day back below a daily
  step (skipped when the data before the test is not longer than that);
* ``climatology`` (:class:`~tslib.baselines.climatology.ClimatologyForecaster`)
  on the Fourier terms the pre-test span supports
  (:func:`~tslib.baselines.fourier.seasonal_fourier_orders`);
* ``sarimax``: SARIMAX(2,0,1) with a constant and the same kind of Fourier terms
  as regressors, fitted on at most ``window`` recent pre-test rows;
* ``ets``: simple exponential smoothing, for daily or coarser data only (a daily
  cycle in hourly data needs a seasonal period the state-space ETS cannot afford).

:func:`common_rows` keeps the forecasts every model made (same origin and horizon),
so tables compare models on identical test points. :func:`backtest_each` runs :func:`~tslib.evaluate.backtest.backtest` for every
baseline with its own regressors and first row, so each is fitted once at the
first test origin and then advanced one observation at a time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tslib.baselines.climatology import ClimatologyForecaster
from tslib.baselines.fourier import fourier_terms, seasonal_fourier_orders
from tslib.baselines.naive import NaiveForecaster, SeasonalNaiveForecaster
from tslib.baselines.statespace import ETSForecaster, SarimaxForecaster
from tslib.errors import DataError, InputError
from tslib.evaluate.forecast_backtest import forecast_backtest as backtest

__all__ = ["BaselineSpec", "seasonal_baselines", "backtest_each", "common_rows"]

#: ``(forecaster, exog (T, k) or None, first row of the data it sees)``
BaselineSpec = tuple[object, np.ndarray | None, int]


def _terms(index: pd.DatetimeIndex, orders: dict) -> np.ndarray | None:
    return fourier_terms(index, orders).to_numpy() if orders else None


def seasonal_baselines(
    index: pd.DatetimeIndex,
    test_start: int,
    *,
    window: int | None = None,
    maxiter: int = 50,
) -> tuple[dict[str, BaselineSpec], list[str]]:
    """The baselines of a regular series and a line on each choice.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The regular grid (T,), the test span included.
    test_start : int
        First test row; the baselines are fitted on rows before it.
    window : int, optional
        SARIMAX and ETS fit on at most this many rows before ``test_start``.
    maxiter : int
        Optimiser iterations of the SARIMAX and ETS fits.

    Returns
    -------
    specs : dict
        Name -> :data:`BaselineSpec`.
    notes : list of str
        What was chosen and what was skipped, and why.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        raise DataError("seasonal_baselines: need a DatetimeIndex of at least 3 rows")
    if not 2 <= test_start < len(index):
        raise InputError(f"seasonal_baselines: test_start {test_start} outside 2..{len(index) - 1}")
    step = pd.Timedelta(index[1] - index[0])
    daily = step >= pd.Timedelta(days=1)
    first = 0 if window is None else max(0, test_start - int(window))
    full_orders = seasonal_fourier_orders(step, index[test_start - 1] - index[0])
    window_orders = seasonal_fourier_orders(step, index[test_start - 1] - index[first])
    specs: dict[str, BaselineSpec] = {"persistence": (NaiveForecaster(), None, 0)}
    notes = [
        f"Fourier terms {full_orders or 'none'}; SARIMAX fits {test_start - first} rows "
        f"with {window_orders or 'no Fourier terms'}"
    ]
    season = round(pd.Timedelta(days=365.25 if daily else 1) / step)
    if test_start > season + 1:
        specs["seasonal_naive"] = (SeasonalNaiveForecaster(season), None, 0)
    else:
        notes.append(f"seasonal naive skipped: needs more than {season} rows before the test")
    specs["climatology"] = (ClimatologyForecaster(), _terms(index, full_orders), 0)
    sarimax = SarimaxForecaster(order=(2, 0, 1), trend="c", maxiter=maxiter)
    specs["sarimax"] = (sarimax, _terms(index, window_orders), first)
    if daily:
        specs["ets"] = (ETSForecaster(maxiter=maxiter), None, first)
    else:
        notes.append("ETS skipped: a daily cycle below a daily step needs a seasonal period")
    return specs, notes


def backtest_each(
    specs: Mapping[str, BaselineSpec],
    y: pd.Series,
    *,
    start: int,
    horizon: int,
    every: int = 1,
    interval: float | None = None,
    target_transform: object | None = None,
) -> pd.DataFrame:
    """Backtest every baseline on ``y[first:]`` with its own exog; one tidy frame.

    Parameters
    ----------
    specs : mapping
        Name -> ``(forecaster, exog (T, k) or None, first row)``, exog aligned with ``y``.
    y : pandas.Series
        The target on the full grid.
    start, horizon, every, interval, target_transform
        As in :func:`~tslib.evaluate.backtest.backtest`; ``start`` counts from row 0
        of ``y`` whatever each baseline's first row.

    Returns
    -------
    pandas.DataFrame
        The concatenated backtest rows; ``attrs["seconds"]`` maps each name to
        its wall time.
    """
    frames, seconds = [], {}
    for name, (model, exog, first) in specs.items():
        if not 0 <= first < start:
            raise InputError(f"backtest_each: {name}: first row {first} must lie before {start}")
        started = time.perf_counter()
        frames.append(
            backtest(
                {name: model},
                y.iloc[first:],
                start=start - first,
                horizon=horizon,
                every=every,
                exog=None if exog is None else np.asarray(exog)[first:],
                interval=interval,
                target_transform=target_transform,
            )
        )
        seconds[name] = time.perf_counter() - started
    result = pd.concat(frames, ignore_index=True)
    result.attrs["seconds"] = seconds
    return result


def common_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose ``(origin, horizon)`` every model of ``frame`` forecast.

    Backtests with different horizons or origin spacings cover slightly different
    targets (a horizon-7 run has no origin in the last six rows); comparing models
    on their common rows keeps every table on identical test points.
    """
    missing = [c for c in ("model", "origin", "horizon") if c not in frame.columns]
    if missing:
        raise InputError(f"common_rows: frame lacks columns {missing}")
    models = frame["model"].nunique()
    counts = frame.groupby(["origin", "horizon"])["model"].transform("nunique")
    return frame[counts == models].reset_index(drop=True)
