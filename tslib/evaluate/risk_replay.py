"""Live risk replay: every return stream in one runner, predict the VaR, then observe the day.

At every tick ``t`` (the ``t``-th test day of each stream) each active stream first
*predicts*: the VaR and ES at ``level`` for the coming day, and with ``calibrate``
the VaR at the level its :class:`~tslib.calibration.AdaptiveConformal` quotes now.
Then the day's close is *observed*, in timed parts:

* ``features``: the stream's causal transform advances one row
  (:meth:`StepTransform.step`, constant work per day) and gives the model input;
* ``model``: one batched :meth:`StepwiseRunner.step` over all active streams, whose
  head output is tomorrow's distribution (deep models), or each stream's fitted
  risk baseline ``update``-s with the return (fixed parameters);
* ``calibrate``: each stream's ACI level moves with the hits *revealed* at this tick.
  With ``label_delay = k`` the hit of day ``t`` is revealed at tick ``t + k``, so
  the level quoted at tick ``t`` only knows hits up to day ``t - k - 1``.

The tick's latency is the sum of the parts, checked against ``latency_budget_ms``.
Deep models start warm: each stream's history before its ``start`` goes through
:meth:`StepwiseRunner.observe` (one fused forward) and its transform state is the one
after the history; a runner that already holds a stream continues from its state.
Risk baselines are fitted on the ``fit_window`` days before ``start`` (all of them
when None) and never refitted.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from tslib.baselines.volatility import RiskModel
from tslib.calibration.aci import AdaptiveConformal
from tslib.encoders.base import StepEncoder
from tslib.encoders.risk_head import StudentTQuantileHead
from tslib.errors import InputError
from tslib.evaluate.risk_data import RiskStream, as_risk_streams
from tslib.evaluate.risk_forecast import LocationScaleForecast
from tslib.evaluate.stream_replay import ReplayResult
from tslib.runner.runner import StepwiseRunner
from tslib.validation import check_positive_int, check_probability

__all__ = ["risk_replay", "is_risk_model", "RISK_REPLAY_COLUMNS", "PARTS"]

#: Timed parts of one tick.
PARTS = ("features", "model", "calibrate")

#: Columns of the replay frame, one row per (stream, tick).
RISK_REPLAY_COLUMNS = [
    "stream", "t", "date", "return", "var", "es", "hit", "aci_level", "aci_var", "aci_hit",
    "revealed_at", "features_us", "model_us", "calibrate_us", "latency_us", "deadline_miss",
]  # fmt: skip


def is_risk_model(model: object) -> bool:
    """A risk baseline, or an encoder (or a runner of one) with a Student-t risk head."""
    if isinstance(model, StepwiseRunner):
        model = model.model
    if isinstance(model, RiskModel):
        return True
    return isinstance(model, StepEncoder) and isinstance(
        getattr(model, "head", None), StudentTQuantileHead
    )


class _DeepStreams:
    """The deep side of a replay: one runner, each stream's transform state and scale."""

    def __init__(self, runner: StepwiseRunner, streams: dict[object, RiskStream]) -> None:
        self.runner, self.streams = runner, streams
        self.head = runner.model.head
        self.state, self.scale = {}, {}
        for sid, stream in streams.items():
            if sid not in runner or runner.step_count(sid) == 0:  # warm start on the history
                runner.observe([sid], torch.from_numpy(stream.inputs[: stream.start])[None])
            history = stream.frame.iloc[: stream.start]
            if stream.transform is not None:
                self.state[sid] = stream.transform.final_state(history)
            self.scale[sid] = float(stream.scales[stream.start - 1])
        ids = list(streams)
        self.params = dict(zip(ids, self._read(torch.stack([runner.last_output(s) for s in ids]))))

    def _read(self, outputs: torch.Tensor) -> np.ndarray:
        return self.head.transform(outputs)[:, 0].double().cpu().numpy()  # (B, 3 + Q)

    def forecast(self, sid: object) -> LocationScaleForecast:
        return LocationScaleForecast.from_risk_head(self.params[sid][None], [self.scale[sid]])

    def features(self, sids: list, rows: list[dict]) -> np.ndarray:
        x = []
        for sid, row in zip(sids, rows):
            stream = self.streams[sid]
            if stream.transform is None:
                out = row
            else:
                out, self.state[sid] = stream.transform.step(row, self.state[sid])
            if stream.scale_column is not None:
                self.scale[sid] = float(out[stream.scale_column])
            x.append(stream.input_row(out))
        return np.asarray(x, dtype=np.float32)  # (B, F)

    def advance(self, sids: list, x: np.ndarray) -> None:
        params = self._read(self.runner.step(sids, x))  # (B, 3 + Q) on the host
        for row, sid in enumerate(sids):
            self.params[sid] = params[row]


def _baselines(model: RiskModel, streams: dict, fit_window: int | None) -> dict:
    fitted = {}
    for sid, stream in streams.items():
        values = stream.returns.to_numpy()[: stream.start]
        first = 0 if fit_window is None else max(0, stream.start - fit_window)
        fitted[sid] = model.clone().fit(values[first:])
    return fitted


def risk_replay(
    model_or_runner: object,
    data: object,
    *,
    start: int | None = None,
    level: float = 0.01,
    calibrate: AdaptiveConformal | None = None,
    label_delay: int = 0,
    latency_budget_ms: float | None = None,
    days: int | None = None,
    fit_window: int | None = None,
    device: str = "auto",
    fast: bool = True,
    clock: Callable[[], int] = time.perf_counter_ns,
    **unknown: object,
) -> ReplayResult:
    """Replay every stream's test days live through one model.

    Parameters
    ----------
    model_or_runner : StepwiseRunner, risk-head StepEncoder or RiskModel
        A runner (all streams in it), an encoder (a fresh runner on ``device``), or a
        risk baseline template (a copy fitted per stream before its start).
    data : RiskStream, mapping id -> RiskStream, or a 1-D return series (with ``start``)
        The streams.
    start : int, optional
        First test day of a plain return series.
    level : float
        Tail probability of the VaR and ES predicted each day (a baseline uses its own
        ``alpha``).
    calibrate : AdaptiveConformal, optional
        Template of the online calibration (one copy per stream), updated from revealed
        hits only; deep models only (it needs the VaR at any level).
    label_delay : int
        Ticks before a day's hit is revealed to the calibration.
    latency_budget_ms : float, optional
        Deadline of one tick (all parts, all streams); slower ticks are ``deadline_miss``.
    days : int, optional
        Ticks to replay (default: every test day of the longest stream).
    fit_window : int, optional
        Trailing days a baseline is fitted on.
    device, fast
        Passed to :class:`StepwiseRunner` for an encoder.
    clock : callable
        Nanosecond clock (inject a fake one in tests).

    Returns
    -------
    ReplayResult
        ``(frame, summary)``: the frame has :data:`RISK_REPLAY_COLUMNS` (``aci_*`` NaN
        without ``calibrate``); the summary has ``ticks``, ``streams``, ``n_revealed``,
        ``rate`` (raw hits over revealed days), ``aci_rate``, latency ``p50_us`` /
        ``p99_us`` / ``max_us`` per tick, ``deadline_misses``, ``miss_rate``,
        ``latency_budget_ms``, ``parts`` (part -> p50/p99/max and misses) and
        ``state_bytes_per_stream`` (deep models).
    """
    if unknown:
        raise InputError(f"risk replay: unknown options {sorted(unknown)}")
    streams = as_risk_streams(data, start)
    level = check_probability(level, "level")
    if isinstance(label_delay, bool) or not isinstance(label_delay, int) or label_delay < 0:
        raise InputError(f"risk replay: label_delay must be an int >= 0, got {label_delay!r}")
    if latency_budget_ms is not None and not latency_budget_ms >= 0:
        raise InputError(f"risk replay: latency_budget_ms must be >= 0, got {latency_budget_ms!r}")
    if calibrate is not None and not isinstance(calibrate, AdaptiveConformal):
        raise InputError(f"risk replay: calibrate must be an AdaptiveConformal, got {calibrate!r}")
    deep = baselines = None
    if isinstance(model_or_runner, RiskModel):
        if calibrate is not None:
            raise InputError("risk replay: calibrate needs a deep risk model (a VaR at any level)")
        baselines = _baselines(model_or_runner, streams, fit_window)
    elif is_risk_model(model_or_runner):
        runner = model_or_runner
        if not isinstance(runner, StepwiseRunner):
            runner = StepwiseRunner(model_or_runner, device=device, fast=fast)
        deep = _DeepStreams(runner, streams)
    else:
        raise InputError(
            f"risk replay: expected a RiskModel or a risk-head encoder, got {type(model_or_runner)}"
        )
    n_ticks = max(stream.n_test for stream in streams.values())
    if days is not None:
        n_ticks = min(n_ticks, check_positive_int(days, "days"))
    feeds = {
        sid: stream.frame.iloc[stream.start :].to_dict("records") for sid, stream in streams.items()
    }
    aci = {sid: calibrate.clone() for sid in streams} if calibrate is not None else {}
    hidden = {sid: deque() for sid in streams}  # (t, hit) not revealed yet
    budget_ns = None if latency_budget_ms is None else 1e6 * float(latency_budget_ms)
    rows = []
    for t in range(n_ticks):
        active = [sid for sid, stream in streams.items() if t < stream.n_test]
        day = {sid: feeds[sid][t] for sid in active}
        tick = []
        for sid in active:  # predict: the VaR quoted before the day's return is known
            stream = streams[sid]
            value = float(day[sid][stream.return_column])
            if deep is not None:
                forecast = deep.forecast(sid)
                var, es = float(forecast.var(level)[0]), float(forecast.es(level)[0])
            else:
                var, es = baselines[sid].var_es()
            row = {"stream": sid, "t": t, "date": stream.frame.index[stream.start + t]}
            row.update({"return": value, "var": var, "es": es, "hit": value < -var})
            if sid in aci:
                quoted = aci[sid].quote_level
                aci_var = deep.forecast(sid).var_at(0, quoted)
                row.update({"aci_level": quoted, "aci_var": aci_var, "aci_hit": value < -aci_var})
                hidden[sid].append((t, row["aci_hit"]))
            tick.append(row)
        times = dict.fromkeys(PARTS, 0)
        if deep is not None:  # observe: features of today's close, then one batched step
            started = clock()
            x = deep.features(active, [day[sid] for sid in active])  # (B, F)
            times["features"] = clock() - started
            started = clock()
            deep.advance(active, x)
            times["model"] = clock() - started
        else:
            started = clock()
            for sid in active:
                baselines[sid].update([day[sid][streams[sid].return_column]])
            times["model"] = clock() - started
        started = clock()
        for sid, calibrator in aci.items():  # the hits revealed at this tick
            while hidden[sid] and hidden[sid][0][0] <= t - label_delay:
                calibrator.update(hidden[sid].popleft()[1])
        times["calibrate"] = clock() - started
        total = sum(times.values())
        for row in tick:
            row.update({f"{part}_us": ns / 1e3 for part, ns in times.items()})
            row["latency_us"] = total / 1e3
            row["deadline_miss"] = budget_ns is not None and total > budget_ns
            row["revealed_at"] = t + label_delay
            rows.append(row)
    frame = pd.DataFrame(rows, columns=RISK_REPLAY_COLUMNS)
    frame.attrs.update(label_delay=label_delay, latency_budget_ms=latency_budget_ms, level=level)
    summary = _summarize(frame, latency_budget_ms)
    if deep is not None:
        summary["state_bytes_per_stream"] = deep.runner.stats()["state_bytes"] // len(streams)
    return ReplayResult(frame, summary)


def _summarize(frame: pd.DataFrame, latency_budget_ms: float | None) -> dict:
    ticks = frame.drop_duplicates("t")
    last_tick = frame.groupby("stream")["t"].transform("max")
    shown = frame["revealed_at"] <= last_tick
    budget_us = None if latency_budget_ms is None else 1e3 * float(latency_budget_ms)
    parts = {}
    for part in (*PARTS, "latency"):
        values = ticks[f"{part}_us"].to_numpy()
        p50, p99 = np.percentile(values, [50, 99]) if values.size else (math.nan, math.nan)
        misses = int((values > budget_us).sum()) if budget_us is not None else 0
        peak = float(values.max()) if values.size else math.nan
        parts[part] = {"p50_us": float(p50), "p99_us": float(p99), "max_us": peak, "misses": misses}
    misses = int(ticks["deadline_miss"].sum())
    return {
        "ticks": len(ticks),
        "streams": int(frame["stream"].nunique()),
        "n_revealed": int(shown.sum()),
        "rate": float(frame.loc[shown, "hit"].mean()),
        "aci_rate": float(frame.loc[shown, "aci_hit"].astype(float).mean()),
        "p50_us": parts["latency"]["p50_us"],
        "p99_us": parts["latency"]["p99_us"],
        "max_us": parts["latency"]["max_us"],
        "deadline_misses": misses,
        "miss_rate": misses / len(ticks) if len(ticks) else math.nan,
        "latency_budget_ms": latency_budget_ms,
        "parts": {part: parts[part] for part in PARTS},
    }
