"""tslib.timing: side-by-side timing, rotation, baselines, calibration and bad input."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tslib.errors import InputError
from tslib.timing import Timing, calibrate, compare, machine_info, machine_slug, measure


def sleeper(seconds: float):
    return lambda: time.sleep(seconds)


class VirtualClock:
    """A nanosecond clock that only moves when a candidate says it worked: exact timings
    on any machine, however loaded."""

    def __init__(self) -> None:
        self.now_ns = 0

    def __call__(self) -> int:
        return self.now_ns

    def work(self, seconds: float):
        def run() -> None:
            self.now_ns += round(seconds * 1e9)

        return run


def test_ratio_of_medians_with_a_virtual_clock():
    clock = VirtualClock()
    frame = compare(
        {"1ms": clock.work(0.001), "2ms": clock.work(0.002)}, rounds=9, warmup=1, clock=clock
    )
    assert list(frame.columns[:5]) == ["median_s", "p10_s", "p90_s", "samples", "ratio_to_baseline"]
    assert frame.loc["1ms", "ratio_to_baseline"] == 1.0
    assert frame.loc["2ms", "ratio_to_baseline"] == pytest.approx(2.0)
    assert frame.loc["1ms", "median_s"] == pytest.approx(0.001)
    assert (frame["samples"] == 9).all()
    assert (frame["p10_s"] <= frame["median_s"]).all()
    assert (frame["median_s"] <= frame["p90_s"]).all()


def test_real_sleeps_are_ordered():
    """With the wall clock, 2 ms of sleep is timed longer than 1 ms (sleep only overshoots)."""
    frame = compare({"1ms": sleeper(0.001), "2ms": sleeper(0.002)}, rounds=5, warmup=1)
    assert frame.loc["1ms", "median_s"] >= 0.001
    assert frame.loc["2ms", "median_s"] >= 0.002
    assert frame.loc["2ms", "ratio_to_baseline"] > 1.0


def test_baseline_selection():
    clock = VirtualClock()
    frame = compare(
        {"1ms": clock.work(0.001), "2ms": clock.work(0.002)},
        rounds=5,
        warmup=0,
        baseline="2ms",
        clock=clock,
    )
    assert frame.loc["2ms", "ratio_to_baseline"] == 1.0
    assert frame.loc["1ms", "ratio_to_baseline"] == pytest.approx(0.5)
    expected = frame.loc["1ms", "median_s"] / frame.loc["2ms", "median_s"]
    assert frame.loc["1ms", "ratio_to_baseline"] == pytest.approx(expected)


def test_rounds_rotate_who_goes_first():
    order: list[str] = []
    candidates = {name: (lambda name=name: order.append(name)) for name in "abc"}
    measure(candidates, rounds=4, number=1)
    rounds = ["".join(order[i : i + 3]) for i in range(0, 12, 3)]
    assert rounds == ["abc", "bca", "cab", "abc"]


def test_warmup_and_inner_counts():
    calls = {"a": 0}

    def count():
        calls["a"] += 1

    frame = compare({"a": count}, rounds=3, inner=5, warmup=2)
    assert calls["a"] == 2 + 3 * 5
    assert frame.loc["a", "inner"] == 5


def test_quantiles_follow_numpy():
    timing = Timing(np.array([1.0, 2.0, 3.0, 4.0, 10.0]) * 1e-6, number=7)
    assert timing.median_us == pytest.approx(3.0)
    record = timing.as_dict()
    assert record == {"median_us": 3.0, "q25_us": 2.0, "q75_us": 4.0, "rounds": 5, "number": 7}
    assert timing.quantile(0.1) == pytest.approx(np.quantile(timing.samples, 0.1))


def test_calibration_targets_the_sample_duration():
    clock = VirtualClock()
    assert calibrate(clock.work(0.001), target_s=0.02, clock=clock) == 20
    timings = measure(
        {"fast": clock.work(1e-6), "slow": clock.work(0.002)}, rounds=2, target_s=0.01, clock=clock
    )
    assert timings["fast"].number == 10_000
    assert timings["slow"].number == 5
    frame = compare({"x": clock.work(0.001)}, rounds=2, inner=None, clock=clock)  # None: calibrated
    assert frame.loc["x", "inner"] == 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"candidates": {}}, "non-empty"),
        ({"candidates": [lambda: None]}, "mapping"),
        ({"candidates": {"a": 3}}, "candidate 'a' is not callable"),
        ({"candidates": {"a": lambda: None}, "rounds": 0}, "rounds"),
        ({"candidates": {"a": lambda: None}, "inner": 0}, "calls per sample"),
        ({"candidates": {"a": lambda: None}, "warmup": -1}, "warmup"),
        ({"candidates": {"a": lambda: None}, "baseline": "b"}, "baseline 'b'"),
    ],
)
def test_bad_input_raises(kwargs, message):
    with pytest.raises(InputError, match=message):
        compare(**kwargs)


def test_machine_info_and_slug():
    info = machine_info("cpu")
    assert info["device"] == "cpu" and info["cpu_count"] >= 1
    assert machine_slug({"cpu": "AMD EPYC 9B14 96-Core Processor", "cpu_count": 2}) == (
        "amd-epyc-9b14-96-2cpu"
    )
    assert machine_slug({"cpu": "x", "gpu": "NVIDIA H200", "cpu_count": 16}) == "nvidia-h200"


def test_measure_with_thread_cpu_time_does_not_count_sleeping():
    import time as _time

    from tslib.timing import measure

    timings = measure(
        {"sleep": lambda: _time.sleep(0.002), "spin": lambda: sum(range(20_000))},
        rounds=3,
        number=2,
        clock=_time.thread_time_ns,
    )
    assert timings["sleep"].median_s < 0.001  # 2 ms of wall time, almost no CPU time
    assert timings["spin"].median_s > 0.0
