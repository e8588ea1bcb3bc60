"""The return overview and the risk backtest figure draw what they are given (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tslib.baselines import HistoricalVaR, RiskMetricsVaR  # noqa: E402
from tslib.calibration import AdaptiveConformal  # noqa: E402
from tslib.errors import InputError  # noqa: E402
from tslib.evaluate import RiskStream, backtest  # noqa: E402
from tslib.plots.returns import plot_return_overview  # noqa: E402
from tslib.plots.risk_backtest import plot_risk_backtest  # noqa: E402

DAYS = pd.bdate_range("2007-01-01", periods=400)


@pytest.fixture(scope="module")
def returns() -> pd.Series:
    rng = np.random.default_rng(0)
    return pd.Series(np.r_[np.ones(300), np.full(100, 3.0)] * rng.standard_normal(400), index=DAYS)


def test_return_overview(returns):
    prices = {"a": 100 * np.exp(returns.cumsum() / 100), "b": 50 * np.exp(returns.cumsum() / 200)}
    fig = plot_return_overview(prices, {"a": returns, "b": returns / 2}, "a")
    price_ax, return_ax, vol_ax, qq_ax = fig.axes
    assert [line.get_label() for line in price_ax.get_lines()] == ["a", "b"]
    np.testing.assert_allclose(return_ax.get_lines()[0].get_ydata(), returns)
    assert vol_ax.get_ylabel() == "volatility (% a year)" and len(vol_ax.get_lines()) == 2
    assert "kurtosis" in qq_ax.get_title() and qq_ax.get_legend() is not None
    plt.close(fig)
    with pytest.raises(InputError, match="same streams"):
        plot_return_overview({"a": prices["a"]}, {"b": returns}, "a")


def test_risk_backtest_figure(returns):
    frame = backtest(
        {"hs": HistoricalVaR(window=250), "ewma": RiskMetricsVaR()},
        RiskStream(returns.to_frame("return"), 300),
        calibrate=AdaptiveConformal(0.01, 0.5, "log"),
    )
    periods = {"stress": ("2008-03-03", "2008-04-30")}
    fig = plot_risk_backtest(
        frame, ["hs", "ewma"], ["hs"], level_column="aci_log_level99", periods=periods
    )
    assert len(fig.axes) == 3
    threshold = fig.axes[0].get_lines()[1].get_ydata()
    np.testing.assert_allclose(threshold, -frame.loc[frame["model"] == "hs", "var99"])
    assert fig.axes[0].get_title().startswith("hs: ")
    levels = fig.axes[2].get_lines()[0].get_ydata()
    np.testing.assert_allclose(levels, frame.loc[frame["model"] == "hs", "aci_log_level99"])
    labels = fig.axes[2].get_legend_handles_labels()[1]
    assert "stress window" in labels and "target 0.01" in labels
    plt.close(fig)
    with pytest.raises(InputError, match="one stream"):
        plot_risk_backtest(pd.concat([frame, frame]), ["hs"], [])
