"""Value-at-risk plots: returns, the VaR threshold and the exceedances."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from tslib.metrics.risk import var_exceedances
from tslib.plots.forecast import as_xy
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_var_exceedances"]


def plot_var_exceedances(returns: object, var: object, ax: Axes | None = None) -> Axes:
    """Plot returns against ``-VaR`` and mark every exceedance (return below ``-VaR``).

    Parameters
    ----------
    returns : array_like or pandas.Series
        Realised returns (T,).
    var : array_like or scalar
        VaR forecasts as positive losses (T,), the :mod:`tslib.metrics.risk` convention.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines (returns, ``-VaR``) and one scatter of the exceedances; the
        title gives their count and rate.
    """
    x, values = as_xy(returns, "returns")
    hits = var_exceedances(values, var)  # (T,) bool, validates var
    threshold = -np.broadcast_to(np.asarray(var, dtype=np.float64), values.shape)  # (T,)
    ax = new_axes(ax)
    ax.plot(x, values, color=COLORS["observed"], linewidth=0.8, label="return")
    ax.plot(x, threshold, color=COLORS["threshold"], label="-VaR")
    ax.scatter(
        x[hits], values[hits], color=COLORS["alarm"], marker="x", zorder=3, label="exceedance"
    )
    ax.set_title(f"{int(hits.sum())} exceedances in {hits.size} days ({hits.mean():.2%})")
    ax.set_xlabel("time")
    ax.set_ylabel("return")
    ax.legend(loc="lower left")
    return ax
