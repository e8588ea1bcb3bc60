"""plot_sensor_screen: three labelled panels (trajectories, RUL correlations, ranges)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tslib.errors import InputError  # noqa: E402
from tslib.plots.sensor_screen import plot_sensor_screen  # noqa: E402


def _fleet() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    index = pd.MultiIndex.from_product([[1, 2, 3], np.arange(1, 31)], names=["unit", "cycle"])
    rul = pd.Series(np.tile(np.arange(29, -1, -1.0), 3), index=index)
    raw = pd.DataFrame({
        "sensor_1": np.full(len(index), 5.0), "sensor_2": -rul + rng.normal(0, 1, len(index)),
        "sensor_3": rng.normal(0, 1, len(index))}, index=index)  # fmt: skip
    return raw, rul


def test_three_labelled_panels_and_the_dropped_sensor_in_red():
    raw, rul = _fleet()
    scaled = (raw - raw.mean()) / raw.std().replace(0, 1)
    axes = plot_sensor_screen(
        scaled, raw, rul, dropped=["sensor_1"], conditions=np.zeros(len(raw)), tol=0.01, n_sensors=2
    )
    assert len(axes) == 3
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(axes[0].get_lines()) == 2 * 3  # 2 sensors x 3 units
    assert [t.get_text() for t in axes[1].get_yticklabels()] == ["sensor_2", "sensor_3"]
    bars = axes[2].patches
    assert len(bars) == 3 and bars[0].get_facecolor()[:3] == pytest.approx((1.0, 0.0, 0.0), abs=0.3)
    assert axes[2].get_legend() is not None
    plt.close("all")


def test_mismatched_rows_are_refused():
    raw, rul = _fleet()
    with pytest.raises(InputError, match="same rows"):
        plot_sensor_screen(
            raw, raw, rul.iloc[:-1], dropped=[], conditions=np.zeros(len(raw)), tol=0.0
        )
    with pytest.raises(InputError, match="at least one sensor"):
        plot_sensor_screen(
            raw, raw, rul, dropped=list(raw.columns), conditions=np.zeros(len(raw)), tol=0.0
        )
