"""Plots for weather series and their forecasts: cycle, lagged correlations, fan chart, reliability.

Examples
--------
>>> import numpy as np, pandas as pd
>>> index = pd.date_range("2020-01-01", periods=800, freq="D")
>>> frame = pd.DataFrame({"t": np.sin(np.arange(800) / 58.0), "w": np.arange(800.0)}, index)
>>> table = lagged_correlations(frame, "t", max_lag=3)
>>> table.shape, list(table.columns)
((4, 1), ['w'])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import DataError, InputError
from tslib.plots.style import COLORS, new_axes

__all__ = [
    "lagged_correlations",
    "plot_lagged_correlations",
    "plot_seasonal_cycle",
    "plot_fan_chart",
    "plot_reliability",
]


def lagged_correlations(frame: pd.DataFrame, target: str, max_lag: int) -> pd.DataFrame:
    """Correlation of each other column at time t with ``target`` at t + lag.

    Returns a frame indexed by ``lag`` = 0..max_lag with one column per other
    numeric column. A positive lag means the variable leads the target.
    """
    if target not in frame.columns:
        raise DataError(f"lagged_correlations: no column {target!r}")
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 0:
        raise InputError(f"lagged_correlations: max_lag must be an int >= 0, got {max_lag!r}")
    others = [c for c in frame.columns if c != target and pd.api.types.is_numeric_dtype(frame[c])]
    future = {lag: frame[target].shift(-lag) for lag in range(max_lag + 1)}
    rows = {lag: {c: frame[c].corr(ahead) for c in others} for lag, ahead in future.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=others).rename_axis("lag")


def plot_lagged_correlations(
    frame: pd.DataFrame, target: str, max_lag: int, ax: Axes | None = None
) -> Axes:
    """One line per variable: corr(variable_t, target_{t + lag}) against the lag."""
    table = lagged_correlations(frame, target, max_lag)
    ax = new_axes(ax)
    for column in table.columns:
        ax.plot(table.index, table[column], marker=".", label=column)
    ax.axhline(0.0, color=COLORS["threshold"], linewidth=0.8)
    ax.set_xlabel(f"lag (steps the variable leads {target})")
    ax.set_ylabel("correlation")
    if len(table.columns):
        ax.legend(loc="best")
    return ax


def plot_seasonal_cycle(series: pd.Series, ax: Axes | None = None) -> Axes:
    """Mean and +/- one standard deviation by hour of day (sub-daily data) or day of year."""
    if not isinstance(series.index, pd.DatetimeIndex) or len(series) < 2:
        raise DataError("plot_seasonal_cycle: need a Series with a DatetimeIndex (>= 2 rows)")
    step = pd.Series(series.index).diff().median()
    hourly = step < pd.Timedelta(days=1)
    key = series.index.hour if hourly else series.index.day_of_year
    stats = series.groupby(key).agg(["mean", "std"])
    ax = new_axes(ax)
    ax.plot(stats.index, stats["mean"], color=COLORS["observed"], label="mean")
    ax.fill_between(
        stats.index,
        stats["mean"] - stats["std"],
        stats["mean"] + stats["std"],
        color=COLORS["observed"],
        alpha=0.2,
        label="+/- 1 std",
    )
    ax.set_xlabel("hour of day" if hourly else "day of year")
    ax.set_ylabel(str(series.name))
    ax.legend(loc="best")
    return ax


def plot_fan_chart(
    scored: pd.DataFrame,
    model: str,
    start: object,
    end: object,
    ax: Axes | None = None,
    *,
    levels: tuple[str, ...] = ("95", "80"),
    others: tuple[str, ...] = (),
    ylabel: str = "value",
) -> Axes:
    """Truth, one model's forecast and its nested intervals over ``[start, end]``.

    Parameters
    ----------
    scored : pandas.DataFrame
        Rows of one horizon of ``ts.backtest(..., interval=c, levels=(...))`` (the
        Gaussian columns of :func:`~tslib.evaluate.probabilistic.gaussian_columns`).
    model : str
        Model whose intervals are drawn.
    start, end : timestamp-like
        Span of forecast timestamps to show.
    levels : tuple of str
        Interval columns ``lower_<level>`` / ``upper_<level>``, widest first.
    others : tuple of str
        Further models whose point forecasts are drawn as thin lines.
    ylabel : str
        The y-axis label: the variable and its unit, e.g. ``"T (degC)"``.
    """
    window = scored[(scored["timestamp"] >= start) & (scored["timestamp"] <= end)]
    mine = window[window["model"] == model].sort_values("timestamp")
    if mine.empty:
        raise InputError(f"plot_fan_chart: no rows of model {model!r} between {start} and {end}")
    ax = new_axes(ax)
    for alpha, level in zip((0.15, 0.3, 0.45), levels):
        ax.fill_between(
            mine["timestamp"],
            mine[f"lower_{level}"],
            mine[f"upper_{level}"],
            color=COLORS["interval"],
            alpha=alpha,
            label=f"{model} {level}%",
        )
    ax.plot(mine["timestamp"], mine["y_pred"], color=COLORS["forecast"], label=model)
    for name in others:
        other = window[window["model"] == name].sort_values("timestamp")
        ax.plot(other["timestamp"], other["y_pred"], linewidth=1.0, linestyle="--", label=name)
    ax.plot(mine["timestamp"], mine["y_true"], color=COLORS["truth"], marker=".", label="observed")
    ax.figure.autofmt_xdate()  # slanted dates that do not overlap
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_reliability(tables: Mapping[str, pd.DataFrame], ax: Axes | None = None) -> Axes:
    """Reliability diagram: observed frequency against mean forecast probability per bin.

    ``tables`` maps a model name to :func:`tslib.metrics.reliability_table` output;
    marker areas grow with the number of forecasts in the bin.
    """
    if not tables:
        raise InputError("plot_reliability: no tables")
    ax = new_axes(ax)
    ax.plot([0, 1], [0, 1], color=COLORS["threshold"], linestyle=":", label="perfectly reliable")
    for name, table in tables.items():
        sizes = 10.0 + 200.0 * table["n"] / max(float(table["n"].sum()), 1.0)
        ax.plot(table["predicted"], table["observed"], label=name)
        ax.scatter(table["predicted"], table["observed"], s=sizes)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.legend(loc="best")
    return ax
