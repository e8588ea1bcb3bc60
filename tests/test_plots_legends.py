"""Every tslib.plots function labels both axes, and has a legend when it draws several series.

The cases below cover every public ``plot_*`` function; a new one without a case fails
:func:`test_every_plot_function_has_a_case`.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import tslib.plots as plots  # noqa: E402
from tslib.encoders import RecurrentEncoder  # noqa: E402
from tslib.errors import InputError  # noqa: E402
from tslib.metrics import reliability_table  # noqa: E402
from tslib.runner import StepwiseRunner  # noqa: E402

RNG = np.random.default_rng(0)
DAYS = pd.date_range("2021-01-01", periods=60, freq="D")


def _scored() -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {"model": name, "timestamp": DAYS, "y_true": 0.0, "y_pred": 1.0,
             "lower_95": -2.0, "upper_95": 2.0, "lower_80": -1.0, "upper_80": 1.0}
        )
        for name in ("gru", "sarimax")
    ]  # fmt: skip
    return pd.concat(parts)


def _events() -> pd.DataFrame:
    times = pd.Timestamp("2021-01-01") + pd.to_timedelta(RNG.integers(0, 90 * 86400, 300), "s")
    return pd.DataFrame(
        {"user": RNG.integers(0, 20, 300), "item": RNG.zipf(1.5, 300) % 50, "datetime": times}
    )


def _interaction_axis(number: int):
    return plots.plot_interaction_log(_events())["axes"][number]


def _trace():
    runner = StepwiseRunner(RecurrentEncoder(1, 4, 1, seed=0), device="cpu", trace=True)
    for _ in range(3):
        runner.step(["a", "b"], np.zeros((2, 1), dtype=np.float32))
    return runner.trace


CASES = {
    "plot_interaction_log (per user)": lambda: _interaction_axis(0),
    "plot_interaction_log (items)": lambda: _interaction_axis(1),
    "plot_interaction_log (activity)": lambda: _interaction_axis(2),
    "plot_rank_reach": lambda: plots.plot_rank_reach(
        {"gru": np.array([1.0, 3.0, np.inf]), "markov": np.array([2.0, 1.0, 7.0])}, n_items=10
    ),
    "plot_full_vs_sampled": lambda: plots.plot_full_vs_sampled(
        pd.DataFrame({"HR@10": [0.4, 0.5], "HR@10 (sampled)": [0.7, 0.8]}, index=["a", "b"])
    ),
    "plot_forecast": lambda: plots.plot_forecast(
        [1.0, 2.0, 3.0], [4.0, 5.0], lower=[3.0, 4.0], upper=[5.0, 6.0], actual=[4.5, 4.0]
    ),
    "plot_var_exceedances": lambda: plots.plot_var_exceedances(RNG.normal(size=50), 1.5),
    "plot_rul": lambda: plots.plot_rul([5.0, 4.0, 3.0], [6.0, 4.0, 2.5]),
    "plot_rul (scatter)": lambda: plots.plot_rul([5.0, 4.0, 3.0], [6.0, 4.0, 2.5], kind="scatter"),
    "plot_detection_timeline": lambda: plots.plot_detection_timeline(
        np.arange(10.0), np.arange(10) > 6, [5]
    ),
    "plot_ranking_by_position": lambda: plots.plot_ranking_by_position(
        pd.DataFrame({"position": [1, 2, 1, 2], "rank": [1, 3, 2, 9], "model": list("aabb")}), k=5
    ),
    "plot_latency_histogram": lambda: plots.plot_latency_histogram(
        RNG.gamma(4.0, 25.0, 100), budget_us=150.0
    ),
    "plot_graph_trace": lambda: plots.plot_graph_trace(_trace()),
    "plot_lagged_correlations": lambda: plots.plot_lagged_correlations(
        pd.DataFrame({"t": RNG.normal(size=60), "w": RNG.normal(size=60)}, DAYS), "t", 3
    ),
    "plot_seasonal_cycle": lambda: plots.plot_seasonal_cycle(
        pd.Series(RNG.normal(size=60), DAYS, name="T (degC)")
    ),
    "plot_fan_chart": lambda: plots.plot_fan_chart(
        _scored(), "gru", DAYS[5], DAYS[20], others=("sarimax",), ylabel="T (degC)"
    ),
    "plot_reliability": lambda: plots.plot_reliability(
        {"gru": reliability_table(RNG.random(300) < 0.3, RNG.random(300), n_bins=5)}
    ),
}


@pytest.fixture(autouse=True)
def close_figures():
    torch.manual_seed(0)
    yield
    plt.close("all")


def test_every_plot_function_has_a_case():
    public = {name for name in plots.__all__ if name.startswith("plot_") and name != "plot_style"}
    covered = {name.split(" ")[0] for name in CASES}
    assert public == covered


def _series(ax) -> list:
    """The data artists of ``ax``: lines (reference lines included) and scatter/band collections."""
    return [*ax.lines, *ax.collections]


@pytest.mark.parametrize("case", sorted(CASES))
def test_axes_are_labelled_and_several_series_have_a_legend(case):
    ax = CASES[case]()
    assert ax.get_xlabel().strip(), f"{case}: no x label"
    assert ax.get_ylabel().strip(), f"{case}: no y label"
    if len(_series(ax)) > 1:
        legend = ax.get_legend()
        assert legend is not None, f"{case}: {len(_series(ax))} series and no legend"
        texts = [text.get_text() for text in legend.get_texts()]
        assert texts and all(texts), f"{case}: legend {texts}"


def test_the_graph_legend_names_both_node_kinds():
    ax = plots.plot_graph_trace(_trace())
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "state node",
        "input node",
    ]


def test_format_table_rounds_floats_to_significant_digits_only():
    frame = pd.DataFrame(
        {"n": [3, 1024], "mse": [0.0420123, 0.5578], "us": [39.789, 14590.71], "ok": [True, False]},
        index=pd.Index(["fp32", "int8"], name="variant"),
    )
    shown = plots.format_table(frame)
    assert shown.index.equals(frame.index) and list(shown.columns) == list(frame.columns)
    assert shown["mse"].tolist() == ["0.04201", "0.5578"]
    assert shown["us"].tolist() == ["39.79", "14591"]
    assert shown["n"].tolist() == [3, 1024] and shown["ok"].tolist() == [True, False]
    assert plots.format_table(frame, digits=2)["mse"].tolist() == ["0.042", "0.56"]
    assert "0.04201 " in shown.to_string() and "0.042012 " not in shown.to_string()
    assert plots.format_table(frame["mse"]).shape == (2, 1)
    assert plots.format_number(-0.000012345) == "-1.234e-05"
    with pytest.raises(InputError, match="digits"):
        plots.format_table(frame, digits=0)
