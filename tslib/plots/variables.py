"""Every variable of a multivariate series in its own panel, on one time axis."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.plots.labels import axis_label

__all__ = ["plot_variables"]


def plot_variables(
    frame: pd.DataFrame,
    *,
    split_at: object | None = None,
    units: Mapping[str, str] | None = None,
    title: str | None = None,
) -> np.ndarray:
    """One stacked panel per column of ``frame``, sharing the time axis.

    Parameters
    ----------
    frame : pandas.DataFrame
        Time-indexed numeric columns, each drawn in its own panel.
    split_at : timestamp-like, optional
        A time marked by a dotted line in every panel (the start of the test span).
    units : mapping, optional
        Column -> unit, for the y labels (:func:`~tslib.plots.labels.axis_label`).
    title : str, optional
        Title of the top panel.

    Returns
    -------
    numpy.ndarray
        The Axes, top to bottom.
    """
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise InputError("plot_variables: need a DataFrame with at least one column")
    panels = frame.shape[1]
    _, axes = plt.subplots(panels, 1, figsize=(9, 1.4 * panels + 0.8), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, column in zip(axes, frame.columns):
        ax.plot(frame.index, frame[column], linewidth=0.5)
        if split_at is not None:
            ax.axvline(split_at, color="k", linestyle=":", linewidth=0.8)
        ax.set_ylabel(axis_label(column, units or {}), fontsize="small")
    if title is not None:
        axes[0].set_title(title)
    axes[-1].set_xlabel("time")
    axes[0].figure.tight_layout()
    return axes
