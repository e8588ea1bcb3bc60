"""Write a synthetic CSV in the exact layout of the UCI Metro Interstate Traffic Volume file.

The values are generated (seeded), not copied, but every quirk of the real file
(GUIDE section 5 and the notes in ``tslib/datasets/metro.py``) is reproduced:

* the exact header ``holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,
  weather_description,date_time,traffic_volume`` and ``YYYY-MM-DD HH:MM:SS`` times;
* hourly rows with many gaps longer than an hour (the real file has 2,500+ in six
  years, mostly 1-3 missing hours), a few gaps of one to three days, and one gap
  of about ten months (2014-08-08 to 2015-06-11, as in the real file);
* repeated timestamps, one row per reported weather condition, with the same
  ``traffic_volume``; one repeat whose ``temp`` differs (301.01 vs 300.97 K) and
  one exact duplicate row;
* ``temp`` in kelvin with ``temp = 0.0`` glitches (February 2014, as in the real
  file) and one ``rain_1h = 9831.3`` outlier;
* the holiday name only on the midnight row of each holiday, the literal
  ``None`` on every other row;
* ``snow_1h`` non-zero only in the first winter and exactly 0.0 for more than a
  year afterwards (a covariate constant for a whole year);
* ``weather_description`` casing variants (``Sky is Clear`` next to ``sky is clear``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

__all__ = ["METRO_HEADER", "LONG_GAP", "write_metro_fixture"]

METRO_HEADER = (
    "holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,date_time,"
    "traffic_volume"
)
#: first and last missing hour of the ten-month gap
LONG_GAP = (pd.Timestamp("2014-08-08 02:00"), pd.Timestamp("2015-06-11 18:00"))
#: one-to-three-day outages (first missing hour, missing hours)
OUTAGES = [("2014-04-14 09:00", 40), ("2014-06-02 00:00", 30), ("2015-09-09 06:00", 52)]
_HOLIDAY_NAMES = {
    "New Year's Day": "New Years Day",
    "Birthday of Martin Luther King, Jr.": "Martin Luther King Jr Day",
    "Washington's Birthday": "Washingtons Birthday",
    "Memorial Day": "Memorial Day",
    "Independence Day": "Independence Day",
    "Labor Day": "Labor Day",
    "Columbus Day": "Columbus Day",
    "Veterans Day": "Veterans Day",
    "Thanksgiving Day": "Thanksgiving Day",
    "Christmas Day": "Christmas Day",
}
_CLOUDS = [1, 1, 20, 40, 75, 90, 90]
_DESCRIPTIONS = {
    "Clear": "sky is clear",
    "Clouds": "scattered clouds",
    "Rain": "light rain",
    "Snow": "light snow",
    "Mist": "mist",
    "Haze": "haze",
}


def _volume_profile(index: pd.DatetimeIndex, holiday_dates: set) -> np.ndarray:
    """Weekday rush hours at 7 h and 16 h, calm weekends and holidays (vehicles/hour)."""
    hour = index.hour.to_numpy() + 0.5
    weekday = index.day_of_week.to_numpy() < 5
    on_holiday = np.array([d in holiday_dates for d in index.date])
    work = (
        450
        + 5200 * np.exp(-((hour - 7.3) ** 2) / (2 * 1.1**2))
        + 4200 * np.exp(-((hour - 12.5) ** 2) / (2 * 3.5**2))
        + 1800 * np.exp(-((hour - 16.5) ** 2) / (2 * 1.3**2))
    )
    rest = 350 + 3600 * np.exp(-((hour - 14.0) ** 2) / (2 * 3.8**2))
    return np.where(weekday & ~on_holiday, work, rest)


def write_metro_fixture(
    path: str | Path,
    start: str = "2014-02-01 00:00",
    end: str = "2015-11-30 23:00",
    seed: int = 0,
) -> dict:
    """Write the fixture CSV to ``path`` and return facts the tests can check.

    Returns
    -------
    dict
        ``rows`` (data lines), ``hours`` (distinct timestamps), ``repeated_hours``,
        ``temp_zero_hours``, ``rain_outlier_at``, ``disagreeing_hour``,
        ``duplicate_row_at``, ``holidays`` (midnight rows named) and ``gap_hours``
        (the hours left out).
    """
    rng = np.random.default_rng(seed)
    grid = pd.date_range(start, end, freq="h")
    keep = np.ones(len(grid), dtype=bool)
    keep &= ~((grid >= LONG_GAP[0]) & (grid <= LONG_GAP[1]))
    for first, hours in OUTAGES:
        keep &= ~((grid >= pd.Timestamp(first)) & (grid < pd.Timestamp(first) + hours * grid.freq))
    t = 0
    while t < len(grid):  # short gaps: about one every 17 hours, 1-6 hours long
        if rng.random() < 0.06:
            length = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 6]))
            keep[t : t + length] = False
            t += length
        t += 1
    keep[[0, -1]] = True
    index = grid[keep]
    size = len(index)

    calendar = USFederalHolidayCalendar()
    holidays = calendar.holidays(grid[0].normalize(), grid[-1], return_name=True)
    holiday_dates = set(holidays.index.date)
    names = np.full(size, "None", dtype=object)
    for date, name in holidays.items():
        at = np.flatnonzero(index == date)  # the midnight row only
        if at.size:
            names[at[0]] = _HOLIDAY_NAMES.get(name, name)

    day_of_year = index.day_of_year.to_numpy()
    hour = index.hour.to_numpy()
    anomaly = np.cumsum(rng.normal(scale=0.4, size=size)) * 0.3
    anomaly -= np.convolve(anomaly, np.ones(200) / 200, mode="same")
    temp = (
        279.0
        - 15.0 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)
        + 4.0 * np.sin(2 * np.pi * (hour - 9) / 24)
        + anomaly
    )
    wet = rng.random(size) < 0.09
    cold = temp < 272.0
    winter = index < pd.Timestamp("2014-04-01")
    rain = np.where(wet & ~cold, np.round(rng.exponential(1.2, size), 2), 0.0)
    snow = np.where(wet & cold & winter, np.round(rng.exponential(0.4, size), 2), 0.0)
    clouds = np.where(wet, 90, rng.choice(_CLOUDS, size))
    main = np.where(
        rain > 0, "Rain", np.where(snow > 0, "Snow", np.where(clouds > 20, "Clouds", "Clear"))
    )
    misty = ~wet & (rng.random(size) < 0.04)
    main = np.where(misty, "Mist", main)

    weekly = _volume_profile(index, holiday_dates)
    noise = np.exp(rng.normal(scale=0.06, size=size))
    weather_effect = 1.0 - 0.02 * np.minimum(rain, 10.0) - 0.08 * np.minimum(snow, 3.0)
    volume = np.maximum(0, np.round(weekly * noise * weather_effect)).astype(np.int64)

    frame = pd.DataFrame(
        {
            "holiday": names,
            "temp": np.round(temp, 2),
            "rain_1h": rain,
            "snow_1h": snow,
            "clouds_all": clouds,
            "weather_main": main,
            "weather_description": [_DESCRIPTIONS[m] for m in main],
            "date_time": index.strftime("%Y-%m-%d %H:%M:%S"),
            "traffic_volume": volume,
        }
    )
    frame.loc[frame["weather_main"] == "Clouds", "weather_description"] = rng.choice(
        ["few clouds", "scattered clouds", "broken clouds", "overcast clouds"],
        int((frame["weather_main"] == "Clouds").sum()),
    )

    def row_at(timestamp: str) -> int:
        return int(np.flatnonzero(index == pd.Timestamp(timestamp))[0])

    zero_hours = ["2014-02-02 03:00", "2014-02-02 04:00", "2014-02-15 11:00", "2014-02-15 12:00"]
    zero_rows = [row_at(h) for h in zero_hours]
    frame.loc[zero_rows, "temp"] = 0.0
    outlier = row_at("2015-07-11 17:00")
    frame.loc[outlier, ["rain_1h", "weather_main", "weather_description"]] = [
        9831.3,
        "Rain",
        "very heavy rain",
    ]
    frame.loc[row_at("2015-08-13 00:00"), ["weather_main", "weather_description"]] = [
        "Clear",
        "Sky is Clear",
    ]

    # repeated hours: about 10% of the wet / misty hours get a second (or third) condition
    extra = []
    for row in np.flatnonzero((wet | misty) & (rng.random(size) < 0.5)):
        copy = frame.iloc[row].copy()
        copy["weather_main"], copy["weather_description"] = (
            ("Mist", "mist")
            if wet[row]
            else (
                "Haze",
                "haze",
            )
        )
        extra.append(copy)
        if rng.random() < 0.2:
            third = copy.copy()
            third["weather_main"], third["weather_description"] = "Fog", "fog"
            extra.append(third)
    disagreeing = row_at("2015-07-15 14:00")
    frame.loc[disagreeing, "temp"] = 301.01
    changed = frame.iloc[disagreeing].copy()
    changed["temp"] = 300.97
    extra.append(changed)
    duplicate = row_at("2015-11-29 19:00")
    extra.append(frame.iloc[duplicate].copy())
    full = pd.concat([frame, pd.DataFrame(extra)], ignore_index=False)
    full = full.sort_index(kind="stable").reset_index(drop=True)  # repeats follow their row

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    full.to_csv(path, index=False, lineterminator="\n")
    return {
        "rows": len(full),
        "hours": size,
        "repeated_hours": int(pd.Index(full["date_time"]).duplicated().sum()),
        "temp_zero_hours": [pd.Timestamp(h) for h in zero_hours],
        "rain_outlier_at": pd.Timestamp("2015-07-11 17:00"),
        "disagreeing_hour": pd.Timestamp("2015-07-15 14:00"),
        "duplicate_row_at": pd.Timestamp("2015-11-29 19:00"),
        "holidays": int((names != "None").sum()),
        "gap_hours": len(grid) - size,
    }
