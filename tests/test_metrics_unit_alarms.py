"""unit_alarm_summary: delay, false alarms per 1000 cycles and missed units, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tslib.errors import InputError
from tslib.metrics import unit_alarm_summary


def test_summary_by_hand():
    alarms = [
        np.array([0, 1, 0, 0, 0, 1, 1, 0], bool),  # event at 4: one false alarm, delay 1
        np.array([0, 0, 0, 0, 0, 0]),  # event at 2: missed, observed 4 cycles after it
        np.array([1, 0, 0, 0]),  # healthy: one false alarm over 4 cycles
        np.array([0, 0, 1]),  # event at 0: delay 2, no exposure
    ]
    summary = unit_alarm_summary(alarms, [4, 2, math.inf, 0])
    assert summary["n_events"] == 3 and summary["n_detected"] == 2
    assert summary["missed_units"] == 1
    assert summary["mean_delay"] == pytest.approx(1.5) and summary["median_delay"] == 1.5
    assert summary["censored_mean_delay"] == pytest.approx((1 + 4 + 2) / 3)
    assert summary["false_alarms"] == 2 and summary["exposure"] == 4 + 2 + 4 + 0
    assert summary["false_alarms_per_k"] == pytest.approx(1000 * 2 / 10)
    np.testing.assert_array_equal(summary["delays"], [1.0, np.nan, np.nan, 2.0])


def test_an_event_after_the_last_cycle_is_no_event():
    summary = unit_alarm_summary([np.array([0, 0, 1])], [3])
    assert summary["n_events"] == 0 and summary["missed_units"] == 0
    assert math.isnan(summary["mean_delay"]) and summary["false_alarms_per_k"] == pytest.approx(
        1000 / 3
    )


def test_errors_name_the_problem():
    with pytest.raises(InputError, match="one boolean array per unit"):
        unit_alarm_summary(np.array([0, 1, 0]), [1])
    with pytest.raises(InputError, match="one position per unit"):
        unit_alarm_summary([[0, 1]], [1, 2])
    with pytest.raises(InputError, match="positions >= 0"):
        unit_alarm_summary([[0, 1]], [np.nan])
    with pytest.raises(InputError, match=r"alarms\[0\]"):
        unit_alarm_summary([[0, 2]], [1])
