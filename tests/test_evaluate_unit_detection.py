"""Alarm tables over a fleet: RUL alarms, one summary row per detector, the recorded keys."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.evaluate.unit_detection import (
    DETECTION_COLUMNS,
    alarm_table,
    detection_metrics,
    rul_alarms,
)
from tslib.metrics.detection import unit_alarm_summary


def _rul() -> pd.Series:
    index = pd.MultiIndex.from_tuples(
        [(7, 1), (7, 2), (7, 3), (7, 4), (3, 1), (3, 2)], names=["unit", "cycle"]
    )
    return pd.Series([90.0, 40.0, 25.0, 5.0, 80.0, 70.0], index=index)


def test_rul_alarms_are_per_unit_in_order_of_appearance():
    alarms = rul_alarms(_rul(), 30)
    assert [a.tolist() for a in alarms] == [[False, False, True, True], [False, False]]


def test_rul_alarms_refuse_a_flat_series():
    with pytest.raises(InputError, match="indexed by"):
        rul_alarms(pd.Series([1.0, 2.0]), 30)


def test_alarm_table_matches_unit_alarm_summary_row_by_row():
    alarms = {
        "rul": rul_alarms(_rul(), 30),
        "early": [np.array([True, True, True, True]), np.array([True, False])],
        "never": [np.zeros(4, bool), np.zeros(2, bool)],
    }
    events = [2.0, math.inf]
    table = alarm_table(alarms, events)
    assert list(table.index) == ["rul", "early", "never"]
    assert set(DETECTION_COLUMNS) <= set(table.columns) and "delays" not in table.columns
    for name, masks in alarms.items():
        expected = unit_alarm_summary(masks, events)
        for column in DETECTION_COLUMNS:
            got, want = table.loc[name, column], expected[column]
            assert (np.isnan(got) and np.isnan(want)) or got == want, (name, column)
    assert table["missed_units"].dtype.kind == "i" and table["n_events"].dtype.kind == "i"


def test_detection_metrics_fall_back_to_the_censored_delay_and_say_so():
    alarms = {"rul": rul_alarms(_rul(), 30), "never": [np.zeros(4, bool), np.zeros(2, bool)]}
    metrics, notes = detection_metrics(alarm_table(alarms, [2.0, math.inf]))
    assert list(metrics) == [
        "detection_delay_rul",
        "false_alarms_per_1k_rul",
        "missed_units_rul",
        "detection_delay_never",
        "false_alarms_per_1k_never",
        "missed_units_never",
    ]
    assert metrics["detection_delay_rul"] == 0.0 and metrics["missed_units_rul"] == 0
    # "never" misses unit 7 (event at position 2 of 4 cycles): censored delay 4 - 2 = 2
    assert metrics["detection_delay_never"] == 2.0 and metrics["missed_units_never"] == 1
    assert notes == [
        "never: no unit detected; detection_delay_never records the censored lower bound 2.0"
    ]


def test_alarm_table_refuses_no_detector_and_detection_metrics_a_foreign_table():
    with pytest.raises(InputError, match="non-empty"):
        alarm_table({}, [1.0])
    with pytest.raises(InputError, match="lacks columns"):
        detection_metrics(pd.DataFrame({"mean_delay": [1.0]}))
