"""The one plotting style of tslib: seaborn "whitegrid", the colour-blind palette, fixed roles.

Every plot function draws its data roles in the same colours (:data:`COLORS`),
so a forecast is the same colour in every notebook. Call :func:`use_style` once
per notebook, or wrap a block in :func:`plot_style`.

Examples
--------
>>> import matplotlib
>>> with plot_style():
...     matplotlib.rcParams["axes.spines.top"]
False
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from cycler import cycler
from matplotlib.axes import Axes

__all__ = ["COLORS", "PALETTE", "style_rc", "use_style", "plot_style", "new_axes"]

#: The seaborn palette of every tslib figure.
PALETTE = "colorblind"

_colors = sns.color_palette(PALETTE)
#: Data role -> colour.
COLORS = {
    "observed": _colors[0],  # history, signal, returns
    "forecast": _colors[1],  # model predictions
    "interval": _colors[1],  # prediction intervals (drawn with alpha)
    "truth": _colors[2],  # realised future, true RUL
    "threshold": _colors[7],  # VaR line, latency budget
    "alarm": _colors[3],  # exceedances, alarms, deadline misses
    "fault": _colors[4],  # fault onsets
}

#: Default size of a new figure, inches (wide: time runs left to right).
FIGSIZE = (8.0, 3.5)


def style_rc() -> dict:
    """The matplotlib rc parameters of the tslib style."""
    return {
        **sns.axes_style("whitegrid"),
        **sns.plotting_context("notebook"),
        "axes.prop_cycle": cycler(color=sns.color_palette(PALETTE)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,
        "savefig.bbox": "tight",
        "legend.frameon": False,
    }


def use_style() -> None:
    """Apply the tslib style to the whole session (``matplotlib.rcParams``)."""
    mpl.rcParams.update(style_rc())


@contextmanager
def plot_style() -> Iterator[None]:
    """Apply the tslib style inside a ``with`` block only."""
    with mpl.rc_context(style_rc()):
        yield


def new_axes(ax: Axes | None = None) -> Axes:
    """``ax`` itself, or the axes of a new styled figure when ``ax`` is None."""
    if ax is not None:
        return ax
    with plot_style():
        _, ax = plt.subplots()
    return ax
