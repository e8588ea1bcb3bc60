"""Replay many sensors through one runner as a live system would: attach, reset, detach.

Every sensor is a stream of one :class:`~tslib.runner.runner.StepwiseRunner`. At
each tick ``t`` the sensors that have a row to step (their
:class:`~tslib.preprocess.gaps.GapPlan` says observed or imputed, and they are
attached) are advanced together by one batched ``runner.step``; its wall time,
including reading the outputs back to the host, is the tick's latency.

Events, in the order they happen within a tick:

* ``detach``: a sensor leaves at ``detach_at[s]`` (``runner.detach``);
* ``attach``: a sensor's first stepped row at or after ``attach_at[s]``. With
  ``warm_start`` its history since the last reset (the earlier rows of the
  current segment) goes through ``runner.observe`` in one fused forward, so the
  stream starts where a stream that had stepped all along would be;
* ``reset``: the first row after a long gap (``plan.reset``): ``runner.reset``.

So the outputs equal the segment-wise forward of
:func:`tslib.evaluate.segments.segment_outputs` on every replayed row (the
encoder contract), which a notebook can check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.preprocess.gaps import GapPlan
from tslib.runner.runner import StepwiseRunner

__all__ = ["SensorReplay", "replay_sensors"]


@dataclass
class SensorReplay:
    """What :func:`replay_sensors` returns.

    Attributes
    ----------
    outputs : dict
        Stream id -> (T, O) raw outputs on the rows it stepped, NaN elsewhere
        (rows before ``start`` and after ``stop`` included, T as in the inputs).
    ticks : pandas.DataFrame
        One row per tick with a step: ``t``, ``streams``, ``latency_us``, ``deadline_miss``.
    events : pandas.DataFrame
        ``t``, ``stream``, ``event`` (attach / reset / detach), ``history`` (warm-start rows).
    summary : dict
        ``ticks``, ``stream_steps``, latency ``p50_us`` / ``p99_us`` / ``max_us`` per
        tick, ``deadline_misses``, ``latency_budget_ms``, counts of each event,
        ``max_streams`` (largest batch) and ``state_bytes_per_stream``.
    """

    outputs: dict
    ticks: pd.DataFrame
    events: pd.DataFrame
    summary: dict


def replay_sensors(
    runner: StepwiseRunner,
    inputs: Mapping[Hashable, object],
    plans: Mapping[Hashable, GapPlan],
    *,
    start: int = 0,
    stop: int | None = None,
    attach_at: Mapping[Hashable, int] | None = None,
    detach_at: Mapping[Hashable, int] | None = None,
    warm_start: bool = True,
    latency_budget_ms: float | None = 10.0,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> SensorReplay:
    """Replay ticks ``start .. stop - 1`` of every sensor through ``runner``.

    Parameters
    ----------
    runner : StepwiseRunner
        The runner; sensors are attached, reset and detached in it.
    inputs : mapping
        Stream id -> (T, F) model inputs; rows a plan steps must be finite.
    plans : mapping
        Stream id -> its :class:`GapPlan` (same T).
    start, stop : int
        Tick range (default: every row).
    attach_at, detach_at : mapping, optional
        Stream id -> first tick it may step / tick it leaves (default: ``start`` / never).
    warm_start : bool
        Attach with the segment's earlier rows through ``runner.observe``.
    latency_budget_ms : float, optional
        Deadline of one tick; slower ticks count as misses.
    clock : callable
        Nanosecond clock (inject a fake one in tests).
    """
    if set(inputs) != set(plans):
        raise InputError("replay_sensors: inputs and plans must have the same stream ids")
    data = {s: np.asarray(x, dtype=np.float32) for s, x in inputs.items()}
    size = {s: plans[s].step.size for s in plans}
    for stream, x in data.items():
        if x.ndim != 2 or len(x) != size[stream]:
            raise InputError(
                f"replay_sensors: stream {stream!r} inputs {x.shape} do not match its plan "
                f"({size[stream]} rows)"
            )
    stop = max(size.values()) if stop is None else int(stop)
    attach_at = dict(attach_at or {})
    detach_at = dict(detach_at or {})
    outputs = {s: np.full((size[s], runner.model.n_outputs), np.nan) for s in data}
    ticks, events = [], []
    max_streams = 0
    for t in range(int(start), stop):
        for stream in data:
            if detach_at.get(stream) == t and stream in runner:
                runner.detach(stream)
                events.append((t, stream, "detach", 0))
        active = [
            s
            for s in data
            if t < size[s]
            and attach_at.get(s, start) <= t < detach_at.get(s, math.inf)
            and plans[s].step[t]
        ]
        if not active:
            continue
        for stream in active:
            plan = plans[stream]
            if stream not in runner:
                first = t - int(plan.steps_since_reset[t]) + 1  # segment start
                history = data[stream][first:t] if warm_start else data[stream][:0]
                if len(history):
                    runner.observe([stream], history[None])  # (1, T_h, F)
                events.append((t, stream, "attach", len(history)))
            elif plan.reset[t]:
                runner.reset(stream)
                events.append((t, stream, "reset", 0))
        x_t = np.stack([data[s][t] for s in active])  # (B, F)
        began = clock()
        y_t = runner.step(active, x_t).float().cpu().numpy()  # (B, O)
        latency_us = (clock() - began) / 1e3
        for row, stream in enumerate(active):
            outputs[stream][t] = y_t[row]
        max_streams = max(max_streams, len(active))
        miss = latency_budget_ms is not None and latency_us > 1e3 * latency_budget_ms
        ticks.append((t, len(active), latency_us, miss))
    tick_frame = pd.DataFrame(ticks, columns=["t", "streams", "latency_us", "deadline_miss"])
    event_frame = pd.DataFrame(events, columns=["t", "stream", "event", "history"])
    latency = tick_frame["latency_us"].to_numpy()
    p50, p99 = np.percentile(latency, [50, 99]) if latency.size else (math.nan, math.nan)
    stats = runner.stats()
    per_stream = stats["state_bytes"] / stats["streams"] if stats["streams"] else math.nan
    counts = event_frame["event"].value_counts()
    summary = {
        "ticks": len(tick_frame),
        "stream_steps": int(tick_frame["streams"].sum()),
        "p50_us": float(p50),
        "p99_us": float(p99),
        "max_us": float(latency.max()) if latency.size else math.nan,
        "deadline_misses": int(tick_frame["deadline_miss"].sum()),
        "latency_budget_ms": latency_budget_ms,
        "attaches": int(counts.get("attach", 0)),
        "resets": int(counts.get("reset", 0)),
        "detaches": int(counts.get("detach", 0)),
        "max_streams": max_streams,
        "state_bytes_per_stream": float(per_stream),
    }
    return SensorReplay(outputs, tick_frame, event_frame, summary)
