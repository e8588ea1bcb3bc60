"""The picture of a VaR backtest on one stream: exceedances, stress windows and ACI levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from tslib.errors import InputError
from tslib.plots.risk import plot_var_exceedances

__all__ = ["plot_risk_backtest"]


def plot_risk_backtest(
    forecasts: pd.DataFrame,
    var_models: Sequence[str],
    level_models: Sequence[str],
    *,
    var_column: str = "var99",
    level_column: str | None = None,
    target: float = 0.01,
    periods: Mapping[str, Sequence] | None = None,
    log_levels: bool = True,
) -> Figure:
    """One exceedance panel per model of ``var_models``, then the ACI levels of ``level_models``.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        The risk backtest rows of one stream (``model``, ``date``, ``return``, the VaR
        column and the level column), as :func:`~tslib.evaluate.backtest` returns them.
    var_models, level_models : sequence of str
        Models whose VaR exceedances get a panel each; models whose ACI level is drawn.
    var_column, level_column : str
        The VaR column (positive losses) and the ACI level column (e.g.
        ``"aci_log_level99"``; None: no level panel).
    target : float
        The target tail probability, drawn as a dashed line on the level panel.
    periods : mapping, optional
        Name -> (first day, last day) shaded on every panel ("stress window").
    log_levels : bool
        A log scale for the levels (the log-scale ACI).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if forecasts.duplicated(["model", "date"]).any():
        raise InputError("plot_risk_backtest: give the rows of one stream (one per model and day)")
    wide = forecasts.pivot(index="date", columns="model")  # one column per model and quantity
    returns = wide["return"].iloc[:, 0]  # the same for every model
    rows = len(var_models) + (level_column is not None)
    fig, axes = plt.subplots(rows, 1, figsize=(12, 3.3 * rows), sharex=True, squeeze=False)
    axes = axes[:, 0]
    for ax, name in zip(axes, var_models):
        plot_var_exceedances(returns, wide[var_column][name].to_numpy(), ax=ax)
        ax.set_title(f"{name}: " + ax.get_title())
        ax.set_ylabel("log return (%)")
    for ax in axes:
        for k, (first, last) in enumerate((periods or {}).values()):
            label = "stress window" if k == 0 else None
            ax.axvspan(
                pd.Timestamp(first), pd.Timestamp(last), color="grey", alpha=0.15, label=label
            )
    if level_column is not None:
        ax = axes[-1]
        for name in level_models:
            ax.plot(returns.index, wide[level_column][name], label=name, linewidth=0.9)
        ax.axhline(target, color="black", linewidth=0.6, linestyle="--", label=f"target {target:g}")
        ax.set_yscale("log" if log_levels else "linear")
        ax.set_title(f"ACI level alpha_t quoted each day ({level_column}; 0 = infinite VaR)")
        ax.set_ylabel("level alpha_t (probability)")
    for ax in axes:
        ax.legend(loc="lower left", fontsize="small")
    axes[-1].set_xlabel("date")
    fig.tight_layout()
    return fig
