"""Plots with one consistent seaborn style; every function returns its matplotlib Axes.

Call :func:`use_style` once (or use :func:`plot_style` as a context manager);
figures made by these functions get the style either way. Every plot labels both
axes (with units where there are any) and has a legend when it draws more than one
series. :func:`format_table` shows a table's floats to 4 significant digits.
"""

from tslib.plots.detection import plot_detection_timeline
from tslib.plots.forecast import plot_forecast
from tslib.plots.interaction_log import plot_interaction_log
from tslib.plots.latency import plot_latency_histogram
from tslib.plots.rank_reach import plot_full_vs_sampled, plot_rank_reach
from tslib.plots.ranking import metric_by_position, plot_ranking_by_position
from tslib.plots.risk import plot_var_exceedances
from tslib.plots.rul import plot_rul
from tslib.plots.style import COLORS, PALETTE, plot_style, use_style
from tslib.plots.tables import format_number, format_table
from tslib.plots.trace import plot_graph_trace
from tslib.plots.weather import (
    lagged_correlations,
    plot_fan_chart,
    plot_lagged_correlations,
    plot_reliability,
    plot_seasonal_cycle,
)

__all__ = [
    "COLORS",
    "PALETTE",
    "use_style",
    "plot_style",
    "format_number",
    "format_table",
    "plot_forecast",
    "plot_var_exceedances",
    "plot_rul",
    "plot_detection_timeline",
    "plot_ranking_by_position",
    "metric_by_position",
    "plot_interaction_log",
    "plot_rank_reach",
    "plot_full_vs_sampled",
    "plot_latency_histogram",
    "plot_graph_trace",
    "lagged_correlations",
    "plot_lagged_correlations",
    "plot_seasonal_cycle",
    "plot_fan_chart",
    "plot_reliability",
]
