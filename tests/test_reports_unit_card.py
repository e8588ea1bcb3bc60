"""The fleet data card: one line per frame, counts computed from the frames."""

from __future__ import annotations

import pytest

import tslib as ts
from tslib.errors import InputError
from tslib.reports.unit_card import unit_data_card


def test_card_counts_units_and_cycles_of_each_frame():
    data = ts.load("equipment_sim", n_units=5, n_test_units=4, seed=1)
    lines = unit_data_card(data, "simulated").splitlines()
    assert lines[0] == f"dataset: equipment_sim (simulated), frequency: {data.info.frequency}"
    for line, name in zip(lines[1:3], ("train", "test")):
        sizes = data.frames[name].groupby(level=0).size()
        assert line == (
            f"{name}: {len(sizes)} units, {sizes.sum()} cycles, "
            f"{sizes.min()}..{sizes.max()} cycles per unit"
        )
    assert lines[3] == "sensors: 21, operating settings: 3, target: rul"
    assert lines[4] == "repairs: none"


def test_card_refuses_what_is_not_a_fleet_dataset():
    with pytest.raises(InputError, match="LoadedDataset"):
        unit_data_card({"frames": {}}, "x")
    data = ts.load("equipment_sim", n_units=3, n_test_units=2, seed=0)
    with pytest.raises(InputError, match="no frames"):
        unit_data_card(data, "simulated", frames=("train", "validation"))
