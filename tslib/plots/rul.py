"""Remaining-useful-life plots: a trajectory over cycles, true against predicted, errors at
the last cycle of each unit, and trajectories of several units with an interval band."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.forecast import as_xy
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_rul", "plot_last_cycle_errors", "plot_unit_intervals"]


def plot_rul(
    true: object,
    pred: object,
    unit: str = "cycles",
    ax: Axes | None = None,
    *,
    kind: str = "trajectory",
) -> Axes:
    """Plot predicted against true remaining useful life.

    Parameters
    ----------
    true, pred : array_like or pandas.Series
        True and predicted RUL, same length.
    unit : str
        Time unit of the RUL, used in the axis labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.
    kind : {"trajectory", "scatter"}
        ``"trajectory"``: both over time for one engine (a Series' index, else
        positions). ``"scatter"``: one point per engine (e.g. the last test
        cycle of each) with the ``pred == true`` diagonal.

    Returns
    -------
    matplotlib.axes.Axes
        Trajectory: two lines (true, predicted). Scatter: one scatter and the
        diagonal. Both with a legend.
    """
    x, truth = as_xy(true, "true")
    _, predicted = as_xy(pred, "pred")
    if predicted.shape != truth.shape:
        raise InputError(f"plot_rul: pred {predicted.shape} and true {truth.shape} differ in shape")
    ax = new_axes(ax)
    if kind == "trajectory":
        ax.plot(x, truth, color=COLORS["truth"], label="true RUL")
        ax.plot(x, predicted, color=COLORS["forecast"], label="predicted RUL")
        ax.set_xlabel(f"time ({unit})")
        ax.set_ylabel(f"RUL ({unit})")
        ax.legend(loc="best")
    elif kind == "scatter":
        ax.scatter(truth, predicted, color=COLORS["forecast"], s=16, label="one engine")
        low = float(min(truth.min(), predicted.min()))
        high = float(max(truth.max(), predicted.max()))
        ax.plot(
            [low, high], [low, high], color=COLORS["threshold"], linestyle="--", label="pred = true"
        )
        ax.set_xlabel(f"true RUL ({unit})")
        ax.set_ylabel(f"predicted RUL ({unit})")
        ax.legend(loc="best")
    else:
        raise InputError(f"plot_rul: kind must be 'trajectory' or 'scatter', got {kind!r}")
    return ax


def plot_last_cycle_errors(
    predictions: pd.DataFrame, best: str, models: Sequence[str] | None = None, unit: str = "cycles"
) -> np.ndarray:
    """Two panels at the last cycle of each unit: ``best`` against the truth, every model's errors.

    Parameters
    ----------
    predictions : pandas.DataFrame
        A units backtest frame (``model``, ``last``, ``y_true``, ``y_pred``;
        :func:`tslib.backtest` on a unit frame).
    best : str
        The model of the scatter panel.
    models : sequence of str, optional
        Models of the error histograms (default: every model, in the frame's order).
    unit : str
        Time unit of the RUL.

    Returns
    -------
    numpy.ndarray
        The two Axes: the scatter (:func:`plot_rul` ``kind="scatter"``), and one step
        histogram of predicted - true per model, with a legend.
    """
    missing = [c for c in ("model", "last", "y_true", "y_pred") if c not in predictions.columns]
    if missing:
        raise InputError(f"plot_last_cycle_errors: predictions lack columns {missing}")
    last = predictions[predictions["last"].to_numpy(bool)]
    models = list(pd.unique(last["model"])) if models is None else list(models)
    unknown = [m for m in [best, *models] if m not in set(last["model"])]
    if unknown:
        raise InputError(f"plot_last_cycle_errors: no predictions of {unknown}")
    at_last = {m: last[last["model"] == m] for m in models + [best]}
    _, axes = plt.subplots(1, 2, figsize=(12, 4))
    plot_rul(
        at_last[best]["y_true"].to_numpy(),
        at_last[best]["y_pred"].to_numpy(),
        unit,
        ax=axes[0],
        kind="scatter",
    )
    axes[0].set_title(f"{best}: last test cycle against the true RUL")
    for m in models:
        errors = at_last[m]["y_pred"] - at_last[m]["y_true"]  # (U,) > 0: late
        axes[1].hist(errors, bins=20, histtype="step", label=m, lw=1.3)
    axes[1].axvline(0, color="k", lw=0.8)
    axes[1].set(
        xlabel=f"predicted - true RUL ({unit}; > 0 is late)",
        ylabel="units",
        title="Errors at the last cycle",
    )
    axes[1].legend()
    plt.tight_layout()
    return axes


def plot_unit_intervals(
    frame: pd.DataFrame,
    lower: object,
    upper: object,
    *,
    n_units: int = 6,
    cap: float | None = None,
    label: str = "interval",
) -> np.ndarray:
    """RUL trajectories of the longest units of one model, with an interval band.

    Parameters
    ----------
    frame : pandas.DataFrame
        One model's rows of a units backtest frame (``unit``, ``cycle``, ``y_true``,
        ``y_pred``), in order.
    lower, upper : array_like
        Interval bounds (N,), aligned with ``frame``'s rows.
    n_units : int
        The longest units shown, one panel each, three per row.
    cap : float, optional
        The RUL cap, drawn as a dotted horizontal line.
    label : str
        Legend label of the band (e.g. ``"90% conformal"``).

    Returns
    -------
    numpy.ndarray
        The panels' Axes (rows x 3); each has the true and predicted RUL, the band and a legend.
    """
    missing = [c for c in ("unit", "cycle", "y_true", "y_pred") if c not in frame.columns]
    if missing:
        raise InputError(f"plot_unit_intervals: frame lacks columns {missing}")
    if "model" in frame.columns and frame["model"].nunique() != 1:
        raise InputError("plot_unit_intervals: give the rows of one model")
    low, high = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)  # (N,)
    if low.shape != (len(frame),) or high.shape != (len(frame),):
        raise InputError(f"plot_unit_intervals: lower and upper must have {len(frame)} values")
    longest = frame.groupby("unit").size().sort_values().index[-n_units:]
    rows_of_panels = -(-len(longest) // 3)
    _, axes = plt.subplots(
        rows_of_panels, 3, figsize=(15, 3.25 * rows_of_panels), sharey=True, squeeze=False
    )
    for ax, unit_id in zip(axes.ravel(), longest):
        rows = (frame["unit"] == unit_id).to_numpy()  # (N,)
        unit_rul = frame[rows].set_index("cycle")
        plot_rul(unit_rul["y_true"], unit_rul["y_pred"], ax=ax)
        ax.fill_between(unit_rul.index, low[rows], high[rows], alpha=0.2, label=label)
        if cap is not None:
            ax.axhline(cap, color="grey", lw=0.6, ls=":")
        ax.set_title(f"test unit {unit_id}")
        ax.legend(loc="upper right", fontsize=8)
    plt.tight_layout()
    return axes
