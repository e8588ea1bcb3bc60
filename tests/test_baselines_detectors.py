"""Threshold and CUSUM detectors: hand-computed sums and a synthetic mean shift."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tslib.baselines import CusumDetector, ThresholdDetector
from tslib.errors import InputError, StateError
from tslib.metrics import alarm_times, detection_delay

HEALTHY = np.array([-1.0, 1.0, -1.0, 1.0])  # mean 0, std (ddof=1) = sqrt(4/3)


def test_threshold_sides():
    std = np.sqrt(4 / 3)
    values = np.array([2.5, -2.5, 0.5]) * std  # z = 2.5, -2.5, 0.5
    both = ThresholdDetector(2.0).fit(HEALTHY)
    assert both.run(values).tolist() == [True, True, False]
    assert ThresholdDetector(2.0, side="upper").fit(HEALTHY).run(values).tolist() == [
        True, False, False
    ]  # fmt: skip
    assert ThresholdDetector(2.0, side="lower").fit(HEALTHY).run(values).tolist() == [
        False, True, False
    ]  # fmt: skip


def test_cusum_sums_by_hand():
    std = np.sqrt(4 / 3)
    detector = CusumDetector(k=0.5, h=1.9, reset=True).fit(HEALTHY)
    z = [1.0, 1.0, -0.2, 1.5, 0.0]
    # S+: 0.5, 1.0, 0.3, 1.3, 0.8 ; S-: 0, 0, 0, 0, 0 -> no alarm at h = 1.9
    alarms = [detector.step(value * std) for value in z]
    assert alarms == [False] * 5
    assert detector.upper_sum_ == pytest.approx(0.8)
    # z = 1.7 -> S+ = 0.8 + 1.2 = 2.0 > 1.9: alarm, then reset
    assert detector.step(1.7 * std) is True
    assert detector.upper_sum_ == 0.0
    # lower side: z = -3 -> S- = 2.5 > 1.9
    assert detector.step(-3.0 * std) is True


def test_cusum_without_reset_keeps_alarming():
    detector = CusumDetector(k=0.0, h=1.0, side="upper", reset=False).fit(HEALTHY)
    std = np.sqrt(4 / 3)
    assert detector.run(np.array([0.6, 0.6, 0.6]) * std).tolist() == [False, True, True]


def test_cusum_detects_mean_shift_within_bounded_delay():
    """1-sigma shift at t=300; k=0.5, h=10: ARL0 ~ 7e4 (no false alarm), ARL1 ~ 20 (Siegmund)."""
    onset, delays = 300, []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        detector = CusumDetector(k=0.5, h=10.0).fit(rng.normal(2.0, 3.0, size=500))
        stream = rng.normal(2.0, 3.0, size=400)
        stream[onset:] += 3.0  # one standard deviation up
        alarms = detector.run(stream)
        assert not alarms[:onset].any(), f"false alarm before the shift (seed {seed})"
        delays.append(detection_delay([alarm_times(alarms)], [onset])[0])
    delays = np.array(delays)
    assert np.all(np.isfinite(delays)) and delays.max() <= 60
    assert 10 <= np.median(delays) <= 35


def test_threshold_detector_misses_small_shift_that_cusum_catches():
    rng = np.random.default_rng(1)
    healthy = rng.normal(size=500)
    stream = rng.normal(size=300)
    stream[100:] += 1.0
    assert ThresholdDetector(4.0).fit(healthy).run(stream).sum() <= 2
    assert CusumDetector(k=0.5, h=5.0).fit(healthy).run(stream)[100:].sum() >= 5


def test_bad_input_and_state():
    with pytest.raises(StateError, match="not fitted"):
        CusumDetector().step(1.0)
    with pytest.raises(InputError, match="standard deviation is zero"):
        ThresholdDetector().fit([1.0, 1.0, 1.0])
    with pytest.raises(InputError, match="side must be one of"):
        ThresholdDetector(side="up").fit(HEALTHY)
    with pytest.raises(InputError, match="k >= 0 and h > 0"):
        CusumDetector(h=0.0).fit(HEALTHY)
    with pytest.raises(InputError, match="x contains NaN"):
        CusumDetector().fit(HEALTHY).step(np.nan)


def test_fit_starts_monitoring_fresh_and_update_apply_match_run():
    detector = CusumDetector(k=0.0, h=100.0, side="upper", reset=False).fit([0.0, 4.0, 4.0, 4.0])
    assert detector.upper_sum_ == 0.0 and detector.lower_sum_ == 0.0  # healthy is not monitored
    stream = np.array([1.0, 5.0, 2.0, 6.0])
    reference = copy.deepcopy(detector)
    reference.run(stream)
    detector.update(stream[:1]).update(stream[1:])
    assert detector.upper_sum_ == pytest.approx(reference.upper_sum_)
    applied = detector.apply(stream)  # from a reset state, whatever detector has read
    assert applied.upper_sum_ == pytest.approx(reference.upper_sum_)
    assert detector.upper_sum_ == pytest.approx(reference.upper_sum_)  # source untouched
