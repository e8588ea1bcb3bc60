"""Side-by-side timing: alternate the candidates, report medians and ratios.

Machines are noisy, so absolute times on a shared CPU mean little. What is
robust is a comparison made in one process, with the candidates interleaved
round by round so that drift (frequency scaling, a neighbour's load) hits
them alike. :func:`compare` does exactly that and returns a tidy frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

__all__ = ["compare", "time_call"]


def time_call(fn: Callable[[], object], repeats: int = 1) -> float:
    """Seconds per call of ``fn``, averaged over ``repeats`` back-to-back calls."""
    start = time.perf_counter_ns()
    for _ in range(repeats):
        fn()
    return (time.perf_counter_ns() - start) / repeats / 1e9


def compare(
    candidates: Mapping[str, Callable[[], object]],
    rounds: int = 15,
    inner: int = 1,
    warmup: int = 2,
    baseline: str | None = None,
) -> pd.DataFrame:
    """Time several callables side by side and report medians and ratios.

    Parameters
    ----------
    candidates : Mapping[str, Callable[[], object]]
        Name to a zero-argument callable doing one unit of work.
    rounds : int
        Interleaved rounds; each round times every candidate once, in a
        rotating order.
    inner : int
        Calls per timing sample (raise it for sub-microsecond work).
    warmup : int
        Untimed calls of each candidate before measuring.
    baseline : str, optional
        Candidate that ratios are relative to (default: the first).

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``median_s``, ``p10_s``, ``p90_s``, ``samples``
        and ``ratio_to_baseline`` (median / baseline median).

    Examples
    --------
    >>> frame = compare({"a": lambda: sum(range(100)), "b": lambda: sum(range(1000))}, rounds=3)
    >>> list(frame.index)
    ['a', 'b']
    >>> bool(frame.loc["a", "ratio_to_baseline"] == 1.0)
    True
    """
    names = list(candidates)
    baseline = baseline or names[0]
    for name in names:
        for _ in range(warmup):
            candidates[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(time_call(candidates[name], inner))
    rows = {}
    for name in names:
        values = np.asarray(samples[name])
        rows[name] = {
            "median_s": float(np.median(values)),
            "p10_s": float(np.quantile(values, 0.1)),
            "p90_s": float(np.quantile(values, 0.9)),
            "samples": len(values),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame["ratio_to_baseline"] = frame["median_s"] / frame.loc[baseline, "median_s"]
    return frame
