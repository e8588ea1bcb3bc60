r"""Fourier terms of calendar cycles, as regressors for SARIMAX and climatology baselines.

SARIMAX's seasonal part needs the period in steps, and a daily series with an
annual cycle (s = 365) makes it impractically slow and badly estimated. The
usual fix (Hyndman & Athanasopoulos, *FPP3*, sec. 12.1, "dynamic harmonic
regression") is to model the cycle with a few Fourier pairs as exogenous
regressors and leave the short-term dynamics to a low-order ARMA:

.. math::
    \sin\left(\frac{2\pi k\,\tau_t}{P}\right),\ \cos\left(\frac{2\pi k\,\tau_t}{P}\right),
    \qquad k = 1, \dots, K,

where :math:`\tau_t` is the time since a fixed epoch (1970-01-01) and :math:`P`
the period. The terms depend on the timestamp only, so they are known in advance
for any forecast horizon and identical whichever span they are computed on.

Examples
--------
>>> import pandas as pd
>>> index = pd.date_range("2024-01-01", periods=3, freq="6h")
>>> terms = fourier_terms(index, {"1D": 1})
>>> list(terms.columns)
['sin1_1D', 'cos1_1D']
>>> terms.round(6).to_numpy().tolist()
[[0.0, 1.0], [1.0, 0.0], [0.0, -1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError

__all__ = ["fourier_terms", "seasonal_fourier_orders", "YEAR"]

#: The annual cycle: 365.25 days, so leap years do not drift.
YEAR = pd.Timedelta(days=365.25)
_EPOCH = pd.Timestamp("1970-01-01")


def fourier_terms(
    index: pd.DatetimeIndex, orders: Mapping[str | pd.Timedelta, int]
) -> pd.DataFrame:
    """Fourier pairs ``sin{k}_{P}``, ``cos{k}_{P}`` for each period P and k = 1..K.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Timestamps (any order, any spacing).
    orders : mapping
        Period (a ``pd.Timedelta`` or a string such as ``"1D"`` or ``"365.25D"``)
        -> number of harmonics K >= 1.

    Returns
    -------
    pandas.DataFrame
        (T, 2 * sum K) float columns, indexed like ``index``. Column names use the
        period as given (a Timedelta is written in days).

    Raises
    ------
    DataError
        If ``index`` is not a DatetimeIndex.
    InputError
        An empty ``orders``, a non-positive period or an order < 1.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"fourier_terms: need a DatetimeIndex, got {type(index).__name__}")
    if not orders:
        raise InputError("fourier_terms: orders is empty; give {period: K}")
    naive = index.tz_localize(None) if index.tz is not None else index
    elapsed = (naive - _EPOCH) / pd.Timedelta(days=1)  # (T,) days since the epoch
    elapsed = np.asarray(elapsed, dtype=np.float64)
    columns = {}
    for period, order in orders.items():
        try:
            length = pd.Timedelta(period)
        except ValueError as error:
            raise InputError(f"fourier_terms: {period!r} is not a period") from error
        if length <= pd.Timedelta(0):
            raise InputError(f"fourier_terms: period must be positive, got {period!r}")
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
            raise InputError(f"fourier_terms: order of {period!r} must be an int >= 1")
        name = period if isinstance(period, str) else f"{length / pd.Timedelta(days=1):g}D"
        phase = 2.0 * np.pi * elapsed / (length / pd.Timedelta(days=1))  # (T,)
        for k in range(1, int(order) + 1):
            columns[f"sin{k}_{name}"] = np.sin(k * phase)
            columns[f"cos{k}_{name}"] = np.cos(k * phase)
    return pd.DataFrame(columns, index=index)


def seasonal_fourier_orders(
    step: pd.Timedelta,
    train_span: pd.Timedelta,
    annual: int = 3,
    daily: int = 3,
    min_years: float = 2.0,
) -> dict[str, int]:
    """Which cycles a weather series can support, as ``{period: K}`` for :func:`fourier_terms`.

    * the annual cycle (365.25 days, ``annual`` harmonics) when the training span
      covers at least ``min_years`` years: with less, its shape is extrapolated
      from part of one cycle;
    * the daily cycle (1 day, ``daily`` harmonics) when the step is shorter than a day.

    Returns an empty dict when neither applies.
    """
    orders = {}
    if annual and train_span >= min_years * YEAR:
        orders["365.25D"] = int(annual)
    if daily and step < pd.Timedelta(days=1):
        orders["1D"] = int(daily)
    return orders
