"""An interaction log at a glance: events per user, the popularity long tail, activity over time."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tslib.errors import InputError
from tslib.plots.style import plot_style

__all__ = ["plot_interaction_log"]


def plot_interaction_log(
    frame: pd.DataFrame,
    axes: Sequence[Axes] | None = None,
    *,
    user_column: str = "user",
    item_column: str = "item",
    time_column: str = "datetime",
) -> dict:
    """Three panels: events per user (log bins), events per item by popularity rank, activity.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per event with a user, an item and a datetime column.
    axes : sequence of three Axes, optional
        Where to draw; a new 1 x 3 figure when omitted.
    user_column, item_column, time_column : str
        Column names.

    Returns
    -------
    dict
        ``axes`` (the three Axes), ``per_user`` (events per user, a Series),
        ``top_share`` (share of the events held by the 10 % most popular items),
        ``activity`` (events per week, or per day for spans up to 60 days) and
        ``period`` (``"week"`` or ``"day"``).
    """
    missing = [c for c in (user_column, item_column, time_column) if c not in frame.columns]
    if missing or frame.empty:
        raise InputError(f"plot_interaction_log: needs a non-empty frame with columns {missing}")
    if axes is None:
        with plot_style():
            _, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    if len(axes) != 3:
        raise InputError(f"plot_interaction_log: needs three axes, got {len(axes)}")
    per_user = frame.groupby(user_column).size()
    per_item = frame.groupby(item_column).size().sort_values(ascending=False).to_numpy()
    top_share = per_item[: max(1, per_item.size // 10)].sum() / per_item.sum()
    times = pd.to_datetime(frame[time_column])
    period = "week" if (times.max() - times.min()).days > 60 else "day"
    activity = frame.set_index(times)[item_column].resample(period[0].upper()).size()
    axes[0].hist(per_user, bins=np.unique(np.geomspace(1, per_user.max() + 1, 30).astype(int)))
    axes[0].set_xscale("log")
    axes[0].set(title="events per user", xlabel="events (log scale)", ylabel="users")
    axes[1].loglog(np.arange(1, per_item.size + 1), per_item)
    axes[1].set(
        title=f"events per item (top 10% of items: {top_share:.0%} of events)",
        xlabel="popularity rank (1 = most events)",
        ylabel="events per item",
    )
    axes[2].plot(activity.index, activity.to_numpy())
    axes[2].set(title="activity over time", xlabel="date", ylabel=f"events per {period}")
    axes[2].figure.autofmt_xdate()
    return {
        "axes": list(axes),
        "per_user": per_user,
        "top_share": float(top_share),
        "activity": activity,
        "period": period,
    }
