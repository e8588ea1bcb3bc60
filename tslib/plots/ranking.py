"""Ranking quality by position in the sequence (how fast a model learns a new user)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import new_axes

__all__ = ["plot_ranking_by_position", "metric_by_position"]


def metric_by_position(ranks: pd.DataFrame, k: int | None = None) -> pd.DataFrame:
    """Per position, HR@k (mean of ``rank <= k``) or, without ``k``, MRR (mean of 1 / rank).

    Parameters
    ----------
    ranks : pandas.DataFrame
        Columns ``position``, ``rank`` (1 = best) and optionally ``model``.

    Returns
    -------
    pandas.DataFrame
        Index ``position``, one column per model (``"model"`` when there is no
        ``model`` column).
    """
    if not {"position", "rank"} <= set(ranks.columns):
        raise InputError("metric_by_position: ranks needs 'position' and 'rank' columns")
    rank = ranks["rank"].to_numpy(dtype=np.float64)
    if np.any(rank < 1):
        raise InputError("metric_by_position: ranks start at 1")
    score = (rank <= k).astype(np.float64) if k is not None else 1.0 / rank
    frame = pd.DataFrame(
        {"position": ranks["position"].to_numpy(), "score": score,
         "model": ranks["model"].to_numpy() if "model" in ranks else "model"}
    )  # fmt: skip
    return frame.pivot_table(index="position", columns="model", values="score", aggfunc="mean")


def plot_ranking_by_position(
    data: pd.Series | pd.DataFrame,
    ax: Axes | None = None,
    *,
    k: int | None = None,
    metric: str | None = None,
) -> Axes:
    """Plot a ranking metric against the position in the sequence, one line per model.

    Parameters
    ----------
    data : pandas.Series or pandas.DataFrame
        Either raw ranks (columns ``position``, ``rank`` and optionally ``model``,
        reduced with :func:`metric_by_position`), or metric values indexed by
        position: a Series (one line) or a wide frame (one line per column).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.
    k : int, optional
        For raw ranks: plot HR@k; MRR when omitted.
    metric : str, optional
        The y-axis label (default ``"HR@k"``, ``"MRR"`` or ``"metric"``).

    Returns
    -------
    matplotlib.axes.Axes
        One line with markers per model.
    """
    if isinstance(data, pd.DataFrame) and {"position", "rank"} <= set(data.columns):
        wide = metric_by_position(data, k)
        metric = metric or (f"HR@{k}" if k is not None else "MRR")
    elif isinstance(data, pd.Series):
        wide = data.to_frame(name=data.name or "model")
    elif isinstance(data, pd.DataFrame):
        wide = data
    else:
        raise InputError(
            f"plot_ranking_by_position: expected a pandas Series or DataFrame, got {type(data)}"
        )
    ax = new_axes(ax)
    for column in wide.columns:
        ax.plot(
            wide.index.to_numpy(),
            wide[column].to_numpy(dtype=np.float64),
            marker="o",
            label=str(column),
        )
    ax.set_xlabel("position in sequence")
    ax.set_ylabel(metric or "metric")
    ax.legend(loc="best")
    return ax
