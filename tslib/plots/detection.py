"""Detection timelines: the monitored signal, the alarms and the true fault onsets, for one
signal or for several detectors of one unit side by side."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.forecast import as_xy
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_detection_timeline", "plot_detection_panels"]


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


def plot_detection_panels(
    signals: Mapping[str, pd.Series],
    alarms: Mapping[str, Sequence[object]],
    events: object,
    ylabels: Mapping[str, str],
    unit: Hashable | None = None,
) -> np.ndarray:
    """One detection timeline per detector, side by side, for one unit of a fleet.

    Parameters
    ----------
    signals : mapping
        Detector -> the series it reads, indexed by ``(unit, cycle)`` (units in order).
    alarms : mapping
        Detector -> one boolean alarm array per unit, in the units' order.
    events : array_like, shape (n_units,)
        Position of each unit's event among its cycles (``inf``: none), drawn as a
        dashed line at the event's cycle.
    ylabels : mapping
        Detector -> y-axis label (what its signal is, with its unit).
    unit : hashable, optional
        The unit shown; default: the longest unit of the first detector.

    Returns
    -------
    numpy.ndarray
        One Axes per detector (:func:`plot_detection_timeline`), sharing the cycle axis.

    Raises
    ------
    InputError
        Detectors missing from ``alarms`` or ``ylabels``, or an unknown ``unit``.
    """
    missing = [name for name in signals if name not in alarms or name not in ylabels]
    if not signals or missing:
        raise InputError(f"plot_detection_panels: alarms and ylabels lack detectors {missing}")
    first = next(iter(signals))
    units = list(signals[first].index.get_level_values(0).unique())
    if unit is None:
        unit = units[int(np.argmax([len(mask) for mask in alarms[first]]))]
    if unit not in units:
        raise InputError(f"plot_detection_panels: unit {unit!r} is not in the signals")
    position = units.index(unit)
    event = np.asarray(events, dtype=float)[position]
    cycles = signals[first].loc[unit].index.to_numpy()
    event_cycle = [cycles[0] + event] if np.isfinite(event) else []
    _, axes = plt.subplots(1, len(signals), figsize=(5 * len(signals), 3.5), sharex=True)
    for ax, (name, signal) in zip(np.atleast_1d(axes), signals.items()):
        plot_detection_timeline(signal.loc[unit], alarms[name][position], event_cycle, ax=ax)
        ax.set(xlabel="cycle", ylabel=ylabels[name], title=f"unit {unit}: {name}")
    plt.tight_layout()
    return np.atleast_1d(axes)
