"""The classical baselines of a seasonal (weather-like) series, each with its regressors and fit window.

Part of the forecast protocol: ``ts.backtest(models, y, baselines="seasonal", ...)``
adds these to ``models`` and backtests them on the same origins. They are chosen
from the timestamps alone:

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.baselines.climatology import ClimatologyForecaster
from tslib.baselines.fourier import fourier_terms, seasonal_fourier_orders
from tslib.baselines.naive import NaiveForecaster, SeasonalNaiveForecaster
from tslib.baselines.statespace import ETSForecaster, SarimaxForecaster
from tslib.errors import DataError, InputError
from tslib.evaluate.forecast_spec import ForecastSpec

__all__ = ["seasonal_baselines", "BASELINE_SUITES"]


def _terms(index: pd.DatetimeIndex, orders: dict) -> np.ndarray | None:
    return fourier_terms(index, orders).to_numpy() if orders else None


def seasonal_baselines(
    index: pd.DatetimeIndex,
    test_start: int,
    *,
    window: int | None = None,
    maxiter: int = 50,
) -> tuple[dict[str, ForecastSpec], list[str]]:
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
        Name -> :class:`~tslib.evaluate.forecast_spec.ForecastSpec` (forecaster, its
        Fourier regressors aligned with ``index``, its first row).
    notes : list of str
        What was chosen and what was skipped, and why.

    Raises
    ------
    DataError
        ``index`` is not a DatetimeIndex of at least 3 rows.
    InputError
        ``test_start`` outside the index.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        raise DataError("seasonal baselines: need a DatetimeIndex of at least 3 rows")
    if not 2 <= test_start < len(index):
        raise InputError(f"seasonal baselines: test_start {test_start} outside 2..{len(index) - 1}")
    step = pd.Timedelta(index[1] - index[0])
    daily = step >= pd.Timedelta(days=1)
    first = 0 if window is None else max(0, test_start - int(window))
    full_orders = seasonal_fourier_orders(step, index[test_start - 1] - index[0])
    window_orders = seasonal_fourier_orders(step, index[test_start - 1] - index[first])
    specs = {"persistence": ForecastSpec(NaiveForecaster())}
    notes = [
        f"Fourier terms {full_orders or 'none'}; SARIMAX fits {test_start - first} rows "
        f"with {window_orders or 'no Fourier terms'}"
    ]
    season = round(pd.Timedelta(days=365.25 if daily else 1) / step)
    if test_start > season + 1:
        specs["seasonal_naive"] = ForecastSpec(SeasonalNaiveForecaster(season))
    else:
        notes.append(f"seasonal naive skipped: needs more than {season} rows before the test")
    specs["climatology"] = ForecastSpec(ClimatologyForecaster(), _terms(index, full_orders))
    sarimax = SarimaxForecaster(order=(2, 0, 1), trend="c", maxiter=maxiter)
    specs["sarimax"] = ForecastSpec(sarimax, _terms(index, window_orders), first)
    if daily:
        specs["ets"] = ForecastSpec(ETSForecaster(maxiter=maxiter), first=first)
    else:
        notes.append("ETS skipped: a daily cycle below a daily step needs a seasonal period")
    return specs, notes


#: ``baselines=`` names of the forecast protocol -> the function choosing them.
BASELINE_SUITES = {"seasonal": seasonal_baselines}
