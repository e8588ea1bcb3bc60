"""How far down the list the targets sit: full against sampled hit rates, and the rank reach curve."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import new_axes

__all__ = ["plot_rank_reach", "plot_full_vs_sampled"]


def plot_rank_reach(
    ranks: Mapping[str, object], n_items: int, ax: Axes | None = None, *, mark: int | None = 10
) -> Axes:
    """Share of users whose target ranks at or above ``r``, against ``r`` (log scale), per model.

    Parameters
    ----------
    ranks : mapping
        Model -> (n_users,) 1-based ranks (``inf`` for a missed target).
    n_items : int
        Largest rank drawn (the catalogue size).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.
    mark : int, optional
        Draw a dotted vertical line at this rank (the usual cut-off).

    Returns
    -------
    matplotlib.axes.Axes
        One line per model.
    """
    if not ranks or n_items < 1:
        raise InputError("plot_rank_reach: give at least one model's ranks and n_items >= 1")
    ax = new_axes(ax)
    grid = np.unique(np.geomspace(1, n_items, 60).astype(int))
    for name, values in ranks.items():
        values = np.asarray(values, dtype=np.float64)
        ax.plot(grid, [(values <= r).mean() for r in grid], label=str(name))
    if mark is not None:
        ax.axvline(mark, color="grey", linestyle=":", label=f"r = {mark}")
    ax.set_xscale("log")
    ax.set(
        title="share of users with target rank <= r",
        xlabel="rank r (full ranking)",
        ylabel="share of users",
    )
    ax.legend()
    return ax


def plot_full_vs_sampled(
    table: pd.DataFrame,
    metric: str = "HR@10",
    ax: Axes | None = None,
    *,
    sampled_label: str = "sampled",
) -> Axes:
    """Bars of a metric under full ranking and under sampled negatives, side by side per model.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model with columns ``metric`` and ``f"{metric} (sampled)"``.
    metric : str
        The metric drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.
    sampled_label : str
        Legend label of the sampled bars (e.g. ``"sampled (100 negatives)"``).
    """
    sampled = f"{metric} (sampled)"
    if metric not in table.columns or sampled not in table.columns:
        raise InputError(
            f"plot_full_vs_sampled: the table needs columns {metric!r} and {sampled!r}"
        )
    ax = new_axes(ax)
    position = np.arange(len(table))
    ax.bar(position - 0.2, table[metric], 0.4, label="full ranking")
    ax.bar(position + 0.2, table[sampled], 0.4, label=sampled_label)
    ax.set_xticks(position, [str(name) for name in table.index])
    ax.set(title=f"{metric}: full vs sampled", xlabel="model", ylabel=f"{metric} (share of users)")
    ax.legend()
    return ax
