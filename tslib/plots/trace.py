"""Dynamic-graph plots of a runner trace (states and inputs)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from tslib.errors import InputError
from tslib.plots.style import new_axes

__all__ = ["plot_graph_trace", "TRACE_NODE_COLORS"]

#: Node kind -> colour, as :meth:`tslib.runner.trace.RunnerTrace.draw` colours them.
TRACE_NODE_COLORS = {"state": "tab:blue", "input": "tab:orange"}


def _node_colors(ax: Axes) -> set[tuple[float, ...]]:
    """The distinct RGBA face colours of the scatter collections drawn on ``ax``."""
    colors = set()
    for collection in ax.collections:
        for rgba in np.atleast_2d(collection.get_facecolor()):
            colors.add(tuple(np.round(rgba, 3)))
    return colors


def _add_node_legend(ax: Axes) -> None:
    """A legend entry for each node kind whose colour appears among the drawn nodes."""
    drawn = _node_colors(ax)
    handles = [
        Line2D([], [], linestyle="", marker="o", color=color, label=f"{kind} node")
        for kind, color in TRACE_NODE_COLORS.items()
        if tuple(np.round(to_rgba(color), 3)) in drawn
    ]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def plot_graph_trace(trace: object, ax: Axes | None = None) -> Axes:
    """Draw a runner trace, with a legend of the node kinds and labelled axes.

    Delegates to ``trace.draw(ax=...)`` when the trace has one (the runner's
    :class:`~tslib.runner.trace.RunnerTrace` lays chains out by step, one row per
    stream, in :data:`TRACE_NODE_COLORS`); otherwise draws ``trace.to_networkx()``,
    or ``trace`` itself if it is a networkx graph, with networkx's default layout.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import networkx as nx

    ax = new_axes(ax)
    if callable(getattr(trace, "draw", None)):
        drawn = trace.draw(ax=ax)
        ax = drawn if isinstance(drawn, Axes) else ax
        if not ax.get_ylabel():
            ax.set_ylabel("stream")
        _add_node_legend(ax)
        return ax
    graph = trace.to_networkx() if callable(getattr(trace, "to_networkx", None)) else trace
    if not isinstance(graph, nx.Graph):
        raise InputError(
            "plot_graph_trace: expected a runner trace or a networkx graph, "
            f"got {type(trace).__name__}"
        )
    nx.draw_networkx(graph, pos=nx.spring_layout(graph, seed=0), ax=ax, node_size=200, font_size=7)
    return ax
