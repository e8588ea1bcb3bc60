"""Side-by-side timing, machine description and result rows shared by the benchmarks.

Every comparison runs its candidates in one process and *alternates* them:
each round times every candidate once, in a rotating order, so a burst of load
from another process hits all of them alike. We report the median over rounds
and ratios of medians; absolute times on a shared 2-core machine are only
indicative.
"""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

__all__ = ["Timing", "Goal", "compare", "machine_info", "machine_slug", "sync_for"]


@dataclass
class Timing:
    """Per-call time of one candidate, in microseconds, over ``rounds`` rounds."""

    median_us: float  # median of the per-round means
    q25_us: float  # 25th percentile over rounds
    q75_us: float  # 75th percentile over rounds
    rounds: int  # rounds timed
    number: int  # calls per round

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass
class Goal:
    """A goal from the issue, the measured value and whether it is met."""

    name: str  # e.g. "per-observation speedup at T=168"
    value: float  # measured
    target: float  # threshold
    higher_is_better: bool  # True: met when value >= target
    note: str = ""  # what exactly was compared
    met: bool = field(init=False)

    def __post_init__(self) -> None:
        self.met = bool(
            self.value >= self.target if self.higher_is_better else self.value <= self.target
        )

    def as_dict(self) -> dict:
        out = asdict(self)
        out["value"] = round(self.value, 4)
        return out


def sync_for(device: torch.device | str) -> Callable[[], None]:
    """A function that waits for queued work on ``device`` (no-op on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def _calibrate(fn: Callable[[], object], sync: Callable[[], None], target_s: float) -> int:
    """Calls per round so that a round of ``fn`` takes about ``target_s`` (also warms up)."""
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            fn()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= target_s / 4 or count >= 100_000:
            return max(1, round(target_s * count / max(elapsed, 1e-9)))
        count *= 4


def compare(
    candidates: dict[str, Callable[[], object]],
    rounds: int = 15,
    target_s: float = 0.02,
    sync: Callable[[], None] | None = None,
) -> dict[str, Timing]:
    """Time ``candidates`` side by side, alternating them round by round.

    Parameters
    ----------
    candidates : dict
        Name -> zero-argument callable (state such as a runner lives in the closure).
    rounds : int
        Rounds; every round times each candidate once (``number`` calls).
    target_s : float
        Approximate duration of one candidate's share of a round.
    sync : callable, optional
        Called after each timed block (``torch.cuda.synchronize`` on a GPU).

    Returns
    -------
    dict[str, Timing]
        Per-call times of each candidate.
    """
    sync = sync or (lambda: None)
    names = list(candidates)
    numbers = {name: _calibrate(candidates[name], sync, target_s) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:  # rotate who goes first
            fn, number = candidates[name], numbers[name]
            sync()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            sync()
            samples[name].append((time.perf_counter() - start) / number * 1e6)
    out = {}
    for name in names:
        values = np.asarray(samples[name])
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        out[name] = Timing(float(median), float(q25), float(q75), rounds, numbers[name])
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device: torch.device | str = "cpu") -> dict:
    """CPU model, thread counts, library versions, device and current load."""
    device = torch.device(device)
    info = {
        "cpu": _cpu_model(),
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
