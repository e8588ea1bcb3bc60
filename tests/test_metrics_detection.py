"""Detection metrics against scikit-learn and hand-built alarm sequences."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from tslib.errors import InputError
from tslib.metrics import (
    alarm_times,
    detection_delay,
    event_metrics,
    event_segments,
    false_alarms_per_unit_time,
    point_adjust,
    precision_recall_f1,
    roc_auc,
)


def test_precision_recall_f1_hand_and_sklearn():
    truth = np.array([1, 1, 0, 0, 1, 0])
    pred = np.array([1, 0, 1, 0, 1, 0])  # tp=2, fp=1, fn=1
    result = precision_recall_f1(truth, pred)
    assert (result["tp"], result["fp"], result["fn"]) == (2, 1, 1)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    rng = np.random.default_rng(0)
    truth, pred = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average="binary")
    result = precision_recall_f1(truth, pred)
    assert (result["precision"], result["recall"], result["f1"]) == pytest.approx((p, r, f))


def test_precision_is_zero_without_predictions():
    result = precision_recall_f1([1, 0, 1], [0, 0, 0])
    assert result == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 2}


def test_roc_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(size=300) + truth, 1)  # rounding creates ties
    assert roc_auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores))
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_roc_auc_needs_both_classes():
    with pytest.raises(InputError, match="both classes"):
        roc_auc([1, 1, 1], [0.1, 0.2, 0.3])


def test_detection_delay_per_unit():
    alarms = [np.array([2.0, 12.0, 15.0]), np.array([]), np.array([30.0])]
    delays = detection_delay(alarms, [10.0, 5.0, 30.0])
    assert delays[0] == pytest.approx(2.0)  # alarm at 2 is false, 12 detects
    assert np.isnan(delays[1])  # missed
    assert delays[2] == pytest.approx(0.0)


def test_alarm_times_from_mask():
    mask = np.array([0, 1, 0, 1], dtype=bool)
    assert alarm_times(mask).tolist() == [1.0, 3.0]
    assert alarm_times(mask, times=[10.0, 20.0, 30.0, 40.0]).tolist() == [20.0, 40.0]


def test_false_alarms_per_unit_time_hand_value():
    alarms = [[2.0, 4.0, 12.0], [1.0, 50.0]]
    # unit 0: 2 false alarms in 10; unit 1 (healthy until 60, observed from 0): 2 in 60
    assert false_alarms_per_unit_time(alarms, [10.0, 60.0]) == pytest.approx(4 / 70)
    # observation starting at 3 ignores the alarm at 2 and shortens unit 0 to 7
    assert false_alarms_per_unit_time(alarms, [10.0, 60.0], [3.0, 0.0]) == pytest.approx(3 / 67)


def test_detection_delay_validates_units():
    with pytest.raises(InputError, match="2 units but fault_onsets has 3"):
        detection_delay([[1.0], [2.0]], [0.0, 1.0, 2.0])
    with pytest.raises(InputError, match="wrap a single unit"):
        detection_delay(np.array([3.0, 5.0]), [1.0, 2.0])
    with pytest.raises(InputError, match="no fault-free time"):
        false_alarms_per_unit_time([[1.0]], [0.0], [5.0])


def test_event_segments_and_metrics():
    truth = np.array([0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0])
    pred = np.array([0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0])
    assert event_segments(truth) == [(1, 4), (6, 8)]
    result = event_metrics(truth, pred)
    assert result["n_events"] == 2 and result["n_detected"] == 1
    assert result["recall"] == pytest.approx(0.5)
    assert result["n_pred_events"] == 2 and result["n_false_events"] == 1
    assert result["precision"] == pytest.approx(0.5)
    assert result["mean_delay"] == pytest.approx(2.0)  # event starts at 1, first hit at 3


def test_point_adjust_fills_detected_events_only():
    truth = np.array([0, 1, 1, 1, 0, 1, 1])
    pred = np.array([1, 0, 0, 1, 0, 0, 0])
    adjusted = point_adjust(truth, pred)
    assert adjusted.tolist() == [True, True, True, True, False, False, False]
    assert precision_recall_f1(truth, adjusted)["recall"] == pytest.approx(3 / 5)
