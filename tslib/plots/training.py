"""Training curves: the train and validation loss of several models, epoch by epoch."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import new_axes

__all__ = ["plot_training_curves"]


def plot_training_curves(
    histories: Mapping[str, pd.DataFrame],
    *,
    scale: float = 1.0,
    root: bool = True,
    ylabel: str = "RMSE",
    ax: Axes | None = None,
) -> Axes:
    """Plot each model's validation (solid) and training (dotted) loss against the epoch.

    Parameters
    ----------
    histories : mapping
        Model name -> the history :func:`tslib.fit` returned (``epoch``, ``train_loss``,
        ``val_loss`` columns).
    scale : float
        Multiplies the plotted value (model units -> data units).
    root : bool
        Plot ``scale * sqrt(loss)``: an RMSE from a mean squared error; else ``scale * loss``.
    ylabel : str
        Label of the y axis, with its unit.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines per model and a legend.

    Raises
    ------
    InputError
        No history, or one without the three columns.
    """
    if not histories:
        raise InputError("plot_training_curves: give at least one history")
    for name, history in histories.items():
        missing = [c for c in ("epoch", "train_loss", "val_loss") if c not in history.columns]
        if missing:
            raise InputError(f"plot_training_curves: history of {name!r} lacks {missing}")
    ax = new_axes(ax)
    for name, history in histories.items():
        for column, style, label in (("val_loss", "-", "validation"), ("train_loss", ":", "train")):
            loss = history[column].to_numpy(np.float64)  # (epochs,)
            values = scale * (np.sqrt(loss) if root else loss)
            ax.plot(history["epoch"], values, ls=style, label=f"{name} {label}")
    ax.set(xlabel="epoch", ylabel=ylabel, title="Training curves")
    ax.legend()
    return ax
