"""Latency histograms with the deadline, from runner or replay measurements."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import COLORS, new_axes

__all__ = ["plot_latency_histogram"]


def plot_latency_histogram(
    latencies_us: object,
    budget_us: float | None = None,
    ax: Axes | None = None,
    *,
    bins: int | str = "auto",
) -> Axes:
    """Histogram of per-step latencies in microseconds, with the budget as a vertical line.

    Parameters
    ----------
    latencies_us : array_like
        Latencies (n,), e.g. the ``latency_us`` column of a replay.
    budget_us : float, optional
        Deadline; the title then reports how many samples exceed it.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.
    bins : int or str
        Passed to ``numpy.histogram_bin_edges``.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per bin (their heights sum to n), plus the budget line.
    """
    values = np.asarray(latencies_us, dtype=np.float64).ravel()
    if values.size == 0 or not np.isfinite(values).all():
        raise InputError("plot_latency_histogram: latencies must be a non-empty finite array")
    ax = new_axes(ax)
    edges = np.histogram_bin_edges(values, bins=bins)
    ax.hist(values, bins=edges, color=COLORS["observed"], alpha=0.8)
    p50, p99 = np.percentile(values, [50, 99])
    title = f"n={values.size}, p50={p50:.1f} us, p99={p99:.1f} us"
    if budget_us is not None:
        ax.axvline(
            budget_us, color=COLORS["alarm"], linestyle="--", label=f"budget {budget_us:g} us"
        )
        misses = int((values > budget_us).sum())
        title += f", {misses} over budget"
        ax.legend(loc="best")
    ax.set_title(title)
    ax.set_xlabel("latency (us)")
    ax.set_ylabel("count")
    return ax
