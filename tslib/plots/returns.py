"""An overview of daily price series: prices, returns, rolling volatility and a QQ plot."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from tslib.errors import InputError

__all__ = ["plot_return_overview"]


def plot_return_overview(
    prices: Mapping[str, pd.Series], returns: Mapping[str, pd.Series], primary: str
) -> Figure:
    """Four panels: every price on a log scale, the primary stream's returns, every
    21-day rolling volatility (annualised) and a QQ plot of the primary's returns.

    Parameters
    ----------
    prices, returns : mapping
        Stream name -> prices, and -> returns in percent (Series with a DatetimeIndex).
    primary : str
        The stream whose returns and QQ plot are shown.

    Returns
    -------
    matplotlib.figure.Figure
        A 2 x 2 figure, every axis labelled with units.
    """
    if primary not in returns or set(prices) != set(returns):
        raise InputError("plot_return_overview: prices and returns must name the same streams")
    fig, axes = plt.subplots(2, 2, figsize=(12, 7))
    for stream, price in prices.items():
        axes[0, 0].plot(price.index, price, label=stream, linewidth=0.8)
        volatility = returns[stream].rolling(21).std() * np.sqrt(252)
        axes[1, 0].plot(volatility.index, volatility, label=stream, linewidth=0.8)
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_title("price (log scale)")
    axes[0, 0].set_ylabel("price (index points)")
    r = returns[primary]
    axes[0, 1].plot(r.index, r, linewidth=0.5)
    axes[0, 1].set_title(f"{primary}: daily log return")
    axes[0, 1].set_ylabel("log return (%)")
    axes[1, 0].set_title("21-day rolling volatility")
    axes[1, 0].set_ylabel("volatility (% a year)")
    for ax in (axes[0, 0], axes[0, 1], axes[1, 0]):
        ax.set_xlabel("date")
    stats.probplot((r - r.mean()) / r.std(), dist="norm", plot=axes[1, 1])
    axes[1, 1].get_lines()[0].set_label("standardised returns")
    axes[1, 1].get_lines()[1].set_label("normal")
    axes[1, 1].set_xlabel("normal quantile (sd)")
    axes[1, 1].set_ylabel("return quantile (sd)")
    axes[1, 1].set_title(
        f"{primary}: QQ plot against the normal (kurtosis {stats.kurtosis(r):.1f})"
    )
    for ax in (axes[0, 0], axes[1, 0], axes[1, 1]):
        ax.legend()
    fig.tight_layout()
    return fig
