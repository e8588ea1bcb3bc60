r"""A long, synthetic daily stock-index history in Yahoo Finance's CSV layout.

``simulate_index_prices`` draws about a century of trading days with the quirks
of a real long index download (``Date,Open,High,Low,Close,Adj Close,Volume``):

* early decades carry only a close: ``Open = High = Low = Close`` before
  ``flat_until``, and ``Volume = 0`` before ``volume_from``;
* ``Adj Close`` differs from ``Close`` when ``dividend_yield > 0``: the close
  drops by the dividend on quarterly ex-dates, the adjusted close does not
  (Yahoo's adjusted series is scaled back from the last day, so both end equal);
* trading days are business days less US federal holidays (holidays are gaps);
* optional ``null_rows``: whole rows written as ``null``, as Yahoo does for some
  tickers on days without a quote.

Return model (log returns in percent, :math:`\varepsilon_t` a unit-variance
Student-t with ``df`` degrees of freedom):

.. math::

    r_t &= \mu + \sigma_t \varepsilon_t, \qquad
    \sigma_t^2 = \omega_t + (a + g\,1\{\varepsilon_{t-1} < 0\})\,\sigma_{t-1}^2
        \varepsilon_{t-1}^2 + b\,\sigma_{t-1}^2,\\
    \omega_t &= (1 - a - g/2 - b)\,v_{s_t}\,m_t^2,

a GJR-GARCH whose long-run variance :math:`v_{s_t}` switches with a two-state
Markov regime :math:`s_t` (calm / turbulent), times a stress multiplier
:math:`m_t` that is above one inside the historical stress windows of
:data:`STRESS_EPISODES` (1929-32, 1987, 2000-02, 2008-09, 2020). 1987-10-19 is
forced to a -20.5 % day. ``truth`` holds the conditional volatility ``sigma``
(percent), the regime, the multiplier and the log returns behind ``Close``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

from tslib.errors import InputError

__all__ = ["STRESS_EPISODES", "simulate_index_prices", "write_yahoo_csv", "YAHOO_COLUMNS"]

#: Column order of a Yahoo Finance daily CSV.
YAHOO_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]

#: (first day, last day, volatility multiplier) of the simulated stress windows.
STRESS_EPISODES = (
    ("1929-10-21", "1932-07-31", 3.0),
    ("1937-08-15", "1938-06-30", 1.8),
    ("1987-10-14", "1987-12-31", 2.5),
    ("2000-04-01", "2002-10-31", 1.4),
    ("2008-09-15", "2009-05-31", 4.0),
    ("2020-02-24", "2020-05-15", 3.2),
)

_CRASH_DAY = pd.Timestamp("1987-10-19")
_CRASH_RETURN = 100.0 * np.log(1.0 - 0.205)


def _trading_days(start: str, end: str) -> pd.DatetimeIndex:
    days = pd.bdate_range(start, end, name="Date")
    holidays = USFederalHolidayCalendar().holidays(days.min(), days.max())
    return days[~days.isin(holidays)]


def _stress_multiplier(days: pd.DatetimeIndex) -> np.ndarray:
    multiplier = np.ones(len(days))  # (T,)
    for first, last, level in STRESS_EPISODES:
        inside = (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))
        if inside.any():
            position = np.linspace(0.0, np.pi, int(inside.sum()))
            multiplier[inside] = 1.0 + (level - 1.0) * np.sin(position) ** 0.3  # fast rise, decay
    return multiplier


def _returns(
    days: pd.DatetimeIndex, rng: np.random.Generator, df: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Daily log returns (percent), conditional sigma, regime and stress multiplier."""
    n = len(days)
    a, g, b, mu = 0.03, 0.08, 0.90, 0.035
    levels = np.array([0.75, 1.6]) ** 2  # long-run daily variance (percent^2) per regime
    stay = np.array([0.995, 0.985])  # probability of staying in each regime
    multiplier = _stress_multiplier(days)
    shocks = rng.standard_t(df, size=n) * np.sqrt((df - 2.0) / df)  # (T,) unit variance
    switches = rng.random(n)
    regime = np.zeros(n, dtype=np.int64)
    sigma2 = np.empty(n)
    returns = np.empty(n)
    variance, eps_prev, state = levels[0], 0.0, 0
    crash = int(np.searchsorted(days, _CRASH_DAY)) if days[0] <= _CRASH_DAY <= days[-1] else -1
    for t in range(n):
        if t > 0 and switches[t] > stay[state]:
            state = 1 - state
        omega = (1.0 - a - g / 2.0 - b) * levels[state] * multiplier[t] ** 2
        leverage = g if eps_prev < 0.0 else 0.0
        variance = omega + (a + leverage) * variance * eps_prev**2 + b * variance
        eps = (_CRASH_RETURN - mu) / np.sqrt(variance) if t == crash else shocks[t]
        regime[t], sigma2[t] = state, variance
        returns[t] = mu + np.sqrt(variance) * eps
        eps_prev = eps
    return returns, np.sqrt(sigma2), regime, multiplier


def simulate_index_prices(
    start: str = "1928-01-03",
    end: str = "2024-12-31",
    *,
    seed: int = 0,
    initial_price: float = 17.66,
    df: float = 5.0,
    dividend_yield: float = 0.02,
    flat_until: str | None = "1962-01-02",
    volume_from: str | None = "1950-01-03",
    null_rows: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Simulate a daily index history in Yahoo's layout (see the module docstring).

    Parameters
    ----------
    start, end : str
        First and last calendar day; trading days lie in between.
    seed : int
        Seed of the numpy generator; the same seed gives the same file.
    initial_price : float
        Close of the first day.
    df : float
        Degrees of freedom of the Student-t innovations (> 2).
    dividend_yield : float
        Annual dividend yield paid quarterly; 0 makes ``Adj Close`` equal ``Close``.
    flat_until : str or None
        Before this day ``Open = High = Low = Close``; None: ranges everywhere.
    volume_from : str or None
        Before this day ``Volume = 0``; None: volume everywhere.
    null_rows : int
        Random rows (never the first or last) written as all-missing.

    Returns
    -------
    frame : pandas.DataFrame
        Columns :data:`YAHOO_COLUMNS` without ``Date``, indexed by ``Date``;
        prices rounded to 6 decimals like Yahoo's files; null rows are NaN.
    truth : dict
        ``sigma`` (conditional volatility of the close's log return, percent),
        ``regime`` (0 calm, 1 turbulent), ``stress`` (multiplier), ``returns``
        (log returns of ``Close`` in percent before dividends), each a Series
        on the index, and ``null_dates``.
    """
    if df <= 2.0:
        raise InputError(f"simulate_index_prices: df must exceed 2, got {df}")
    if dividend_yield < 0.0 or initial_price <= 0.0 or null_rows < 0:
        raise InputError(
            "simulate_index_prices: dividend_yield and null_rows must be >= 0 and initial_price > 0"
        )
    days = _trading_days(start, end)
    if len(days) < 10:
        raise InputError(f"simulate_index_prices: {start}..{end} has fewer than 10 trading days")
    rng = np.random.default_rng(seed)
    returns, sigma, regime, multiplier = _returns(days, rng, df)
    log_total = np.cumsum(returns / 100.0)  # (T,) total-return log level
    quarter_end = np.r_[days[1:].quarter != days[:-1].quarter, False]  # last day of a quarter
    ex_dividend = np.r_[False, quarter_end[:-1]]  # first day of the next quarter
    payout = np.where(ex_dividend, np.log1p(dividend_yield / 4.0), 0.0)  # (T,)
    log_close = log_total - np.cumsum(payout)
    close = initial_price * np.exp(log_close - log_close[0])  # (T,)
    adjusted = close * np.exp(np.cumsum(payout) - np.cumsum(payout)[-1])  # equals close at the end
    daily_sd = sigma / 100.0  # (T,) as a fraction
    previous = np.r_[close[0], close[:-1]]
    open_ = previous * np.exp(rng.normal(0.0, 0.25 * daily_sd))
    body_high, body_low = np.maximum(open_, close), np.minimum(open_, close)
    high = body_high * np.exp(np.abs(rng.normal(0.0, 0.45 * daily_sd)))
    low = body_low * np.exp(-np.abs(rng.normal(0.0, 0.45 * daily_sd)))
    years = (days - days[0]).days.to_numpy() / 365.25
    volume = np.round(
        1e6
        * np.exp(
            0.09 * years + 0.5 * np.log(multiplier * sigma / 0.9) + rng.normal(0.0, 0.2, len(days))
        )
    )
    if flat_until is not None:
        flat = days < pd.Timestamp(flat_until)
        open_[flat], high[flat], low[flat] = close[flat], close[flat], close[flat]
    if volume_from is not None:
        volume[days < pd.Timestamp(volume_from)] = 0.0
    frame = pd.DataFrame(
        {"Open": open_, "High": high, "Low": low, "Close": close, "Adj Close": adjusted},
        index=days,
    ).round(6)
    frame["Volume"] = volume.astype(np.int64)
    null_dates = pd.DatetimeIndex([], name="Date")
    if null_rows:
        picks = np.sort(rng.choice(np.arange(1, len(days) - 1), size=null_rows, replace=False))
        null_dates = days[picks]
        frame = frame.astype({"Volume": np.float64})
        frame.loc[null_dates] = np.nan
    truth = {
        "sigma": pd.Series(sigma, index=days, name="sigma"),
        "regime": pd.Series(regime, index=days, name="regime"),
        "stress": pd.Series(multiplier, index=days, name="stress"),
        "returns": pd.Series(returns, index=days, name="returns"),
        "null_dates": null_dates,
    }
    return frame, truth


def write_yahoo_csv(path: str | Path, **options) -> Path:
    """Write :func:`simulate_index_prices` (``options`` go to it) as a Yahoo-format CSV.

    Prices have 6 decimals, the volume is an integer and missing rows read
    ``null``, as in a file saved from Yahoo Finance. Returns the path.
    """
    frame, _ = simulate_index_prices(**options)
    out = frame.copy()
    out["Volume"] = out["Volume"].map(lambda v: "null" if pd.isna(v) else str(int(v)))
    path = Path(path)
    out.reset_index().to_csv(
        path, index=False, float_format="%.6f", na_rep="null", date_format="%Y-%m-%d"
    )
    return path
