"""Tests for tslib.plots: each figure holds exactly the data it should (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from tslib.encoders import RecurrentEncoder  # noqa: E402
from tslib.errors import InputError  # noqa: E402
from tslib.plots import (  # noqa: E402
    COLORS,
    plot_detection_timeline,
    plot_forecast,
    plot_graph_trace,
    plot_latency_histogram,
    plot_ranking_by_position,
    plot_rul,
    plot_style,
    plot_var_exceedances,
    use_style,
)
from tslib.runner import StepwiseRunner  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def scatter_offsets(ax) -> np.ndarray:
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    return np.asarray(points.get_offsets())


def test_style_is_applied_in_context_and_session():
    before = matplotlib.rcParams["axes.spines.top"]
    with plot_style():
        assert matplotlib.rcParams["axes.spines.top"] is False
        cycle = [to_rgb(c["color"]) for c in matplotlib.rcParams["axes.prop_cycle"]]
        assert cycle[:3] == [to_rgb(c) for c in sns.color_palette("colorblind")[:3]]
    assert matplotlib.rcParams["axes.spines.top"] == before
    with matplotlib.rc_context():
        use_style()
        assert matplotlib.rcParams["axes.grid"] is True  # seaborn whitegrid


def test_plot_forecast_lines_and_interval_band():
    history = np.array([1.0, 2.0, 3.0, 4.0])
    forecast = np.array([5.0, 6.0])
    ax = plot_forecast(history, forecast, lower=[4.0, 4.5], upper=[6.0, 7.5], actual=[5.5, 5.0])
    observed, predicted, actual, origin = ax.lines
    assert origin.get_xdata()[0] == 3  # dotted line at the forecast origin
    np.testing.assert_array_equal(observed.get_xydata(), [[0, 1], [1, 2], [2, 3], [3, 4]])
    np.testing.assert_array_equal(predicted.get_xydata(), [[4, 5], [5, 6]])
    np.testing.assert_array_equal(actual.get_xydata(), [[4, 5.5], [5, 5.0]])
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    vertices = bands[0].get_paths()[0].vertices
    assert {tuple(v) for v in vertices} >= {(4.0, 4.0), (5.0, 4.5), (4.0, 6.0), (5.0, 7.5)}
    assert ax.get_xlabel() == "time" and ax.get_ylabel() == "value"
    assert predicted.get_color() == COLORS["forecast"]
    plain = plot_forecast(pd.Series([1.0, 2.0], index=[10, 11]), pd.Series([3.0], index=[12]))
    assert len(plain.collections) == 0
    np.testing.assert_array_equal(plain.lines[1].get_xydata(), [[12, 3.0]])
    with pytest.raises(InputError, match="both lower and upper"):
        plot_forecast(history, forecast, lower=[1.0, 2.0])


def test_var_exceedance_markers_are_exactly_at_the_exceedances():
    returns = np.array([0.01, -0.03, 0.0, -0.05, -0.019, 0.02, -0.021])
    var = np.full(7, 0.02)
    ax = plot_var_exceedances(returns, var)
    np.testing.assert_array_equal(scatter_offsets(ax), [[1, -0.03], [3, -0.05], [6, -0.021]])
    threshold = [line for line in ax.lines if line.get_label() == "-VaR"][0]
    np.testing.assert_array_equal(threshold.get_ydata(), -var)
    assert ax.get_title().startswith("3 exceedances in 7")
    with pytest.raises(InputError):
        plot_var_exceedances(returns, np.full(6, 0.02))


def test_plot_rul_trajectory_and_scatter():
    true = np.array([5.0, 4.0, 3.0, 2.0])
    pred = np.array([6.0, 4.5, 2.0, 2.0])
    ax = plot_rul(true, pred, unit="cycles")
    assert [line.get_label() for line in ax.lines] == ["true RUL", "predicted RUL"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), pred)
    assert ax.get_ylabel() == "RUL (cycles)"
    ax = plot_rul(true, pred, unit="hours", kind="scatter")
    np.testing.assert_array_equal(scatter_offsets(ax), np.stack([true, pred], axis=1))
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[2.0, 2.0], [6.0, 6.0]])
    assert ax.get_xlabel() == "true RUL (hours)"
    with pytest.raises(InputError, match="differ in shape"):
        plot_rul(true, pred[:3])


def test_detection_timeline_marks_alarms_and_onsets():
    signal = np.array([0.0, 0.1, 0.0, 2.0, 2.5, 0.2, 3.0])
    alarms = np.array([False, False, False, True, True, False, True])
    ax = plot_detection_timeline(signal, alarms, fault_onsets=[2, 6])
    np.testing.assert_array_equal(scatter_offsets(ax), [[3, 2.0], [4, 2.5], [6, 3.0]])
    onsets = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in onsets] == [2, 6]
    assert len(ax.lines) == 3  # the signal and two onsets
    by_time = plot_detection_timeline(signal, np.array([3, 6]), fault_onsets=[2])
    np.testing.assert_array_equal(scatter_offsets(by_time), [[3, 2.0], [6, 3.0]])
    with pytest.raises(InputError, match="must match the signal"):
        plot_detection_timeline(signal, alarms[:3], fault_onsets=[2])


def test_ranking_by_position_from_raw_ranks_and_wide_frames():
    ranks = pd.DataFrame(
        {"position": [1, 1, 2, 2, 1, 2], "rank": [1, 20, 3, 5, 2, 2], "model": list("aaaabb")}
    )
    ax = plot_ranking_by_position(ranks, k=3)
    lines = {line.get_label(): line.get_ydata() for line in ax.lines}
    np.testing.assert_allclose(lines["a"], [0.5, 0.5])  # HR@3: {1, 20} -> 1/2, {3, 5} -> 1/2
    np.testing.assert_allclose(lines["b"], [1.0, 1.0])
    assert ax.get_ylabel() == "HR@3" and ax.get_xlabel() == "position in sequence"
    ax = plot_ranking_by_position(ranks[ranks["model"] == "a"].drop(columns="model"))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [(1 + 1 / 20) / 2, (1 / 3 + 1 / 5) / 2])
    assert ax.get_ylabel() == "MRR"
    wide = pd.DataFrame({"gru": [0.1, 0.2, 0.3], "pop": [0.1, 0.1, 0.1]}, index=[1, 2, 3])
    ax = plot_ranking_by_position(wide, metric="NDCG@10")
    assert len(ax.lines) == 2 and ax.get_ylabel() == "NDCG@10"
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[1, 0.1], [2, 0.2], [3, 0.3]])


def test_latency_histogram_counts_sum_to_the_sample_count():
    rng = np.random.default_rng(0)
    latencies = rng.gamma(4.0, 25.0, size=321)
    ax = plot_latency_histogram(latencies, budget_us=150.0, bins=20)
    heights = [patch.get_height() for patch in ax.patches]
    assert len(heights) == 20
    assert sum(heights) == 321
    assert ax.lines[0].get_xdata()[0] == 150.0
    assert f"{int((latencies > 150).sum())} over budget" in ax.get_title()
    assert ax.get_xlabel() == "latency (us)"
    with pytest.raises(InputError, match="non-empty finite"):
        plot_latency_histogram([])


def test_graph_trace_delegates_to_draw_or_uses_networkx():
    torch.manual_seed(0)
    runner = StepwiseRunner(RecurrentEncoder(1, 4, 1), device="cpu", trace=True)
    for _ in range(3):
        runner.step(["a", "b"], np.zeros((2, 1), dtype=np.float32))
    fig, ax = plt.subplots()
    assert plot_graph_trace(runner.trace, ax=ax) is ax
    graph = runner.trace.to_networkx()
    drawn = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert drawn == graph.number_of_nodes() == 2 * (1 + 2 * 3)

    class GraphOnly:
        def to_networkx(self):
            return nx.path_graph(4, create_using=nx.DiGraph)

    ax = plot_graph_trace(GraphOnly())
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points[0].get_offsets()) == 4
    with pytest.raises(InputError, match="runner trace or a networkx graph"):
        plot_graph_trace(object())
