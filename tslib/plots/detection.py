"""Detection timelines: the monitored signal, the alarms and the true fault onsets."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.forecast import as_xy
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_detection_timeline"]


def plot_detection_timeline(
    signal: object, alarms: object, fault_onsets: object, ax: Axes | None = None
) -> Axes:
    """Plot a signal with alarm markers and a dashed vertical line at each fault onset.

    Parameters
    ----------
    signal : array_like or pandas.Series
        Monitored signal or detector statistic (T,); times are a Series' index,
        else step positions.
    alarms : array_like
        A boolean mask (T,) of alarm steps, or the alarm times themselves.
    fault_onsets : array_like
        Times of the true fault onsets (same clock as the signal).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.

    Returns
    -------
    matplotlib.axes.Axes
        One line (the signal), one scatter (alarms, drawn on the signal) and one
        vertical line per onset.
    """
    x, values = as_xy(signal, "signal")
    flags = np.asarray(alarms)
    if flags.dtype == bool:
        if flags.shape != values.shape:
            raise InputError(f"alarms mask {flags.shape} must match the signal {values.shape}")
        positions = np.flatnonzero(flags)
    else:
        times = flags.ravel()
        positions = np.flatnonzero(np.isin(x, times))
        if positions.size != np.unique(times).size:
            raise InputError("alarm times must be times of the signal")
    ax = new_axes(ax)
    ax.plot(x, values, color=COLORS["observed"], linewidth=0.9, label="signal")
    ax.scatter(
        x[positions], values[positions], color=COLORS["alarm"], marker="v", zorder=3, label="alarm"
    )
    for number, onset in enumerate(np.atleast_1d(np.asarray(fault_onsets)).ravel()):
        ax.axvline(
            onset,
            color=COLORS["fault"],
            linestyle="--",
            label="fault onset" if number == 0 else None,
        )
    ax.set_xlabel("time")
    ax.set_ylabel("signal")
    ax.legend(loc="best")
    return ax
