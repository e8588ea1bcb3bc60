"""The NASA-format fixture writer round-trips through the loader; constant sensors by condition."""

from __future__ import annotations

import numpy as np
import pytest

import tslib.datasets as tds
from tests.helpers.cmapss_fixture import write_cmapss_fixture
from tslib.errors import InputError
from tslib.preprocess.operating_conditions import OperatingConditionScaler

FD001_CONSTANT = ["sensor_1", "sensor_5", "sensor_6", "sensor_10", "sensor_16", "sensor_18",
                  "sensor_19"]  # fmt: skip


def test_fd001_style_files_follow_the_nasa_layout(tmp_path):
    paths = write_cmapss_fixture(tmp_path, "FD001", n_train=6, n_test=5, seed=1)
    lines = paths["train"].read_text().splitlines()
    assert all(line.endswith("  ") and not line.endswith("   ") for line in lines)
    assert {len(line.split()) for line in lines} == {26}
    assert lines[0].startswith("1 1 ")
    rul_lines = paths["rul"].read_text().splitlines()
    assert len(rul_lines) == 5 and all(
        line.endswith(" ") and line[:-1].isdigit() for line in rul_lines
    )
    ds = tds.load("cmapss", path=tmp_path, subset="FD001")
    train, test = ds.frames["train"], ds.frames["test"]
    assert train.groupby(level=0)["rul"].min().eq(0).all()  # run to failure
    assert test.groupby(level=0)["rul"].min().gt(0).all()  # stopped before failure
    assert tds.constant_sensors(train) == FD001_CONSTANT
    assert (train["op_setting_3"] == 100.0).all()


def test_fd002_style_files_have_six_conditions_and_constant_sensors_within_them(tmp_path):
    write_cmapss_fixture(tmp_path, "FD002", n_train=6, n_test=4, seed=2)
    train = tds.load("cmapss", path=tmp_path, subset="FD002").frames["train"]
    sensors = [f"sensor_{i}" for i in range(1, 22)]
    scaler = OperatingConditionScaler(sensors).fit(train)
    assert scaler.n_conditions_ == 6
    labels = scaler.transform(train)["op_condition"].to_numpy()
    assert tds.constant_sensors(train, tol=0.0) == ["sensor_16"]  # levels move with the condition
    assert tds.constant_sensors(train, tol=0.011, by=labels) == FD001_CONSTANT
    with pytest.raises(InputError, match="one label per row"):
        tds.constant_sensors(train, by=np.zeros(3))
    with pytest.raises(InputError, match="sensor_99"):
        tds.constant_sensors(train, columns=["sensor_99"])
