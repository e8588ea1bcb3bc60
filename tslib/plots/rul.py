"""Remaining-useful-life plots: a trajectory over cycles, or true against predicted."""

from __future__ import annotations

from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.forecast import as_xy
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_rul"]


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
