"""Plots of sensor networks (road traffic): a week and the weekly profile, weather response,
the gap map, error by hour of day and forecasts over a test week.

Every function draws on a new figure and returns its Axes; both axes are labelled,
and a plot with more than one series has a legend.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from tslib.preprocess.gaps import GapPlan

__all__ = [
    "plot_week_and_profile",
    "plot_weather_response",
    "plot_gap_map",
    "plot_error_by_hour",
    "plot_forecast_week",
]

_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def plot_week_and_profile(
    frame: pd.DataFrame, sensors: Sequence[str], stop: int, week_rows: int, unit: str
) -> np.ndarray:
    """The week before row ``stop`` (up to three sensors) and the first sensor's
    mean volume by weekday and hour."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    week = frame.iloc[max(stop - week_rows, 0) : stop]
    for s in sensors[:3]:
        axes[0].plot(week.index, week[s], linewidth=0.9, label=s)
    axes[0].set_title("the week before the test span")
    axes[0].tick_params(axis="x", rotation=30)
    axes[0].set_xlabel("time")
    axes[0].set_ylabel(f"volume ({unit})")
    axes[0].legend(fontsize=8)
    first = sensors[0]
    profile = frame[first].groupby([frame.index.day_of_week, frame.index.hour]).mean().unstack()
    image = axes[1].imshow(profile.to_numpy(), aspect="auto", cmap="viridis")
    axes[1].set_yticks(range(len(profile)), [_WEEKDAYS[d] for d in profile.index])
    axes[1].set_xlabel("hour of day")
    axes[1].set_ylabel("weekday")
    axes[1].set_title(f"{first}: mean volume by weekday and hour")
    axes[1].grid(False)
    fig.colorbar(image, ax=axes[1], label=f"mean volume ({unit})")
    fig.tight_layout()
    return axes


def _rain_labels(index: pd.Index) -> list[str]:
    labels = []
    for interval in index:
        if interval.right == 0:
            labels.append("dry")
        elif np.isfinite(interval.right):
            labels.append(f"up to {interval.right:.2g}")
        else:
            labels.append(f"over {interval.left:.2g}")
    return labels


def plot_weather_response(
    frame: pd.DataFrame,
    sensors: Sequence[str],
    weather: Sequence[str],
    units: Mapping[str, str],
    unit: str,
) -> np.ndarray | None:
    """Mean weekday-daytime (07-18 h) volume over the sensors against temperature deciles
    and rain classes (dry, then terciles of the wet hours).

    The temperature and rain columns are the first of ``weather`` whose name contains
    "temp" and "rain"; with neither, nothing is drawn and None is returned.
    """
    temperature = next((c for c in weather if "temp" in c.lower()), None)
    rain = next((c for c in weather if "rain" in c.lower()), None)
    if temperature is None and rain is None:
        return None
    daytime = frame.index.hour.isin(range(7, 19)) & (frame.index.day_of_week < 5)
    volume = frame.loc[daytime, list(sensors)].mean(axis=1)  # mean over sensors
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
    ylabel = f"mean volume, weekdays 07-18 h ({unit})"
    if temperature is not None:
        values = frame.loc[daytime, temperature]
        bins = pd.qcut(values, 10, duplicates="drop")
        axes[0].plot(
            values.groupby(bins, observed=True).median(),
            volume.groupby(bins, observed=True).mean(),
            "o-",
        )
        axes[0].set_xlabel(f"{temperature} ({units.get(temperature, '')}), decile medians")
        axes[0].set_ylabel(ylabel)
        axes[0].set_title("volume against temperature")
    if rain is not None:
        values = frame.loc[daytime, rain]
        wet = values[values > 0]
        edges = (
            [-np.inf, 0.0, *wet.quantile([1 / 3, 2 / 3]).tolist(), np.inf]
            if len(wet) >= 3
            else [-np.inf, 0.0, np.inf]
        )
        means = volume.groupby(pd.cut(values, sorted(set(edges))), observed=True).mean()
        axes[1].bar(_rain_labels(means.index), means.to_numpy(), color="C3")
        axes[1].set_ylim(means.min() * 0.9, means.max() * 1.05)
        axes[1].set_xlabel(f"{rain} ({units.get(rain, '')}) in the hour")
        axes[1].set_ylabel(ylabel)
        axes[1].set_title("volume against rain")
    fig.tight_layout()
    return axes


def plot_gap_map(
    plans: Mapping[Hashable, GapPlan], index: pd.DatetimeIndex, test_start: int | None = None
) -> plt.Axes:
    """One row per stream: observed (grey), imputed (orange), offline (red) hours."""
    names = list(plans)
    state = np.stack(
        [np.where(plans[s].observed, 0, np.where(plans[s].imputed, 1, 2)) for s in names]
    )  # (S, T)
    fig, ax = plt.subplots(figsize=(13, 0.5 + 0.4 * len(names)))
    colors = {"observed": "0.85", "imputed (short gap)": "orange", "offline (long gap)": "red"}
    ax.imshow(
        state,
        aspect="auto",
        cmap=ListedColormap(list(colors.values())),
        vmin=0,
        vmax=2,
        interpolation="nearest",
    )
    ax.set_yticks(range(len(names)), names)
    ticks = np.linspace(0, len(index) - 1, 6).astype(int)
    ax.set_xticks(ticks, [str(index[t].date()) for t in ticks])
    if test_start is not None:
        ax.axvline(test_start, color="k", linewidth=1, label="test start")
    ax.grid(False)
    ax.set_title("gap map")
    ax.set_xlabel("date")
    ax.set_ylabel("sensor")
    handles = [Patch(color=color, label=kind) for kind, color in colors.items()]
    ax.legend(
        handles=[*handles, *ax.get_legend_handles_labels()[0]],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize="small",
    )
    return ax


def plot_error_by_hour(
    results: pd.DataFrame, models: Sequence[str], horizon: object, unit: str
) -> plt.Axes:
    """MAE at one horizon by the hour of day of the target, one line per model."""
    at = results[results["horizon"] == horizon]
    hour = pd.DatetimeIndex(at["timestamp"]).hour
    error = (at["y_true"] - at["y_pred"]).abs()
    by_hour = error.groupby([hour, at["model"].to_numpy()]).mean().unstack()
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for name in dict.fromkeys(models):
        ax.plot(by_hour.index, by_hour[name], marker="o", markersize=3, label=name)
    ax.set_xlabel("hour of day of the target")
    ax.set_ylabel(f"MAE ({unit})")
    ax.set_title(f"{horizon}-hour-ahead MAE by hour of day")
    ax.legend()
    return ax


def plot_forecast_week(
    results: pd.DataFrame,
    stream: Hashable,
    models: Sequence[str],
    horizons: Sequence[object],
    start: pd.Timestamp,
    unit: str,
) -> np.ndarray:
    """Observations and forecasts of one stream over the week from ``start``, one panel
    per horizon (each point is the forecast made that horizon before it)."""
    shown = results[(results["stream"] == stream) & results["model"].isin(models)]
    shown = shown[(shown["timestamp"] >= start) & (shown["timestamp"] < start + pd.Timedelta("7D"))]
    fig, axes = plt.subplots(1, len(horizons), figsize=(7 * len(horizons), 3.8), sharey=True)
    for ax, horizon in zip(np.atleast_1d(axes), horizons):
        part = shown[shown["horizon"] == horizon]
        truth = part.drop_duplicates("timestamp").sort_values("timestamp")
        ax.plot(truth["timestamp"], truth["y_true"], color="k", linewidth=1, label="observed")
        for name in dict.fromkeys(models):
            line = part[part["model"] == name].sort_values("timestamp")
            ax.plot(line["timestamp"], line["y_pred"], linewidth=1, label=name)
        ax.set_title(f"{stream}: {horizon} h ahead")
        ax.tick_params(axis="x", rotation=30)
        ax.set_xlabel("time of the target")
        ax.legend()
    np.atleast_1d(axes)[0].set_ylabel(f"volume ({unit})")
    fig.tight_layout()
    return axes
