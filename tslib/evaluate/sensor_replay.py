"""Replay many sensors through one runner as a live system would: the "segments" protocol's replay.

``ts.replay(model_or_runner, segments, ...)`` lands here for
:class:`~tslib.evaluate.segments.Segments` data. Every sensor is a stream of one
:class:`~tslib.runner.runner.StepwiseRunner`. At each tick ``t`` the sensors that have
a row to step (their :class:`~tslib.preprocess.gaps.GapPlan` says observed or imputed,
and they are attached) are advanced together by one batched ``runner.step``; its wall
time, including reading the outputs back to the host, is the tick's latency.

Events, in the order they happen within a tick:

* ``detach``: a sensor leaves at ``detach_at[s]`` (``runner.detach``);
* ``attach``: a sensor's first stepped row at or after ``attach_at[s]``. With
  ``warm_start`` its history since the last reset (the earlier rows of the
  current segment) goes through ``runner.observe`` in one fused forward, so the
  stream starts where a stream that had stepped all along would be;
* ``reset``: the first row after a long gap (``plan.reset``): ``runner.reset``.

So the outputs equal the segment-wise forward the segments backtest scores, on every
replayed row (the encoder contract); ``check_forward=True`` measures it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.runner.runner import StepwiseRunner

if TYPE_CHECKING:
    from tslib.evaluate.segments import Segments

__all__ = ["sensor_replay", "describe_replay", "SENSOR_REPLAY_COLUMNS"]

#: Columns of the replay frame, one row per stepped (stream, tick), then ``output_0`` ...
SENSOR_REPLAY_COLUMNS = [
    "stream", "t", "timestamp", "event", "history", "streams", "latency_us", "deadline_miss",
]  # fmt: skip


def sensor_replay(
    model_or_runner: StepwiseRunner | StepEncoder,
    data: Segments,
    *,
    inputs: str | None = None,
    start: int = 0,
    stop: int | None = None,
    attach_at: Mapping[Hashable, int] | None = None,
    detach_at: Mapping[Hashable, int] | None = None,
    warm_start: bool = True,
    latency_budget_ms: float | None = 10.0,
    check_forward: bool = False,
    clock: Callable[[], int] = time.perf_counter_ns,
    device: str = "auto",
) -> tuple[pd.DataFrame, dict]:
    """Replay ticks ``start .. stop - 1`` of every stream of ``data`` through one runner.

    Parameters
    ----------
    model_or_runner : StepwiseRunner or StepEncoder
        The runner (streams are attached, reset and detached in it) or a model (a
        fresh runner on ``device``).
    data : Segments
        The streams, their gap plans and their inputs.
    inputs : str, optional
        Input set of ``data`` the model reads (default: the first set).
    start, stop : int
        Tick range (default: every row).
    attach_at, detach_at : mapping, optional
        Stream id -> first tick it may step / tick it leaves (default: ``start`` / never).
    warm_start : bool
        Attach with the segment's earlier rows through ``runner.observe``.
    latency_budget_ms : float, optional
        Deadline of one tick; slower ticks count as misses.
    check_forward : bool
        Also run the segment-wise forward of the model and report the largest absolute
        difference from the replayed outputs (``summary["forward_max_abs_diff"]``).
    clock : callable
        Nanosecond clock (inject a fake one in tests).
    device : str
        Device of a fresh runner.

    Returns
    -------
    frame : pandas.DataFrame
        One row per stepped (stream, tick): :data:`SENSOR_REPLAY_COLUMNS` (``event`` is
        ``"attach"``, ``"reset"`` or ``""``; ``history`` the warm-start rows; ``streams``,
        ``latency_us`` and ``deadline_miss`` belong to the tick), then the raw outputs
        ``output_0 ..``.
    summary : dict
        ``ticks``, ``stream_steps``, latency ``p50_us`` / ``p99_us`` / ``max_us`` per tick,
        ``deadline_misses``, ``latency_budget_ms``, ``attaches`` / ``resets`` /
        ``detaches``, ``event_counts`` and ``event_streams`` (event -> sorted stream ids),
        ``max_streams`` (largest batch), ``state_bytes_per_stream``, ``device`` and,
        with ``check_forward``, ``forward_max_abs_diff``.
    """
    if not all(hasattr(data, name) for name in ("y", "plans", "input_set")):
        raise InputError(f"replay: sensor replay needs Segments data, got {type(data).__name__}")
    runner = (
        model_or_runner
        if isinstance(model_or_runner, StepwiseRunner)
        else StepwiseRunner(model_or_runner, device=device)
    )
    plans = data.plans
    series = {s: np.asarray(x, dtype=np.float32) for s, x in data.input_set(inputs).items()}
    size = len(data.y)
    stop = size if stop is None else int(stop)
    attach_at = dict(attach_at or {})
    detach_at = dict(detach_at or {})
    outputs = {s: np.full((size, runner.model.n_outputs), np.nan) for s in series}
    rows, events = [], []
    for t in range(int(start), stop):
        for stream in series:
            if detach_at.get(stream) == t and stream in runner:
                runner.detach(stream)
                events.append((stream, "detach"))
        active = [
            s
            for s in series
            if attach_at.get(s, start) <= t < detach_at.get(s, math.inf) and plans[s].step[t]
        ]
        if not active:
            continue
        happened = {}
        for stream in active:
            plan = plans[stream]
            if stream not in runner:
                first = t - int(plan.steps_since_reset[t]) + 1  # segment start
                history = series[stream][first:t] if warm_start else series[stream][:0]
                if len(history):
                    runner.observe([stream], history[None])  # (1, T_h, F)
                happened[stream] = ("attach", len(history))
            elif plan.reset[t]:
                runner.reset(stream)
                happened[stream] = ("reset", 0)
        events += [(stream, event) for stream, (event, _) in happened.items()]
        x_t = np.stack([series[s][t] for s in active])  # (B, F)
        began = clock()
        y_t = runner.step(active, x_t).float().cpu().numpy()  # (B, O)
        latency_us = (clock() - began) / 1e3
        miss = latency_budget_ms is not None and latency_us > 1e3 * latency_budget_ms
        for row, stream in enumerate(active):
            outputs[stream][t] = y_t[row]
            event, history = happened.get(stream, ("", 0))
            rows.append((stream, t, event, history, len(active), latency_us, miss, *y_t[row]))
    width = runner.model.n_outputs
    output_columns = [f"output_{j}" for j in range(width)]
    frame = pd.DataFrame(
        rows, columns=[*SENSOR_REPLAY_COLUMNS[:2], *SENSOR_REPLAY_COLUMNS[3:], *output_columns]
    )
    frame.insert(2, "timestamp", data.y.index[frame["t"].to_numpy(dtype=np.int64)])
    summary = _summary(frame, events, runner, latency_budget_ms)
    if check_forward:
        summary["forward_max_abs_diff"] = _forward_gap(runner.model, series, plans, outputs)
    return frame, summary


def _summary(
    frame: pd.DataFrame, events: list, runner: StepwiseRunner, latency_budget_ms: float | None
) -> dict:
    ticks = frame.drop_duplicates("t")
    latency = ticks["latency_us"].to_numpy(dtype=float)
    p50, p99 = np.percentile(latency, [50, 99]) if latency.size else (math.nan, math.nan)
    stats = runner.stats()
    per_stream = stats["state_bytes"] / stats["streams"] if stats["streams"] else math.nan
    log = pd.DataFrame(events, columns=["stream", "event"])
    counts = log["event"].value_counts().sort_index()
    return {
        "ticks": len(ticks),
        "stream_steps": len(frame),
        "p50_us": float(p50),
        "p99_us": float(p99),
        "max_us": float(latency.max()) if latency.size else math.nan,
        "deadline_misses": int(ticks["deadline_miss"].sum()),
        "latency_budget_ms": latency_budget_ms,
        "attaches": int(counts.get("attach", 0)),
        "resets": int(counts.get("reset", 0)),
        "detaches": int(counts.get("detach", 0)),
        "event_counts": {str(k): int(v) for k, v in counts.items()},
        "event_streams": {
            str(k): sorted(set(v)) for k, v in log.groupby("event")["stream"] if len(v)
        },
        "max_streams": int(ticks["streams"].max()) if len(ticks) else 0,
        "state_bytes_per_stream": float(per_stream),
        "device": str(runner.device),
    }


def _forward_gap(
    model: StepEncoder,
    series: Mapping[Hashable, np.ndarray],
    plans: Mapping,
    outputs: Mapping[Hashable, np.ndarray],
) -> float:
    """Largest |replayed - segment-wise forward| over every replayed row."""
    from tslib.evaluate.segments import _segment_outputs  # the backtest's forward

    worst = 0.0
    for stream, x in series.items():
        replayed = outputs[stream]
        done = np.isfinite(replayed[:, 0])
        forward = _segment_outputs(model, x, plans[stream])
        worst = max(worst, float(np.abs(replayed[done] - forward[done]).max(initial=0.0)))
    return worst


def describe_replay(summary: dict) -> str:
    """The replay's summary in four lines: load, latency against the budget, events and
    state, and which streams each event touched.

    Examples
    --------
    >>> summary = {"ticks": 3, "stream_steps": 5, "max_streams": 2, "device": "cpu",
    ...            "p50_us": 20.0, "p99_us": 41.0, "max_us": 42.0, "deadline_misses": 0,
    ...            "latency_budget_ms": 1.0, "attaches": 2, "resets": 0, "detaches": 1,
    ...            "state_bytes_per_stream": 256.0, "event_streams": {"attach": ["a", "b"]}}
    >>> print(describe_replay(summary))
    ticks 3 | stream steps 5 | up to 2 streams per tick | device cpu
    latency per tick: p50 20 us, p99 41 us, max 42 us; deadline misses at 1.0 ms: 0
    events: 2 attach, 0 reset, 1 detach | state per stream: 256 bytes
    streams per event: {'attach': ['a', 'b']}
    """
    s = summary
    return "\n".join(
        [
            f"ticks {s['ticks']} | stream steps {s['stream_steps']} | up to {s['max_streams']} "
            f"streams per tick | device {s['device']}",
            f"latency per tick: p50 {s['p50_us']:.0f} us, p99 {s['p99_us']:.0f} us, max "
            f"{s['max_us']:.0f} us; deadline misses at {s['latency_budget_ms']} ms: "
            f"{s['deadline_misses']}",
            f"events: {s['attaches']} attach, {s['resets']} reset, {s['detaches']} detach | "
            f"state per stream: {s['state_bytes_per_stream']:.0f} bytes",
            f"streams per event: {s['event_streams']}",
        ]
    )
