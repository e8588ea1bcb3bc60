r"""Simulated road-traffic sensors with known ground truth (``traffic_sim``).

Generative model, for sensor :math:`s` at step :math:`t` (hour of day
:math:`\tau_t`, day of week :math:`d_t`; AR coefficients are per hour and become
:math:`\phi^{\Delta/1h}` per step of length :math:`\Delta`):

.. math::

    \text{daily}(\tau) &= 0.2 + e^{-(\tau-8)^2/(2\cdot1.5^2)} + 0.9\,e^{-(\tau-17)^2/(2\cdot2^2)}\\
    \text{weekly}(d) &= 1 \text{ (Mon-Fri)},\ 0.75 \text{ (Sat)},\ 0.6 \text{ (Sun)}\\
    H_t &= 1 - 0.35\,\text{holiday}_t \quad\text{(US federal holidays)}\\
    \text{wet}_t &\sim \text{Markov}_{\text{per step}}(P(\text{dry}\to\text{wet})=0.03,\ P(\text{wet}\to\text{wet})=0.8),
        \quad \text{rain}_t = \text{wet}_t\,\text{Exp}(\text{mean }1.5\text{ mm})\\
    \text{temp}_t &= 5 + 5\sin(2\pi(\tau_t-9)/24) + a_t,\quad a_t = 0.98\,a_{t-1} + 0.5\,\xi_t\\
    W_t &= \exp(-0.08\,\text{rain}_t - 0.01\max(0, -\text{temp}_t))\\
    \mu_{s,t} &= b_s\,\text{daily}(\tau_t)\,\text{weekly}(d_t)\,H_t\,W_t
        \qquad\text{(``baseline``)}\\
    f_t &= 0.9\,f_{t-1} + 0.05\,\eta_t \qquad\text{(shared latent ``factor``)}\\
    e_{s,t} &= 0.5\,e_{s,t-1} + 0.03\,\varepsilon_{s,t} \qquad\text{(AR(1) sensor noise)}\\
    I_{s,t} &= \textstyle\prod_k \bigl(1 - \delta_k e^{-(t-t_k)/\rho_k}\,[t \ge t_k,\ s = s_k]\bigr)
        \qquad\text{(``incident_effect``)}\\
    y^*_{s,t} &= \mu_{s,t}\,\exp(\lambda_s f_t + e_{s,t})\,I_{s,t} \qquad\text{(``clean``)}\\
    y_{s,t} &= y^*_{s,t} \text{ if } m_{s,t} \text{ else NaN},\quad m_{s,t} \sim
        \text{Bernoulli}(1 - \text{missing\_rate}),\ m_{s,t} = 0 \text{ during an outage}

with capacities :math:`b_s \sim U(400, 1200)` vehicles/hour, loadings
:math:`\lambda_s \sim U(0.7, 1.3)`, incident depths :math:`\delta_k \sim U(0.4, 0.8)`
and recovery times :math:`\rho_k \sim U(1, 4)` hours; :math:`\eta, \varepsilon, \xi`
are standard normal. ``n_outages`` sensor outages (a random sensor, start and
duration :math:`\sim U(\text{outage\_hours})`) blank whole stretches of
readings, the long gaps a real station has. The frame holds ``sensor_00 ..`` (targets, NaN where
missing) and the covariates ``rain_mm``, ``temp_c``, ``holiday``.

``truth`` keys: ``clean``, ``mask`` (True = observed), ``baseline``,
``incident_effect`` (frames like the sensors), ``factor`` (Series),
``incidents`` (frame: sensor, start, depth, recovery_hours), ``outages``
(frame: sensor, start, end: first and last hour without readings), ``capacity``,
``loadings`` (Series by sensor) and ``params`` (the constants above).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.holiday import USFederalHolidayCalendar

from tslib.datasets.base import DatasetInfo, LoadedDataset, register, reject_path
from tslib.errors import InputError

__all__ = ["traffic_sim", "daily_profile", "weekly_profile", "TRAFFIC_PARAMS"]

#: constants of the generative model (see the module docstring)
TRAFFIC_PARAMS = {
    "holiday_drop": 0.35,
    "rain_start_prob": 0.03,
    "rain_stay_prob": 0.8,
    "rain_mean_mm": 1.5,
    "rain_effect_per_mm": 0.08,
    "cold_effect_per_degc": 0.01,
    "factor_ar_per_hour": 0.9,
    "factor_std": 0.05,
    "noise_ar_per_hour": 0.5,
    "noise_std": 0.03,
    "temp_ar_per_hour": 0.98,
    "temp_std": 0.5,
}

TRAFFIC_SIM_INFO = DatasetInfo(
    name="traffic_sim",
    domain="traffic",
    kind="simulated",
    frequency="h",
    targets=(),
    units={"rain_mm": "mm", "temp_c": "degC"},
    source="tslib.datasets.traffic_sim (simulated)",
    licence="MIT (generated data)",
    citation="tslib traffic simulator",
    description="Correlated road sensors: shared latent factor, AR(1) noise, daily/weekly "
    "seasonality, holidays, rain/temperature effects, incidents and missing readings.",
)


def daily_profile(hour: np.ndarray) -> np.ndarray:
    """Daily shape: a morning (8 h) and an evening (17 h) rush hour on a floor of 0.2."""
    return (
        0.2
        + np.exp(-((hour - 8.0) ** 2) / (2 * 1.5**2))
        + 0.9 * np.exp(-((hour - 17.0) ** 2) / (2 * 2.0**2))
    )


def weekly_profile(day_of_week: np.ndarray) -> np.ndarray:
    """1 on weekdays, 0.75 on Saturday, 0.6 on Sunday (``day_of_week``: Monday = 0)."""
    return np.select([day_of_week == 5, day_of_week == 6], [0.75, 0.6], 1.0)


@register(TRAFFIC_SIM_INFO)
def traffic_sim(
    n_sensors: int = 6,
    days: int = 28,
    freq: str = "h",
    seed: int = 0,
    *,
    start: str = "2024-01-01",
    missing_rate: float = 0.02,
    n_incidents: int = 3,
    n_outages: int = 0,
    outage_hours: tuple[float, float] = (30.0, 96.0),
    path: str | Path | None = None,
) -> LoadedDataset:
    """Simulate ``n_sensors`` road sensors for ``days`` days (model in the module docstring).

    Parameters
    ----------
    n_sensors : int
        Number of sensors.
    days : int
        Length in days.
    freq : str
        pandas offset alias of the step, dividing one hour or a multiple of it ("h", "15min").
    seed : int
        Seed; the same seed gives the same data.
    start : str
        First timestamp.
    missing_rate : float
        Probability that one reading is missing.
    n_incidents : int
        Number of incidents (each on one random sensor).
    n_outages : int
        Number of sensor outages (each on one random sensor): no reading at all
        for a duration drawn uniformly from ``outage_hours``.
    outage_hours : tuple of float
        ``(shortest, longest)`` outage in hours.
    path : None
        Not used (simulators read no files).
    """
    reject_path(TRAFFIC_SIM_INFO.name, path)
    if n_sensors < 1 or days < 1 or not 0 <= missing_rate < 1 or min(n_incidents, n_outages) < 0:
        raise InputError(
            "traffic_sim: need n_sensors >= 1, days >= 1, 0 <= missing_rate < 1, "
            "n_incidents >= 0 and n_outages >= 0"
        )
    if not 0 < outage_hours[0] <= outage_hours[1]:
        raise InputError(f"traffic_sim: outage_hours must be 0 < low <= high, got {outage_hours}")
    p = TRAFFIC_PARAMS
    rng = np.random.default_rng(seed)
    try:
        step_hours = pd.Timedelta(to_offset(freq)) / pd.Timedelta("1h")
    except ValueError as error:
        raise InputError(
            f"traffic_sim: freq must be a fixed step like 'h' or '15min', got {freq!r}"
        ) from error
    steps = int(round(days * 24 / step_hours))
    index = pd.date_range(start, periods=steps, freq=freq, name="time")
    hours = index.hour.to_numpy() + index.minute.to_numpy() / 60.0  # (T,)
    holidays = USFederalHolidayCalendar().holidays(index[0].normalize(), index[-1])
    holiday = index.normalize().isin(holidays).astype(np.int64)  # (T,)

    wet = np.zeros(steps, dtype=bool)
    draws = rng.random(steps)
    for t in range(1, steps):
        wet[t] = draws[t] < (p["rain_stay_prob"] if wet[t - 1] else p["rain_start_prob"])
    rain = wet * rng.exponential(p["rain_mean_mm"], steps)  # (T,)
    anomaly = _ar1(rng.standard_normal(steps) * p["temp_std"], p["temp_ar_per_hour"] ** step_hours)
    temp = 5.0 + 5.0 * np.sin(2 * np.pi * (hours - 9.0) / 24.0) + anomaly  # (T,)
    weather = np.exp(
        -p["rain_effect_per_mm"] * rain - p["cold_effect_per_degc"] * np.maximum(0.0, -temp)
    )

    capacity = rng.uniform(400.0, 1200.0, n_sensors)  # (S,)
    loadings = rng.uniform(0.7, 1.3, n_sensors)  # (S,)
    shape = (
        daily_profile(hours)
        * weekly_profile(index.day_of_week.to_numpy())
        * (1.0 - p["holiday_drop"] * holiday)
        * weather
    )  # (T,)
    baseline = shape[:, None] * capacity[None, :]  # (T, S)
    factor = _ar1(
        rng.standard_normal(steps) * p["factor_std"], p["factor_ar_per_hour"] ** step_hours
    )
    noise = _ar1(
        rng.standard_normal((steps, n_sensors)) * p["noise_std"],
        p["noise_ar_per_hour"] ** step_hours,
    )  # (T, S)

    incidents = pd.DataFrame(
        {
            "sensor": rng.integers(0, n_sensors, n_incidents),
            "start": index[rng.integers(0, steps, n_incidents)],
            "depth": rng.uniform(0.4, 0.8, n_incidents),
            "recovery_hours": rng.uniform(1.0, 4.0, n_incidents),
        }
    )
    effect = np.ones((steps, n_sensors))  # (T, S)
    elapsed_hours = (
        index.to_numpy()[:, None] - incidents["start"].to_numpy()[None, :]
    ) / np.timedelta64(1, "h")  # (T, K)
    columns = zip(incidents["sensor"], incidents["depth"], incidents["recovery_hours"])
    for k, (sensor, depth, recovery) in enumerate(columns):
        since = elapsed_hours[:, k]  # (T,)
        drop = np.where(since >= 0, depth * np.exp(-np.maximum(since, 0.0) / recovery), 0.0)
        effect[:, sensor] *= 1.0 - drop

    clean = baseline * np.exp(loadings[None, :] * factor[:, None] + noise) * effect  # (T, S)
    observed_mask = rng.random((steps, n_sensors)) >= missing_rate  # (T, S)
    names = [f"sensor_{s:02d}" for s in range(n_sensors)]
    outages = _outages(rng, index, n_outages, n_sensors, outage_hours, step_hours)
    for sensor, first, last in zip(outages["sensor"], outages["first_row"], outages["last_row"]):
        observed_mask[first : last + 1, sensor] = False
    outages = pd.DataFrame(
        {
            "sensor": [names[s] for s in outages["sensor"]],
            "start": index[outages["first_row"]],
            "end": index[outages["last_row"]],
        }
    )
    incidents["sensor"] = [names[s] for s in incidents["sensor"]]

    def as_frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=names)

    frame = as_frame(np.where(observed_mask, clean, np.nan))
    frame["rain_mm"] = rain
    frame["temp_c"] = temp
    frame["holiday"] = holiday
    truth = {
        "clean": as_frame(clean),
        "mask": as_frame(observed_mask),
        "baseline": as_frame(baseline),
        "incident_effect": as_frame(effect),
        "factor": pd.Series(factor, index=index, name="factor"),
        "incidents": incidents.sort_values("start", kind="stable").reset_index(drop=True),
        "outages": outages.sort_values("start", kind="stable").reset_index(drop=True),
        "capacity": pd.Series(capacity, index=names, name="capacity"),
        "loadings": pd.Series(loadings, index=names, name="loadings"),
        "params": dict(p),
    }
    meta = dataclasses.replace(TRAFFIC_SIM_INFO, targets=tuple(names), frequency=freq)
    return LoadedDataset(frame=frame, info=meta, truth=truth)


def _outages(
    rng: np.random.Generator,
    index: pd.DatetimeIndex,
    count: int,
    n_sensors: int,
    hours: tuple[float, float],
    step_hours: float,
) -> dict[str, np.ndarray]:
    """Random outages: sensor, first and last row (inclusive), drawn after everything else."""
    sensors = rng.integers(0, n_sensors, count)
    lengths = np.maximum(1, np.round(rng.uniform(*hours, count) / step_hours)).astype(np.int64)
    firsts = rng.integers(0, len(index), count)
    lasts = np.minimum(firsts + lengths - 1, len(index) - 1)
    return {"sensor": sensors, "first_row": firsts, "last_row": lasts}


def _ar1(innovations: np.ndarray, phi: float) -> np.ndarray:
    """x_t = phi x_{t-1} + innovations_t along axis 0, from x_{-1} = 0."""
    from scipy.signal import lfilter  # imported here: scipy.signal is slow to import

    return lfilter([1.0], [1.0, -phi], innovations, axis=0)
