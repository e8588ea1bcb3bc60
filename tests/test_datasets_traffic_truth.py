"""Errors against the traffic simulator's ground truth: incidents and the noise-free signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.datasets import load
from tslib.datasets.traffic_truth import against_truth, noise_free_signal
from tslib.errors import InputError


@pytest.fixture(scope="module")
def sim():
    return load("traffic_sim", n_sensors=2, days=21, n_incidents=10, n_outages=0, seed=3)


def test_the_noise_free_signal_is_the_clean_volume_without_sensor_noise(sim):
    signal = noise_free_signal(sim.truth)
    assert signal.shape == sim.truth["baseline"].shape
    ratio = (sim.truth["clean"] / signal).stack()
    # the clean volume is the signal times the AR(1) noise factor: centred near 1
    assert 0.8 < ratio.median() < 1.2
    with pytest.raises(InputError, match="factor"):
        noise_free_signal({k: v for k, v in sim.truth.items() if k != "factor"})


def test_errors_inside_incidents_and_against_the_signal(sim):
    truth = sim.truth
    sensors = list(truth["baseline"].columns)
    index = truth["baseline"].index[-100:]
    rows = []
    for model, bias in (("good", 0.0), ("biased", 10.0)):
        for s in sensors:
            clean = truth["clean"].loc[index, s].to_numpy()
            rows.append(
                pd.DataFrame(
                    {
                        "model": model,
                        "stream": s,
                        "horizon": 1,
                        "timestamp": index,
                        "y_true": clean,
                        "y_pred": noise_free_signal(truth).loc[index, s].to_numpy() + bias,
                    }
                )
            )
    results = pd.concat(rows, ignore_index=True)
    found = against_truth(results, truth, ["good", "biased"])
    assert found["noise_free"].loc["good", 1] == pytest.approx(0.0, abs=1e-9)
    assert found["noise_free"].loc["biased", 1] == pytest.approx(10.0)
    effect = np.concatenate([truth["incident_effect"].loc[index, s].to_numpy() for s in sensors])
    inside = int((effect < 0.95).sum())
    table = found["incidents"]
    if inside:
        assert table.loc[(1, "good"), "points inside"] == inside
    assert "MAE outside incidents" in table.columns
    level = found["noise_level"].loc[1]
    expected = (
        (results[results.model == "good"]["y_pred"] - results[results.model == "good"]["y_true"])
        .abs()
        .mean()
    )
    assert level == pytest.approx(expected)
