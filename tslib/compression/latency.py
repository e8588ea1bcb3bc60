"""Step latency of several models through ``StepwiseRunner.step``, side by side.

Each model gets one runner per stream count, with that many live streams (each
stepped once), and the fast path the runner picks by default (fused / native
kernel for float recurrent models, the PlainKernel otherwise). For each stream
count, all models are timed in one :func:`~tslib.timing.measure` call, alternating
round by round, so that a noisy machine hits them alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import torch
from torch import nn

from tslib.errors import InputError
from tslib.runner import StepwiseRunner
from tslib.timing import Timing, measure

__all__ = ["step_latency", "stepper"]


def stepper(model: nn.Module, n_streams: int, seed: int = 0) -> Callable[[], torch.Tensor]:
    """A zero-argument closure doing one ``runner.step`` over ``n_streams`` live streams."""
    runner = StepwiseRunner(model, device="cpu", initial_capacity=n_streams)
    ids = tuple(range(n_streams))
    generator = torch.Generator().manual_seed(seed + n_streams)
    x = torch.randn(n_streams, model.input_size, generator=generator)  # (B, F)
    with torch.inference_mode():
        runner.step(ids, x)

    def step() -> torch.Tensor:
        with torch.inference_mode():
            return runner.step(ids, x)  # (B, O)

    return step


def step_latency(
    models: Mapping[str, nn.Module],
    streams: Sequence[int] = (1, 4096),
    rounds: int = 7,
    target_s: float = 0.02,
    threads: int | None = None,
) -> tuple[pd.DataFrame, dict[tuple[str, int], Timing]]:
    """Median µs per ``runner.step`` of every model at every stream count.

    Parameters
    ----------
    models : Mapping[str, torch.nn.Module]
        Name -> stepwise encoder (on the CPU).
    streams : sequence of int
        Stream counts (batch sizes of one step call).
    rounds, target_s
        As in :func:`~tslib.timing.measure`.
    threads : int, optional
        torch threads during the measurement (restored after); None keeps the
        current setting, as the runner is normally used. The native kernel uses
        torch's thread count, so on a loaded machine ``threads=1`` avoids steps that
        wait at a barrier for a descheduled thread.

    Returns
    -------
    pandas.DataFrame
        Index: model names; columns ``step_us_<n>`` (median µs per step call).
    dict
        ``(name, n) -> Timing`` with all samples.

    Raises
    ------
    InputError
        No models, or a stream count below 1.
    """
    if not models:
        raise InputError("step_latency: no models")
    if not streams or any(int(n) < 1 for n in streams):
        raise InputError(f"step_latency: stream counts must be >= 1, got {list(streams)}")
    if threads is not None and (isinstance(threads, bool) or int(threads) < 1):
        raise InputError(f"step_latency: threads must be >= 1, got {threads!r}")
    timings: dict[tuple[str, int], Timing] = {}
    previous = torch.get_num_threads()
    try:
        if threads is not None:
            torch.set_num_threads(int(threads))
        for n in streams:
            candidates = {name: stepper(model, int(n)) for name, model in models.items()}
            for name, timing in measure(candidates, rounds=rounds, target_s=target_s).items():
                timings[(name, int(n))] = timing
    finally:
        torch.set_num_threads(previous)
    frame = pd.DataFrame(
        {f"step_us_{n}": [timings[(name, int(n))].median_us for name in models] for n in streams},
        index=pd.Index(list(models), name="method"),
    )
    return frame, timings
