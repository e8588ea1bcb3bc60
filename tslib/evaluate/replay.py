"""``replay``: predict, then observe, live, over many streams through one runner.

One verb for every domain, like River's ``progressive_val_score(dataset, model,
metric, delay=)``: at every tick each active stream is first asked for its prediction,
then shown its observation; labels may arrive ``label_delay`` ticks late, each tick's
latency is checked against a budget, and streams attach, detach and reset as the data
says. The :class:`~tslib.evaluate.protocols.EvaluationProtocol` that accepts the model
and data decides what a prediction is (a point forecast, a VaR/ES pair, a top-k list)
and which scorers apply; every protocol returns ``(frame, summary)``.
"""

from __future__ import annotations

from tslib.evaluate.protocols import protocol_for
from tslib.runner.runner import StepwiseRunner

__all__ = ["replay"]


def replay(model_or_runner: object, data: object, *, protocol: str | None = None, **options):
    """Replay ``data`` through ``model_or_runner`` as if live.

    Parameters
    ----------
    model_or_runner : StepEncoder, StepwiseRunner or a protocol's model
        A runner (streams it holds continue from their state) or a model (a fresh
        runner is made on ``device``, ``"auto"`` by default).
    data : object
        The streams: id -> (T_i, F) arrays (forecasting), an event frame (ranking),
        sensor plans (traffic), returns (risk)...
    protocol : str, optional
        Force a protocol by name instead of asking each one.
    **options
        The protocol's options: ``label_delay``, ``latency_budget_ms``, ``warmup``,
        ``scorers``, lifecycle (``attach_at`` / ``detach_at``)...

    Returns
    -------
    tuple
        ``(frame, summary)``: one row per (stream, tick) and a summary dict with latency
        p50/p99, deadline misses and the scores.
    """
    runner_model = (
        model_or_runner.model if isinstance(model_or_runner, StepwiseRunner) else model_or_runner
    )
    chosen = protocol_for(runner_model, data, "replay", protocol)
    return chosen.replay(model_or_runner, data, **options)
