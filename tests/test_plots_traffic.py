"""Traffic plots draw labelled axes and skip what the data lacks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tslib.plots import traffic  # noqa: E402
from tslib.preprocess.gaps import plan_gaps  # noqa: E402


def _frame() -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=24 * 21, freq="h")
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "s0": 100 + 50 * np.sin(np.arange(len(index)) / 4) + rng.normal(size=len(index)),
            "s1": 80 + rng.normal(size=len(index)),
            "temp_c": rng.normal(10, 5, len(index)),
            "rain_mm": np.where(rng.random(len(index)) < 0.2, rng.random(len(index)), 0.0),
        },
        index=index,
    )


def test_every_plot_labels_its_axes():
    frame = _frame()
    plans = {s: plan_gaps(frame[s].notna().to_numpy(), 2) for s in ("s0", "s1")}
    results = pd.DataFrame(
        {
            "model": np.repeat(["a", "b"], 48),
            "stream": "s0",
            "horizon": 1,
            "timestamp": np.tile(frame.index[-48:], 2),
            "y_true": 1.0,
            "y_pred": np.r_[np.ones(48), np.zeros(48)],
        }
    )
    drawn = [
        *traffic.plot_week_and_profile(frame, ["s0", "s1"], 24 * 14, 168, "veh/h"),
        *traffic.plot_weather_response(frame, ["s0", "s1"], ["temp_c", "rain_mm"], {}, "veh/h"),
        traffic.plot_gap_map(plans, frame.index, 24 * 14),
        traffic.plot_error_by_hour(results, ["a", "b"], 1, "veh/h"),
        *np.atleast_1d(
            traffic.plot_forecast_week(results, "s0", ["a", "b"], [1], frame.index[-48], "veh/h")
        ),
    ]
    for ax in drawn:
        assert ax.get_xlabel() and (ax.get_ylabel() or ax.get_yticklabels())
    plt.close("all")


def test_weather_response_without_weather_draws_nothing():
    assert traffic.plot_weather_response(_frame(), ["s0"], ["clouds"], {}, "veh/h") is None
