"""(a) Cost per new observation: a stateful runner step vs re-encoding the window.

A stateless model must re-read the last T observations whenever one arrives;
the runner carries the state and reads only the new one. Both use the same
weights: ``model.forward`` runs torch's fused ``nn.LSTM`` (+ output layer) over
(1, T, F); ``StepwiseRunner.step`` advances one stream by one observation.

Goals (issue): >= 10x at T = 168 and >= 50x at T = 1024.
"""

from __future__ import annotations

import torch

from benchmarks.common import BenchModel, Goal, live_runner, row, section
from tslib.timing import measure, sync_for

__all__ = ["run"]

WINDOWS = (168, 1024, 8192)
GOALS = {168: 10.0, 1024: 50.0}


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Time runner.step (B=1) against model.forward over the last T observations."""
    spec = BenchModel()
    model = spec.build(device=device)
    fast_runner, ids, x = live_runner(model, 1, device)
    plain_runner, _, _ = live_runner(model, 1, device, fast=False)
    sync = sync_for(device)
    rows, goals = [], []
    rounds = 7 if quick else 25
    for steps in WINDOWS:
        generator = torch.Generator().manual_seed(steps)
        window = torch.randn(1, steps, spec.input_size, generator=generator).to(device)

        def reencode(window=window):
            with torch.inference_mode():
                return model(window)[0][:, -1]  # (1, O): the prediction after the window

        timing = measure(
            {
                "runner.step": lambda: fast_runner.step(ids, x),
                "runner.step (PlainKernel)": lambda: plain_runner.step(ids, x),
                f"model.forward(last {steps})": reencode,
            },
            rounds=rounds,
            sync=sync,
        )
        rows.append(
            row(
                "runner.step, 1 stream, 1 new observation",
                f"re-encoding the last T={steps} observations with model.forward "
                "(fused nn.LSTM + Linear, same weights)",
                timing,
                "runner.step",
                f"model.forward(last {steps})",
                window=steps,
            )
        )
        if steps in GOALS:
            goals.append(
                Goal(
                    f"per-observation speedup vs window re-encode, T={steps}",
                    rows[-1]["b_over_a"],
                    GOALS[steps],
                    True,
                    "median(model.forward over T obs) / median(runner.step), same process",
                )
            )
    notes = [
        f"model: LSTM F={spec.input_size} H={spec.hidden_size} O={spec.output_size}, "
        f"1 layer, device {device}; times are medians over alternating rounds",
        "runner.step includes input checks, id lookup, the kernel and bookkeeping",
    ]
    return section("(a) per new observation: runner.step vs window re-encode", rows, goals, notes)
