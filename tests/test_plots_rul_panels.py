"""Multi-panel RUL figures: training curves, last-cycle errors, unit intervals, detection panels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tslib.errors import InputError  # noqa: E402
from tslib.plots.detection import plot_detection_panels  # noqa: E402
from tslib.plots.rul import plot_last_cycle_errors, plot_unit_intervals  # noqa: E402
from tslib.plots.training import plot_training_curves  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _predictions() -> pd.DataFrame:
    rows = []
    for model, bias in (("lstm", 2.0), ("gbt", -3.0)):
        for unit, n in ((1, 5), (2, 3), (3, 4)):
            for cycle in range(1, n + 1):
                true = float(10 + n - cycle)
                rows.append((model, unit, cycle, cycle == n, true, min(true, 12.0), true + bias))
    columns = ["model", "unit", "cycle", "last", "y_true", "y_capped", "y_pred"]
    return pd.DataFrame(rows, columns=columns)


def test_training_curves_draw_two_lines_per_model_in_data_units():
    history = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.04, 0.01], "val_loss": [0.09, 0.04]})
    ax = plot_training_curves({"lstm": history, "gru": history}, scale=100.0)
    assert len(ax.get_lines()) == 4
    assert np.allclose(ax.get_lines()[0].get_ydata(), [30.0, 20.0])  # 100 * sqrt(val_loss)
    assert ax.get_legend() is not None and ax.get_xlabel() == "epoch"
    with pytest.raises(InputError, match="lacks"):
        plot_training_curves({"lstm": history.drop(columns="val_loss")})


def test_last_cycle_errors_histogram_every_model_at_its_last_cycle():
    axes = plot_last_cycle_errors(_predictions(), "lstm")
    scatter = axes[0].collections[0].get_offsets()
    assert scatter.shape == (3, 2)  # one point per unit, at its last cycle
    assert np.allclose(scatter[:, 1] - scatter[:, 0], 2.0)
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == ["lstm", "gbt"]
    with pytest.raises(InputError, match="no predictions"):
        plot_last_cycle_errors(_predictions(), "gru")


def test_unit_intervals_show_the_longest_units_with_their_band():
    frame = _predictions()
    lstm = frame[frame["model"] == "lstm"].reset_index(drop=True)
    axes = plot_unit_intervals(lstm, lstm["y_pred"] - 1, lstm["y_pred"] + 1, n_units=2, cap=12)
    assert axes.shape == (1, 3)
    assert [axes[0, i].get_title() for i in range(2)] == ["test unit 3", "test unit 1"]
    assert len(axes[0, 1].collections) == 1  # the band
    with pytest.raises(InputError, match="one model"):
        plot_unit_intervals(frame, frame["y_pred"], frame["y_pred"])
    with pytest.raises(InputError, match="values"):
        plot_unit_intervals(lstm, [0.0], [1.0])


def test_detection_panels_show_the_longest_unit_with_its_event_cycle():
    index = pd.MultiIndex.from_tuples(
        [(4, 1), (4, 2), (8, 1), (8, 2), (8, 3)], names=["unit", "cycle"]
    )
    signals = {"rul": pd.Series([50.0, 40, 60, 20, 10], index=index)}
    signals["hi"] = -signals["rul"]
    alarms = {"rul": [np.array([0, 0], bool), np.array([0, 1, 1], bool)]}
    alarms["hi"] = alarms["rul"]
    axes = plot_detection_panels(signals, alarms, [np.inf, 1.0], {"rul": "RUL", "hi": "HI"})
    assert [ax.get_title() for ax in axes] == ["unit 8: rul", "unit 8: hi"]
    assert axes[0].get_ylabel() == "RUL"
    event_lines = [line for line in axes[0].get_lines() if line.get_label() == "fault onset"]
    assert len(event_lines) == 1 and event_lines[0].get_xdata()[0] == 2.0  # cycle 1 + position 1
    with pytest.raises(InputError, match="lack detectors"):
        plot_detection_panels(signals, alarms, [np.inf, 1.0], {"rul": "RUL"})
