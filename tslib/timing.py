"""Side-by-side timing: alternate the candidates, report medians, quantiles and ratios.

Machines are noisy, so absolute times on a shared CPU mean little. What is
robust is a comparison made in one process, with the candidates interleaved
round by round (in a rotating order) so that drift (frequency scaling, a
neighbour's load) hits them alike. :func:`measure` is that engine: it returns
one :class:`Timing` per candidate. :func:`compare` wraps it into a tidy frame for
notebooks; the benchmarks (``benchmarks/``) use :func:`measure`,
:func:`machine_info` and :func:`sync_for` directly.
"""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from tslib.errors import InputError
from tslib.runner.device import resolve_device

__all__ = [
    "Timing",
    "calibrate",
    "compare",
    "machine_info",
    "machine_slug",
    "measure",
    "sync_for",
    "time_call",
]


@dataclass
class Timing:
    """Per-call times of one candidate: one sample per round, in seconds."""

    samples: np.ndarray  # (rounds,) seconds per call, each the mean over `number` calls
    number: int  # calls per sample

    @property
    def rounds(self) -> int:
        """Number of samples (rounds)."""
        return int(self.samples.size)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of the per-call time, in seconds."""
        return float(np.quantile(self.samples, q))

    @property
    def median_s(self) -> float:
        """Median per-call time in seconds."""
        return float(np.median(self.samples))

    @property
    def median_us(self) -> float:
        """Median per-call time in microseconds."""
        return self.median_s * 1e6

    def as_dict(self) -> dict:
        """The benchmark JSON record: median and quartiles in µs, rounds, calls per round."""
        return {
            "median_us": round(self.median_us, 3),
            "q25_us": round(self.quantile(0.25) * 1e6, 3),
            "q75_us": round(self.quantile(0.75) * 1e6, 3),
            "rounds": self.rounds,
            "number": self.number,
        }


def time_call(fn: Callable[[], object], repeats: int = 1) -> float:
    """Seconds per call of ``fn``, averaged over ``repeats`` back-to-back calls."""
    start = time.perf_counter_ns()
    for _ in range(repeats):
        fn()
    return (time.perf_counter_ns() - start) / repeats / 1e9


def sync_for(device: torch.device | str) -> Callable[[], None]:
    """A function that waits for queued work on ``device`` (a no-op on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def calibrate(
    fn: Callable[[], object],
    target_s: float = 0.02,
    sync: Callable[[], None] | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> int:
    """Calls of ``fn`` that take about ``target_s`` seconds (the probing also warms it up).

    Runs 1, 4, 16, ... calls until a batch takes at least a quarter of ``target_s``
    (or 100 000 calls), then scales. ``clock`` is a nanosecond clock (see :func:`measure`).
    """
    sync = sync or (lambda: None)
    count = 1
    while True:
        start = clock()
        for _ in range(count):
            fn()
        sync()
        elapsed = (clock() - start) / 1e9
        if elapsed >= target_s / 4 or count >= 100_000:
            return max(1, round(target_s * count / max(elapsed, 1e-9)))
        count *= 4


def _check(candidates: Mapping, rounds: int, warmup: int, number: int | None) -> list[str]:
    if not isinstance(candidates, Mapping) or not candidates:
        raise InputError("timing: candidates must be a non-empty mapping of name -> callable")
    for name, fn in candidates.items():
        if not callable(fn):
            raise InputError(f"timing: candidate {name!r} is not callable ({type(fn).__name__})")
    if not isinstance(rounds, int) or rounds < 1:
        raise InputError(f"timing: rounds must be a positive int, got {rounds!r}")
    if not isinstance(warmup, int) or warmup < 0:
        raise InputError(f"timing: warmup must be a non-negative int, got {warmup!r}")
    if number is not None and (not isinstance(number, int) or number < 1):
        raise InputError(f"timing: calls per sample must be a positive int, got {number!r}")
    return list(candidates)


def measure(
    candidates: Mapping[str, Callable[[], object]],
    rounds: int = 15,
    number: int | None = None,
    target_s: float = 0.02,
    warmup: int = 0,
    sync: Callable[[], None] | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> dict[str, Timing]:
    """Time ``candidates`` side by side, alternating them round by round.

    Parameters
    ----------
    candidates : Mapping[str, Callable[[], object]]
        Name -> zero-argument callable doing one unit of work (state lives in the closure).
    rounds : int
        Rounds; every round times each candidate once, and round ``r`` starts with
        candidate ``r % len(candidates)`` (rotating order).
    number : int, optional
        Calls per sample; ``None`` calibrates it per candidate so that a sample
        takes about ``target_s`` (see :func:`calibrate`).
    target_s : float
        Approximate duration of one sample when ``number`` is ``None``.
    warmup : int
        Untimed calls of each candidate before the rounds (calibration warms up too).
    sync : callable, optional
        Called before and after each timed block (``torch.cuda.synchronize`` on a GPU).
    clock : callable
        Nanosecond clock read around each sample: wall time by default;
        ``time.thread_time_ns`` counts only the CPU time of the calling thread (for
        single-threaded work on a shared machine: other processes' turns on the core
        are not counted; work on other threads is not counted either).

    Returns
    -------
    dict[str, Timing]
        Per-call times of each candidate, in the order of ``candidates``.

    Raises
    ------
    InputError
        Empty candidates, a candidate that is not callable, or bad counts.
    """
    names = _check(candidates, rounds, warmup, number)
    sync = sync or (lambda: None)
    for name in names:
        for _ in range(warmup):
            candidates[name]()
    numbers = {
        name: number if number is not None else calibrate(candidates[name], target_s, sync, clock)
        for name in names
    }
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:  # rotate who goes first
            fn, count = candidates[name], numbers[name]
            sync()
            start = clock()
            for _ in range(count):
                fn()
            sync()
            samples[name].append((clock() - start) / count / 1e9)
    return {name: Timing(np.asarray(samples[name]), numbers[name]) for name in names}


def compare(
    candidates: Mapping[str, Callable[[], object]],
    rounds: int = 15,
    inner: int | None = 1,
    warmup: int = 2,
    baseline: str | None = None,
    sync: Callable[[], None] | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> pd.DataFrame:
    """Time several callables side by side and report medians and ratios.

    Parameters
    ----------
    candidates : Mapping[str, Callable[[], object]]
        Name to a zero-argument callable doing one unit of work.
    rounds : int
        Interleaved rounds; each round times every candidate once, in a
        rotating order.
    inner : int or None
        Calls per timing sample (raise it for sub-microsecond work); ``None``
        calibrates it per candidate to about 20 ms per sample.
    warmup : int
        Untimed calls of each candidate before measuring.
    baseline : str, optional
        Candidate that ratios are relative to (default: the first).
    sync : callable, optional
        Called around each timed block (see :func:`sync_for`).
    clock : callable
        Nanosecond clock read around each sample (see :func:`measure`).

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``median_s``, ``p10_s``, ``p90_s``, ``samples``,
        ``ratio_to_baseline`` (median / baseline median), then ``q25_s``, ``q75_s``
        and ``inner`` (calls per sample).

    Raises
    ------
    InputError
        Bad candidates or counts, or a ``baseline`` that is not a candidate.

    Examples
    --------
    >>> frame = compare({"a": lambda: sum(range(100)), "b": lambda: sum(range(1000))}, rounds=3)
    >>> list(frame.index)
    ['a', 'b']
    >>> bool(frame.loc["a", "ratio_to_baseline"] == 1.0)
    True
    """
    names = _check(candidates, rounds, warmup, inner)
    baseline = names[0] if baseline is None else baseline
    if baseline not in candidates:
        raise InputError(f"timing: baseline {baseline!r} is not one of the candidates {names}")
    timings = measure(
        candidates, rounds=rounds, number=inner, warmup=warmup, sync=sync, clock=clock
    )
    rows = {
        name: {
            "median_s": t.median_s,
            "p10_s": t.quantile(0.1),
            "p90_s": t.quantile(0.9),
            "samples": t.rounds,
            "q25_s": t.quantile(0.25),
            "q75_s": t.quantile(0.75),
            "inner": t.number,
        }
        for name, t in timings.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    ratio = frame["median_s"] / frame.loc[baseline, "median_s"]
    frame.insert(4, "ratio_to_baseline", ratio)
    return frame


#: CPU flags recorded by :func:`machine_info` (the ones the GEMMs and kernels can use).
ISA_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw", "avx512vl",
    "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8",
)  # fmt: skip


def _cpu_flags() -> list[str] | None:
    """Which of :data:`ISA_FLAGS` the CPU reports (Linux ``/proc/cpuinfo``; else None)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in ISA_FLAGS if flag in present]
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device: torch.device | str = "auto") -> dict:
    """CPU model and ISA flags, core and torch thread counts, versions, device, current load.

    ``device`` is the device the measurements ran on; ``"auto"`` (the default) means
    CUDA when available, else the CPU, as everywhere in tslib
    (:func:`~tslib.runner.device.resolve_device`).
    ``cpu_flags`` lists which of :data:`ISA_FLAGS` the CPU has (None off Linux);
    ``torch_cpu_capability`` is the ISA torch's own kernels dispatch to (e.g.
    ``AVX512``, ``AVX2``, ``DEFAULT``), so a slow result can be traced to the machine.
    """
    device = resolve_device(device)
    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    info = {
        "cpu": _cpu_model(),
        "cpu_flags": _cpu_flags(),
        "torch_cpu_capability": capability() if capability else None,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(device),
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cuda"] = torch.version.cuda
    return info


def machine_slug(info: dict) -> str:
    """A short file-name-safe machine name, e.g. ``amd-epyc-2cpu`` or ``nvidia-h200``."""
    base = info.get("gpu") or info["cpu"]
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
    slug = "-".join(slug.split("-")[:4])
    return slug if "gpu" in info else f"{slug}-{info['cpu_count']}cpu"
