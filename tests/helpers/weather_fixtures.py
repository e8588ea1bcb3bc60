"""Synthetic weather station files in the layouts notebook 02 must read (values generated, seeded).

* :func:`write_daily_univariate`: a ``date`` column (ISO dates) and one value column,
  with a few days missing (rows absent, one of them in the last fifth: a test target
  the notebook must fill but never score);
* :func:`write_hourly_multivariate`: a ``time`` column (``YYYY-MM-DD HH:MM:SS``) and
  temperature, humidity, wind and a zero-inflated ``rain_mm`` column, with a few
  missing hours (one run of three);
* :func:`write_jena_like`: the Jena climate layout (GUIDE section 5): the quoted header
  ``"Date Time","p (mbar)",...``, ``dd.mm.yyyy HH:MM:SS`` times every 10 minutes
  starting at 00:10, the 14 numeric columns written with two decimals, ``-9999.00``
  sentinels in the wind speeds, one day repeated as an exact block right after itself
  and a few missing readings.

Each writer returns the path and a dict of facts the tests check against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets.jena import JENA_COLUMNS

__all__ = ["write_daily_univariate", "write_hourly_multivariate", "write_jena_like"]


def _annual(index: pd.DatetimeIndex) -> np.ndarray:
    return np.sin(2 * np.pi * (index.day_of_year.to_numpy() - 110) / 365.25)


def _ar1(rng: np.random.Generator, n: int, rho: float, scale: float) -> np.ndarray:
    noise = rng.normal(scale=scale, size=n)
    out = np.zeros(n)
    for t in range(1, n):
        out[t] = rho * out[t - 1] + noise[t]
    return out


def write_daily_univariate(path: Path, days: int = 1300, seed: int = 0) -> tuple[Path, dict]:
    """A daily mean-temperature file: ``date,tavg`` with five missing days."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2016-01-01", periods=days, freq="D")
    tavg = 11.0 + 8.0 * _annual(index) + _ar1(rng, days, 0.7, 1.6)
    missing = [40, 41, 400, 777, days - 100]  # the last one lies in the test span
    frame = pd.DataFrame({"date": index.strftime("%Y-%m-%d"), "tavg": tavg.round(1)})
    frame = frame.drop(index=missing)
    frame.to_csv(path, index=False)
    return path, {"rows": days, "missing": missing, "target": "tavg"}


def write_hourly_multivariate(path: Path, days: int = 60, seed: int = 1) -> tuple[Path, dict]:
    """An hourly station file: ``time,temp,humidity,wind,rain_mm`` with four missing hours."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-03-01", periods=24 * days, freq="h")
    hour = index.hour.to_numpy()
    daily = np.sin(2 * np.pi * (hour - 9) / 24)
    weather = _ar1(rng, len(index), 0.97, 0.35)
    temp = 8.0 + 0.1 * np.arange(len(index)) / 24 + 4.0 * daily + weather
    humidity = np.clip(70 - 8 * daily - 4 * weather + rng.normal(scale=3, size=len(index)), 5, 100)
    wind = np.abs(3 + _ar1(rng, len(index), 0.9, 0.5))
    wet = _ar1(rng, len(index), 0.95, 0.3) + 0.4 * (humidity - 70) / 10
    rain = np.where(wet > 0.5, rng.gamma(0.6, 1.5, size=len(index)), 0.0)
    frame = pd.DataFrame(
        {
            "time": index.strftime("%Y-%m-%d %H:%M:%S"),
            "temp": temp.round(2),
            "humidity": humidity.round(1),
            "wind": wind.round(2),
            "rain_mm": rain.round(1),
        }
    )
    missing = [100, 101, 102, 24 * days - 50]
    frame.drop(index=missing).to_csv(path, index=False)
    return path, {"rows": len(index), "missing": missing, "target": "temp"}


def write_jena_like(path: Path, days: int = 40, seed: int = 2) -> tuple[Path, dict]:
    """A Jena-format CSV of ``days`` days (10-minute rows) with the file's quirks."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2016-03-01 00:10", periods=144 * days, freq="10min")
    n = len(index)
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60
    temp = 6.0 + 5.0 * np.sin(2 * np.pi * (hour - 9) / 24) + _ar1(rng, n, 0.995, 0.08)
    pressure = 990 + _ar1(rng, n, 0.999, 0.05)
    humidity = np.clip(75 - 3 * (temp - 6) + rng.normal(scale=2, size=n), 10, 100)
    wind = np.abs(2 + _ar1(rng, n, 0.98, 0.2))
    values = {
        "p (mbar)": pressure,
        "T (degC)": temp,
        "Tpot (K)": temp + 273.15 + (1000 - pressure) * 0.08,
        "Tdew (degC)": temp - (100 - humidity) / 5,
        "rh (%)": humidity,
        "VPmax (mbar)": 6.1 * np.exp(0.07 * temp),
        "VPact (mbar)": 6.1 * np.exp(0.07 * temp) * humidity / 100,
        "VPdef (mbar)": 6.1 * np.exp(0.07 * temp) * (1 - humidity / 100),
        "sh (g/kg)": 4 + 0.2 * temp,
        "H2OC (mmol/mol)": 6.5 + 0.3 * temp,
        "rho (g/m**3)": 1280 - 4 * temp,
        "wv (m/s)": wind,
        "max. wv (m/s)": wind * 1.8,
        "wd (deg)": rng.uniform(0, 360, size=n),
    }
    frame = pd.DataFrame({c: np.round(values[c], 2) for c in JENA_COLUMNS})
    frame.insert(0, "Date Time", index.strftime("%d.%m.%Y %H:%M:%S"))
    sentinel_rows = [500, 501, 2000]
    frame.loc[sentinel_rows, ["wv (m/s)", "max. wv (m/s)"]] = -9999.0
    repeated_day = frame.iloc[144 * 7 : 144 * 8]
    frame = pd.concat([frame.iloc[: 144 * 8], repeated_day, frame.iloc[144 * 8 :]])
    frame = frame.drop(index=list(range(3000, 3012)) + [4000])  # 2 h and one reading missing
    frame.to_csv(path, index=False, float_format="%.2f", quoting=0)
    header = ",".join(f'"{c}"' for c in frame.columns)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([header, *lines[1:]]) + "\n")
    return path, {"rows_10min": n, "repeated_day_rows": 144, "sentinel_rows": sentinel_rows}
