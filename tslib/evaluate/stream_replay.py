"""Replay test streams through a runner as if they were live.

At every tick ``t`` each active stream first *predicts* (its pending prediction,
the point value of the runner's last output for it, made before ``x_t`` exists)
and then *observes* ``x_t``: one batched ``runner.step`` over all active
streams, whose outputs become the predictions for ``t + 1``. The wall time of
that observe call (step plus reading the next predictions back to the host) is
the tick's latency, checked against a deadline.

Labels may arrive late: with ``label_delay = k`` the label of tick ``t`` is
revealed at tick ``t + k``, and the online metric (``running_mae``) only uses
revealed labels. Labels still hidden when a stream ends never count.

Streams may start warm, as in a live system that has seen their past: a
``warmup`` history per stream goes through
:meth:`~tslib.runner.runner.StepwiseRunner.observe` (one fused forward) before
tick 0, so the first prediction is already informed. With
``target_transform`` (the fitted target scaler or Pipeline, or one per stream)
predictions, labels and errors are in data units. With ``interval`` the summary
also holds each stream's next forecast (point and central interval, from the
model's head) after its last observation.

One implementation path: :func:`replay` is ``list(iter_replay(...))`` plus
:func:`summarize_replay`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.evaluate.predictions import check_interval, float_array, head_predictions
from tslib.evaluate.units import target_inverse
from tslib.runner.runner import StepwiseRunner

__all__ = [
    "ReplayResult", "iter_replay", "stream_replay", "summarize_replay", "REPLAY_COLUMNS",
]  # fmt: skip

#: Columns of the replay frame, one row per (stream, tick).
REPLAY_COLUMNS = [
    "stream", "t", "y_true", "y_pred", "latency_us", "deadline_miss",
    "revealed_at", "n_revealed", "running_mae",
]  # fmt: skip


class ReplayResult(NamedTuple):
    """What :func:`replay` returns: the tidy frame and its summary."""

    frame: pd.DataFrame
    summary: dict


def _as_streams(streams: object) -> dict[Hashable, np.ndarray]:
    if isinstance(streams, (np.ndarray, pd.DataFrame)) or hasattr(streams, "numpy"):
        streams = {0: streams}
    if not isinstance(streams, Mapping) or not streams:
        raise InputError("replay: streams must be an array (one stream) or a mapping id -> (T, F)")
    checked = {}
    for stream, values in streams.items():
        array = float_array(values, f"replay: stream {stream!r}")
        array = array[:, None] if array.ndim == 1 else array
        if array.ndim != 2 or array.shape[0] == 0:
            raise InputError(
                f"replay: stream {stream!r} must be (T, F) with T >= 1, got {array.shape}"
            )
        checked[stream] = array
    return checked


def _as_labels(
    targets: Mapping | None, streams: dict[Hashable, np.ndarray], target_column: int
) -> dict[Hashable, np.ndarray]:
    if targets is None:
        width = min(x.shape[1] for x in streams.values())
        if not 0 <= target_column < width:
            raise InputError(
                f"replay: target_column {target_column} is not a column of the streams"
            )
        return {stream: x[:, target_column] for stream, x in streams.items()}
    labels = {}
    for stream, x in streams.items():
        if stream not in targets:
            raise InputError(f"replay: no targets for stream {stream!r}")
        label = np.asarray(targets[stream], dtype=np.float64).reshape(-1)
        if label.size != x.shape[0]:
            raise InputError(
                f"replay: stream {stream!r} has {x.shape[0]} steps but {label.size} targets"
            )
        labels[stream] = label
    return labels


def iter_replay(
    runner_or_model: StepwiseRunner | StepEncoder,
    streams: object,
    *,
    targets: Mapping | None = None,
    target_column: int = 0,
    output_index: int = 0,
    label_delay: int = 0,
    latency_budget_ms: float | None = None,
    warmup: Mapping | None = None,
    target_transform: object | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
    device: str = "auto",
    fast: bool = True,
) -> Iterator[dict]:
    """Yield one record per (stream, tick) while replaying ``streams`` live.

    Parameters
    ----------
    runner_or_model : StepwiseRunner or StepEncoder
        A runner (streams it already holds continue from their state) or a model,
        for which a fresh runner is made on ``device``.
    streams : array_like or mapping
        One stream (T, F), or stream id -> (T_i, F); all start at tick 0.
    targets : mapping, optional
        Stream id -> labels (T_i,), label ``t`` being what the prediction made
        before ``x_t`` should be. Default: column ``target_column`` of the stream
        (next-step forecasting).
    target_column, output_index : int
        The stream column used as label (without ``targets``) and the point
        target of the model compared with it.
    label_delay : int
        Ticks before a label is revealed to the online metric.
    latency_budget_ms : float, optional
        Deadline of one observe call; slower ticks are flagged ``deadline_miss``.
    warmup : mapping, optional
        Stream id -> history (T_w, F) observed before tick 0, fed in one
        ``runner.observe`` call per stream (not timed, not scored).
    target_transform : transform, Pipeline, callable or mapping, optional
        The fitted target transform, or stream id -> its own (streams in their own
        scaled units): ``y_true``, ``y_pred`` and ``running_mae`` are reported in
        data units (see :mod:`tslib.evaluate.units`).
    clock : callable
        Nanosecond clock (inject a fake one in tests).
    device, fast
        Passed to :class:`~tslib.runner.runner.StepwiseRunner` for a model.

    Yields
    ------
    dict
        Keys of :data:`REPLAY_COLUMNS`: ``y_pred`` is NaN before a stream's
        first observation; ``latency_us`` is shared by the streams of a tick;
        ``n_revealed`` and ``running_mae`` count the stream's revealed labels.
    """
    if isinstance(label_delay, bool) or not isinstance(label_delay, int) or label_delay < 0:
        raise InputError(f"replay: label_delay must be an int >= 0, got {label_delay!r}")
    if latency_budget_ms is not None and not latency_budget_ms >= 0:
        raise InputError(f"replay: latency_budget_ms must be >= 0, got {latency_budget_ms!r}")
    data = _as_streams(streams)
    labels = _as_labels(targets, data, target_column)
    if isinstance(runner_or_model, StepwiseRunner):
        runner = runner_or_model
    elif isinstance(runner_or_model, StepEncoder):
        runner = StepwiseRunner(runner_or_model, device=device, fast=fast)
    else:
        raise InputError(
            f"replay: expected a StepwiseRunner or StepEncoder, got {type(runner_or_model)}"
        )
    model = runner.model
    inverses = _inverses(target_transform, data)
    shared = None if isinstance(target_transform, Mapping) else inverses[next(iter(data))]
    labels = {stream: inverses[stream](label) for stream, label in labels.items()}
    if warmup is not None:
        _warm_up(runner, warmup, data)
    pending_prediction = {}
    for stream in data:
        known = stream in runner and runner.step_count(stream) > 0
        last = (
            head_predictions(model, runner.last_output(stream)[None], output_index)[0][0]
            if known
            else math.nan
        )
        pending_prediction[stream] = float(inverses[stream](np.array([last]))[0])
    hidden: dict[Hashable, deque] = {stream: deque() for stream in data}  # (t, pred, label)
    revealed = {stream: [0, 0.0] for stream in data}  # count, sum of |error|
    budget_us = None if latency_budget_ms is None else 1e3 * float(latency_budget_ms)
    for t in range(max(x.shape[0] for x in data.values())):
        active = [stream for stream, x in data.items() if t < x.shape[0]]
        x_t = np.stack([data[stream][t] for stream in active])  # (B, F)
        started = clock()
        outputs = runner.step(active, x_t)  # (B, O): predictions for t + 1
        next_prediction = head_predictions(model, outputs, output_index)[0]  # (B,) on the host
        latency_us = (clock() - started) / 1e3
        if shared is not None:  # (B,) data units (identity without transform)
            next_prediction = shared(next_prediction)
        else:
            next_prediction = np.array(
                [inverses[s](next_prediction[i : i + 1])[0] for i, s in enumerate(active)]
            )  # (B,) each stream in its own data units
        miss = budget_us is not None and latency_us > budget_us
        for row, stream in enumerate(active):
            prediction, label = pending_prediction[stream], float(labels[stream][t])
            hidden[stream].append((t, prediction, label))
            while hidden[stream] and hidden[stream][0][0] <= t - label_delay:
                _, old_prediction, old_label = hidden[stream].popleft()
                if math.isfinite(old_prediction) and math.isfinite(old_label):
                    revealed[stream][0] += 1
                    revealed[stream][1] += abs(old_prediction - old_label)
            count, total = revealed[stream]
            yield {
                "stream": stream,
                "t": t,
                "y_true": label,
                "y_pred": prediction,
                "latency_us": latency_us,
                "deadline_miss": miss,
                "revealed_at": t + label_delay,
                "n_revealed": count,
                "running_mae": total / count if count else math.nan,
            }
            pending_prediction[stream] = float(next_prediction[row])


def _identity(values: np.ndarray) -> np.ndarray:
    return values


def _inverses(target_transform: object, data: Mapping) -> dict[Hashable, Callable]:
    """Stream id -> the inverse of its target transform (identity without one)."""
    if not isinstance(target_transform, Mapping):
        inverse = target_inverse(target_transform) or _identity
        return dict.fromkeys(data, inverse)
    missing = [stream for stream in data if stream not in target_transform]
    if missing:
        raise InputError(f"replay: target_transform has no transform for streams {missing}")
    return {stream: target_inverse(target_transform[stream]) or _identity for stream in data}


def _warm_up(runner: StepwiseRunner, warmup: Mapping, data: Mapping) -> None:
    """Feed each stream's history through ``runner.observe`` (one fused forward each)."""
    if not isinstance(warmup, Mapping):
        raise InputError("replay: warmup must be a mapping stream id -> history (T_w, F)")
    for stream, history in warmup.items():
        if stream not in data:
            raise InputError(f"replay: warmup names stream {stream!r}, which is not replayed")
        array = float_array(history, f"replay: warmup of stream {stream!r}")
        array = array[:, None] if array.ndim == 1 else array
        if array.ndim != 2 or array.shape[1] != data[stream].shape[1]:
            raise InputError(
                f"replay: warmup of stream {stream!r} must be (T_w, {data[stream].shape[1]}), "
                f"got {array.shape}"
            )
        if array.shape[0]:
            runner.observe([stream], array[None])  # (1, T_w, F)


def summarize_replay(frame: pd.DataFrame, latency_budget_ms: float | None = None) -> dict:
    """Summary of a replay frame.

    Returns
    -------
    dict
        ``ticks`` (observe calls), ``streams``, ``n_predictions`` (rows with a
        prediction), ``n_revealed`` (of those, labels revealed before the stream
        ended), ``mae`` / ``rmse`` over the revealed ones, latency ``p50_us``,
        ``p99_us``, ``max_us`` over ticks, ``deadline_misses`` (ticks),
        ``miss_rate`` and ``latency_budget_ms``.
    """
    ticks = frame.drop_duplicates("t")
    last_tick = frame.groupby("stream")["t"].transform("max")
    scored = frame["y_pred"].notna() & frame["y_true"].notna()
    shown = scored & (frame["revealed_at"] <= last_tick)
    errors = (frame.loc[shown, "y_pred"] - frame.loc[shown, "y_true"]).to_numpy()
    latency = ticks["latency_us"].to_numpy()
    p50, p99 = np.percentile(latency, [50, 99]) if latency.size else (math.nan, math.nan)
    misses = int(ticks["deadline_miss"].sum())
    return {
        "ticks": len(ticks),
        "streams": int(frame["stream"].nunique()),
        "n_predictions": int(frame["y_pred"].notna().sum()),
        "n_revealed": int(shown.sum()),
        "mae": float(np.mean(np.abs(errors))) if errors.size else math.nan,
        "rmse": float(np.sqrt(np.mean(errors**2))) if errors.size else math.nan,
        "p50_us": float(p50),
        "p99_us": float(p99),
        "max_us": float(latency.max()) if latency.size else math.nan,
        "deadline_misses": misses,
        "miss_rate": misses / len(ticks) if len(ticks) else math.nan,
        "latency_budget_ms": latency_budget_ms,
    }


def stream_replay(
    runner_or_model: StepwiseRunner | StepEncoder,
    streams: object,
    *,
    interval: float | None = None,
    **options,
) -> ReplayResult:
    """Drain :func:`iter_replay` into a tidy frame and summarise it.

    Takes the arguments of :func:`iter_replay`, and ``interval``: a central coverage
    (e.g. 0.95) for the next forecasts in the summary. Returns a :class:`ReplayResult`
    ``(frame, summary)``; the frame has the columns of :data:`REPLAY_COLUMNS` and the
    summary is :func:`summarize_replay`'s plus, with ``interval``, ``next_forecasts``:
    stream id -> ``(point, lower, upper)``, the forecast after the stream's last
    observation, in data units with ``target_transform``.
    """
    interval = check_interval(interval)
    runner = runner_or_model
    if isinstance(runner_or_model, StepEncoder):
        runner = StepwiseRunner(
            runner_or_model, device=options.pop("device", "auto"), fast=options.pop("fast", True)
        )
    frame = pd.DataFrame(list(iter_replay(runner, streams, **options)), columns=REPLAY_COLUMNS)
    budget = options.get("latency_budget_ms")
    transform = options.get("target_transform")
    units = "model" if transform is None else "data"
    frame.attrs.update(
        label_delay=options.get("label_delay", 0), latency_budget_ms=budget, units=units
    )
    summary = summarize_replay(frame, budget)
    if interval is not None:
        inverses = _inverses(transform, dict.fromkeys(frame["stream"].unique()))
        summary["next_forecasts"] = {
            stream: tuple(
                float(inverse(values)[0])
                for values in head_predictions(
                    runner.model,
                    runner.last_output(stream)[None],
                    options.get("output_index", 0),
                    interval,
                )
            )
            for stream, inverse in inverses.items()
        }
    return ReplayResult(frame, summary)
