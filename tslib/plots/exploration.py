"""The exploration figure of a forecasting notebook: seasonal cycles, autocorrelation, leads."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from statsmodels.graphics.tsaplots import plot_acf

from tslib.errors import InputError
from tslib.plots.weather import plot_lagged_correlations, plot_seasonal_cycle

__all__ = ["plot_exploration"]

#: Lag units named on the ACF axis.
_STEP_UNITS = {pd.Timedelta("1D"): "days", pd.Timedelta("1h"): "hours"}


def plot_exploration(
    cycles: Mapping[str, tuple[pd.Series, str]],
    history: pd.DataFrame,
    target: str,
    step: pd.Timedelta,
) -> np.ndarray:
    """One row of panels: each part's seasonal cycle, then the target's ACF and leads.

    Parameters
    ----------
    cycles : mapping
        Part name -> ``(target series before the test span, its axis label)``; one
        seasonal-cycle panel each (:func:`~tslib.plots.weather.plot_seasonal_cycle`).
    history : pandas.DataFrame
        The main part's variables before the test span (time-indexed).
    target : str
        Its target column: autocorrelation up to 30 days (72 steps below a daily step),
        and the correlation of every other variable at t with it at t + lag (up to 14
        lags; the panel is left empty when there is no other variable).
    step : pandas.Timedelta
        The grid step, for the lag axis.

    Returns
    -------
    numpy.ndarray
        The Axes, left to right.
    """
    if target not in history.columns:
        raise InputError(f"plot_exploration: history has no column {target!r}")
    _, axes = plt.subplots(1, len(cycles) + 2, figsize=(4.2 * (len(cycles) + 2), 3.2))
    for ax, (name, (series, label)) in zip(axes, cycles.items()):
        plot_seasonal_cycle(series, ax=ax)
        ax.set_ylabel(label)
        ax.set_title(f"{name}: cycle of {series.name}", fontsize="small")
    max_lag = 30 if step >= pd.Timedelta("1D") else 72
    plot_acf(history[target], lags=max_lag, ax=axes[-2])
    axes[-2].set_title(f"autocorrelation of {target}", fontsize="small")
    axes[-2].set_xlabel(f"lag ({_STEP_UNITS.get(step) or f'steps of {step}'})")
    axes[-2].set_ylabel("autocorrelation")
    if history.shape[1] > 1:
        plot_lagged_correlations(history, target, max_lag=min(max_lag, 14), ax=axes[-1])
        axes[-1].set_title("corr(variable at t, target at t + lag)", fontsize="small")
    else:
        axes[-1].set_axis_off()
    axes[0].figure.tight_layout()
    return axes
