"""Sensor screening for a fleet of run-to-failure units, in one three-panel figure.

Before modelling remaining useful life one asks three things of the sensors:
how do the informative ones move as units wear (a few trajectories), how strongly
does each follow the RUL (Spearman correlation), and which never move and can be
dropped (each sensor's largest range within one operating condition, on a log
scale, against the tolerance). :func:`plot_sensor_screen` draws the three side by
side.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from tslib.errors import InputError

__all__ = ["plot_sensor_screen"]


def plot_sensor_screen(
    scaled: pd.DataFrame,
    raw: pd.DataFrame,
    rul: pd.Series,
    *,
    dropped: Sequence[str],
    conditions: object,
    tol: float,
    n_units: int = 4,
    n_sensors: int = 3,
    smooth: int = 5,
) -> np.ndarray:
    """Trajectories, RUL correlations and within-condition ranges of the sensors.

    Parameters
    ----------
    scaled : pandas.DataFrame
        Scaled sensors of the training rows, indexed by ``(unit, cycle)``; every
        column of ``raw`` not in ``dropped`` is read from it.
    raw : pandas.DataFrame
        The same rows' raw sensor readings, one column per sensor.
    rul : pandas.Series
        The (capped) RUL of the same rows.
    dropped : sequence of str
        Sensors found constant (drawn red).
    conditions : array_like
        Operating condition of each row (one label per row).
    tol : float
        Range at or below which a sensor counts as constant (dashed line).
    n_units, n_sensors : int
        Units drawn, and how many of the most RUL-correlated sensors.
    smooth : int
        Cycles of the trailing mean drawn for the trajectories.

    Returns
    -------
    numpy.ndarray
        The three Axes: trajectories, correlations, ranges.
    """
    sensors = list(raw.columns)
    kept = [s for s in sensors if s not in set(dropped)]
    if not kept or len(raw) != len(scaled) or len(rul) != len(scaled):
        raise InputError(
            "plot_sensor_screen: scaled, raw and rul must describe the same rows, "
            "with at least one sensor kept"
        )
    correlation = scaled[kept].corrwith(rul, method="spearman").sort_values()
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    units = scaled.index.get_level_values(0).unique()[:n_units]
    for k, sensor in enumerate(correlation.abs().sort_values().index[-n_sensors:]):
        for j, unit in enumerate(units):
            part = scaled.loc[unit, sensor]
            axes[0].plot(part.index, part.rolling(smooth, min_periods=1).mean(), lw=0.8,
                         color=f"C{k}", label=sensor if j == 0 else None)  # fmt: skip
    axes[0].set(title=f"{n_sensors} most RUL-correlated sensors, {len(units)} units "
                f"({smooth}-cycle mean)", xlabel="cycle", ylabel="scaled sensor value (sd)")  # fmt: skip
    axes[0].legend(fontsize="small")
    correlation.plot.barh(ax=axes[1], color="tab:blue")
    axes[1].set(
        title="Spearman correlation with capped RUL", xlabel="rho (no unit)", ylabel="sensor"
    )
    grouped = raw.groupby(np.asarray(conditions))
    spread = (grouped.max() - grouped.min()).max()  # each sensor's largest range within a condition
    colors = ["tab:red" if s in set(dropped) else "tab:blue" for s in sensors]
    axes[2].barh(sensors, spread.clip(lower=1e-4), color=colors, log=True)
    axes[2].axvline(tol, color="k", ls="--", lw=0.8, label="tolerance")
    axes[2].set(
        title="range within conditions", xlabel="max - min (raw sensor units)", ylabel="sensor"
    )
    handles = [
        Patch(color="tab:blue", label="kept"),
        Patch(color="tab:red", label="dropped (constant)"),
    ]
    axes[2].legend(handles=[*handles, *axes[2].get_legend_handles_labels()[0]], fontsize="small")
    fig.tight_layout()
    return axes
