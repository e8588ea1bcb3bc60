"""Weather plots hold the data they should (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tslib.errors import DataError, InputError  # noqa: E402
from tslib.metrics import reliability_table  # noqa: E402
from tslib.plots.exploration import plot_exploration  # noqa: E402
from tslib.plots.labels import axis_label  # noqa: E402
from tslib.plots.variables import plot_variables  # noqa: E402
from tslib.plots.weather import (  # noqa: E402
    lagged_correlations,
    plot_fan_chart,
    plot_lagged_correlations,
    plot_reliability,
    plot_seasonal_cycle,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    index = pd.date_range("2020-01-01", periods=500, freq="D")
    lead = rng.normal(size=500)
    target = np.roll(lead, 2) + 0.1 * rng.normal(size=500)  # lead drives target two days later
    return pd.DataFrame({"target": target, "lead": lead, "noise": rng.normal(size=500)}, index)


def test_lagged_correlations_find_the_lead():
    table = lagged_correlations(_frame(), "target", max_lag=5)
    assert table.index.tolist() == list(range(6)) and list(table.columns) == ["lead", "noise"]
    assert table["lead"].idxmax() == 2 and table.loc[2, "lead"] > 0.95
    assert table["noise"].abs().max() < 0.15
    ax = plot_lagged_correlations(_frame(), "target", max_lag=5)
    assert len(ax.lines) == 3  # two variables and the zero line
    with pytest.raises(DataError):
        lagged_correlations(_frame(), "missing", 3)
    with pytest.raises(InputError):
        lagged_correlations(_frame(), "target", -1)


def test_seasonal_cycle_by_day_of_year_or_hour():
    frame = _frame()
    ax = plot_seasonal_cycle(frame["target"])
    assert ax.get_xlabel() == "day of year" and len(ax.lines[0].get_xdata()) == 366
    hourly = pd.Series(np.arange(72.0), index=pd.date_range("2020", periods=72, freq="h"))
    ax = plot_seasonal_cycle(hourly)
    assert ax.get_xlabel() == "hour of day"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.arange(24) + 24.0)
    with pytest.raises(DataError):
        plot_seasonal_cycle(pd.Series([1.0, 2.0]))


def test_fan_chart_draws_nested_bands_for_the_window():
    times = pd.date_range("2021-01-01", periods=40, freq="D")
    rows = []
    for name in ("deep", "base"):
        rows.append(
            pd.DataFrame(
                {"model": name, "timestamp": times, "y_true": 0.0, "y_pred": 1.0,
                 "lower_95": -2.0, "upper_95": 2.0, "lower_80": -1.0, "upper_80": 1.0}
            )
        )  # fmt: skip
    scored = pd.concat(rows)
    ax = plot_fan_chart(scored, "deep", times[5], times[14], others=("base",))
    assert len(ax.collections) == 2  # 95 % and 80 % bands
    assert len(ax.lines[0].get_xdata()) == 10 and len(ax.lines) == 3
    with pytest.raises(InputError, match="no rows"):
        plot_fan_chart(scored, "missing", times[0], times[3])


def test_reliability_diagram():
    rng = np.random.default_rng(1)
    p = rng.random(1000)
    tables = {"model": reliability_table(rng.random(1000) < p, p, n_bins=5)}
    ax = plot_reliability(tables)
    assert len(ax.lines) == 2 and len(ax.lines[1].get_xdata()) == 5
    with pytest.raises(InputError):
        plot_reliability({})


def test_axis_labels_carry_the_unit_once():
    units = {"temp": "degF", "T (degC)": "degC"}
    assert axis_label("temp", units) == "temp (degF)"
    assert axis_label("T (degC)", units) == "T (degC)"  # the name already says it
    assert axis_label("wind", units) == "wind"  # no unit on the card


def test_variables_get_one_panel_each_with_the_split_marked():
    frame = _frame()
    axes = plot_variables(frame[["target", "lead"]], split_at=frame.index[400], units={"lead": "m"})
    assert len(axes) == 2 and axes[1].get_ylabel() == "lead (m)"
    np.testing.assert_array_equal(axes[0].lines[0].get_ydata(), frame["target"])
    assert axes[0].lines[1].get_xdata()[0] == frame.index[400]  # the dotted split line
    with pytest.raises(InputError):
        plot_variables(frame.iloc[:, :0])


def test_exploration_has_a_cycle_per_part_then_the_acf_and_the_leads():
    frame = _frame()
    cycles = {"a": (frame["target"], "target (m)"), "b": (frame["lead"], "lead")}
    axes = plot_exploration(cycles, frame, "target", pd.Timedelta("1D"))
    assert len(axes) == 4 and axes[0].get_ylabel() == "target (m)"
    assert axes[2].get_xlabel() == "lag (days)" and axes[3].axison
    alone = plot_exploration({"a": cycles["a"]}, frame[["target"]], "target", pd.Timedelta("2h"))
    assert alone[1].get_xlabel() == "lag (steps of 0 days 02:00:00)" and not alone[2].axison
    with pytest.raises(InputError):
        plot_exploration(cycles, frame, "missing", pd.Timedelta("1D"))
