"""Forecast plots: history, forecast and its prediction interval on one time axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_forecast", "as_xy"]


def as_xy(values: object, name: str, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of a 1-D series: a Series' index, else positions ``start, start + 1, ...``."""
    if isinstance(values, pd.Series):
        return values.index.to_numpy(), values.to_numpy(dtype=np.float64)
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {array.shape}")
    return np.arange(start, start + array.size), array


def plot_forecast(
    history: object,
    forecast: object,
    lower: object | None = None,
    upper: object | None = None,
    ax: Axes | None = None,
    *,
    actual: object | None = None,
    label: str = "forecast",
    xlabel: str = "time",
    ylabel: str = "value",
) -> Axes:
    """Plot the observed history, a forecast, its interval and (optionally) what happened.

    Parameters
    ----------
    history : array_like or pandas.Series
        Observations up to the origin. Arrays sit at positions 0..n-1.
    forecast : array_like or pandas.Series
        Forecast values; arrays continue the history's positions (n, n+1, ...).
    lower, upper : array_like, optional
        Interval bounds aligned with ``forecast`` (both or neither).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.
    actual : array_like or pandas.Series, optional
        Realised values over the forecast horizon, aligned with ``forecast``.
    label : str
        Legend label of the forecast.
    xlabel, ylabel : str
        Axis labels, with units where there are any (e.g. ``"vehicles per hour"``).

    Returns
    -------
    matplotlib.axes.Axes
        Lines: history, forecast (and actual); one filled band for the interval.
    """
    if (lower is None) != (upper is None):
        raise InputError("plot_forecast: give both lower and upper, or neither")
    x_hist, y_hist = as_xy(history, "history")
    x_fc, y_fc = as_xy(forecast, "forecast", start=y_hist.size)
    ax = new_axes(ax)
    ax.plot(x_hist, y_hist, color=COLORS["observed"], label="observed")
    ax.plot(x_fc, y_fc, color=COLORS["forecast"], label=label)
    if lower is not None:
        low = np.asarray(lower, dtype=np.float64)
        high = np.asarray(upper, dtype=np.float64)
        if low.shape != y_fc.shape or high.shape != y_fc.shape:
            raise InputError(
                f"plot_forecast: lower {low.shape} and upper {high.shape} must match "
                f"forecast {y_fc.shape}"
            )
        ax.fill_between(x_fc, low, high, color=COLORS["interval"], alpha=0.25, label="interval")
    if actual is not None:
        y_actual = np.asarray(actual, dtype=np.float64)
        if y_actual.shape != y_fc.shape:
            raise InputError(
                f"plot_forecast: actual {y_actual.shape} must match forecast {y_fc.shape}"
            )
        ax.plot(x_fc, y_actual, color=COLORS["truth"], linestyle="--", label="actual")
    ax.axvline(x_hist[-1], color=COLORS["threshold"], linewidth=0.8, linestyle=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    return ax
