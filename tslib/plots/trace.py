"""Dynamic-graph plots of a runner trace (states and inputs)."""

from __future__ import annotations

from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import new_axes

__all__ = ["plot_graph_trace"]


def plot_graph_trace(trace: object, ax: Axes | None = None) -> Axes:
    """Draw a runner trace.

    Delegates to ``trace.draw(ax=...)`` when the trace has one (the runner's
    :class:`~tslib.runner.trace.RunnerTrace` lays chains out by step); otherwise
    draws ``trace.to_networkx()``, or ``trace`` itself if it is a networkx graph,
    with networkx's default layout.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import networkx as nx

    ax = new_axes(ax)
    if callable(getattr(trace, "draw", None)):
        drawn = trace.draw(ax=ax)
        return drawn if isinstance(drawn, Axes) else ax
    graph = trace.to_networkx() if callable(getattr(trace, "to_networkx", None)) else trace
    if not isinstance(graph, nx.Graph):
        raise InputError(
            "plot_graph_trace: expected a runner trace or a networkx graph, "
            f"got {type(trace).__name__}"
        )
    nx.draw_networkx(graph, pos=nx.spring_layout(graph, seed=0), ax=ax, node_size=200, font_size=7)
    return ax
