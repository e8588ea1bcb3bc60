"""The interaction-log overview and the rank-reach plots hold exactly their data (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tslib.errors import InputError  # noqa: E402
from tslib.plots import plot_full_vs_sampled, plot_interaction_log, plot_rank_reach  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def log(days: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame(
        {
            "user": rng.integers(0, 30, n),
            "item": rng.zipf(1.5, n) % 50,
            "datetime": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, days, n), "D"),
        }
    )


def test_interaction_log_panels_and_numbers():
    frame = log(20)
    out = plot_interaction_log(frame)
    per_item = np.sort(frame.groupby("item").size().to_numpy())[::-1]
    assert out["per_user"].sum() == len(frame) and out["period"] == "day"
    assert out["top_share"] == pytest.approx(per_item[: per_item.size // 10].sum() / len(frame))
    hist, popularity, activity = out["axes"]
    assert sum(patch.get_height() for patch in hist.patches) == frame["user"].nunique()
    assert popularity.lines[0].get_ydata().tolist() == per_item.tolist()
    assert activity.lines[0].get_ydata().sum() == len(frame)
    for ax in out["axes"]:
        assert ax.get_xlabel() and ax.get_ylabel()
    assert plot_interaction_log(log(200))["period"] == "week"
    with pytest.raises(InputError, match="columns"):
        plot_interaction_log(frame.drop(columns="datetime"))


def test_rank_reach_curves_are_shares_of_users():
    ranks = {"a": np.array([1.0, 2.0, 50.0, np.inf]), "b": np.array([10.0, 10.0, 10.0, 10.0])}
    ax = plot_rank_reach(ranks, n_items=100, mark=10)
    a, b = ax.lines[:2]
    grid = a.get_xdata()
    assert grid[0] == 1 and grid[-1] == 100
    assert a.get_ydata()[0] == 0.25 and a.get_ydata()[-1] == 0.75  # the missed target never counts
    assert b.get_ydata()[grid.tolist().index(10)] == 1.0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "r = 10"]
    with pytest.raises(InputError):
        plot_rank_reach({}, 10)


def test_full_vs_sampled_bars():
    table = pd.DataFrame({"HR@10": [0.2, 0.3], "HR@10 (sampled)": [0.5, 0.6]}, index=["x", "y"])
    ax = plot_full_vs_sampled(table, sampled_label="sampled (100 negatives)")
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == [0.2, 0.3, 0.5, 0.6]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    with pytest.raises(InputError, match="NDCG@10"):
        plot_full_vs_sampled(table, "NDCG@10")
