"""(c) Scaling from 1 to 16384 streams: stream-steps per second and state bytes per stream.

At every batch size B three things run side by side:

* ``runner.step`` over B live streams (one observation each);
* the fast kernel alone on a contiguous slot range (no runner bookkeeping);
* the step's GEMMs alone: ``torch.mm`` of (B, F + H) x (F + H, 4H) (the fused
  LSTM gates) plus (B, H) x (H, O) (the output layer), on preallocated outputs.
  This is the floor a dense step cannot beat on the same BLAS.

The same runner with the previous native gate maths (libm ``expf`` / ``tanhf``, see
:data:`tslib.runner.fast.recurrent_source.MATH_CODES`), the same runner without the native (C) path (``TSLIB_NATIVE=0``: the torch
path, as before the native kernels) and the reference PlainKernel runner are
timed as well. State bytes per stream are the pool's bytes per slot (state rows
plus the last output).

Goal (issue 17, goal 3): runner.step at 4096 streams <= 1.5x the step's GEMMs alone, with
the runner without the native path as its "before" in the same rounds; checked with the
default torch threads in wall time, and with one thread in thread CPU time (robust to a
neighbour's load on a shared machine).
"""

from __future__ import annotations

import time

import torch

from benchmarks.common import BenchModel, Goal, live_runner, row, section
from tslib.runner.fast import select_kernel
from tslib.timing import measure, sync_for

__all__ = ["run"]

BATCHES = (1, 16, 256, 1024, 4096, 16384)
QUICK_BATCHES = (1, 256, 4096)


def _gemm_alone(spec: BenchModel, batch: int, device: str):
    """A closure doing the step's GEMMs (gates and output layer) with torch.mm."""
    generator = torch.Generator().manual_seed(batch)
    width, hidden = spec.input_size + spec.hidden_size, spec.hidden_size

    def rand(*shape):
        return torch.randn(*shape, generator=generator).to(device)

    xh, w_gates, gates = rand(batch, width), rand(width, 4 * hidden), rand(batch, 4 * hidden)
    h, w_out, y = rand(batch, hidden), rand(hidden, spec.output_size), rand(batch, spec.output_size)

    def gemm():
        torch.mm(xh, w_gates, out=gates)  # (B, 4H)
        torch.mm(h, w_out, out=y)  # (B, O)

    return gemm


def _one_thread_cpu_time(spec: BenchModel, model, batch: int, rounds: int) -> tuple[dict, Goal]:
    """runner.step vs the GEMMs at ``batch`` streams on one torch thread, in thread CPU time.

    On a shared machine a neighbour's load moves wall times by tens of percent (and
    stalls multi-threaded GEMMs and kernels alike at their barriers); the CPU time of a
    single-threaded step is not charged for other processes' turns on the core.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        runner, ids, x = live_runner(model, batch)
        before, _, _ = live_runner(model, batch, native=False)
        candidates = {
            "runner.step": lambda: runner.step(ids, x),
            "runner.step (native off)": lambda: before.step(ids, x),
            "GEMMs alone": _gemm_alone(spec, batch, "cpu"),
        }
        timing = measure(candidates, rounds=rounds, clock=time.thread_time_ns)
    finally:
        torch.set_num_threads(threads)
    gemm = timing["GEMMs alone"].median_us
    out = row("runner.step, 1 torch thread, thread CPU time", "the step's GEMMs alone, same",
              timing, "GEMMs alone", "runner.step", streams=batch, threads=1)  # fmt: skip
    goal = Goal(
        f"runner.step at {batch} streams / the step's GEMMs alone, 1 thread, CPU time",
        timing["runner.step"].median_us / gemm,
        1.5,
        False,
        "median thread CPU time (time.thread_time_ns), one torch thread, same process",
        before=timing["runner.step (native off)"].median_us / gemm,
        before_what="runner.step without the native path, same rounds",
        issue="17.3",
    )
    return out, goal


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Time runner.step, the kernel alone, the plain runner and the GEMMs for each B."""
    spec = BenchModel()
    model = spec.build(device=device)
    sync = sync_for(device)
    kernel = select_kernel(model, device)
    rows, goals, per_stream_bytes = [], [], None
    for batch in QUICK_BATCHES if quick else BATCHES:
        fast_runner, ids, x = live_runner(model, batch, device)
        libm_runner, _, _ = live_runner(model, batch, device)
        native = getattr(libm_runner._kernel, "native", None)
        if native is not None:
            native.math = "libm"  # the previous native kernels' gate maths
        else:
            libm_runner = None
        torch_runner, _, _ = live_runner(model, batch, device, native=False)
        plain_runner, _, _ = live_runner(model, batch, device, fast=False)
        stats = fast_runner.stats()
        per_stream_bytes = stats["pool_bytes"] // stats["capacity"]  # state + last output
        pool = tuple(t.normal_() for t in model.init_state(batch, device))  # (B, L, H) each
        index = torch.arange(batch, device=device)

        def kernel_alone(x=x, pool=pool, index=index):
            with torch.inference_mode():
                return kernel(x, pool, index)

        candidates = {
            "runner.step": lambda runner=fast_runner, ids=ids, x=x: runner.step(ids, x),
            "runner.step (native off)": lambda runner=torch_runner, ids=ids, x=x: runner.step(
                ids, x
            ),
            "fast kernel alone": kernel_alone,
            "GEMMs alone": _gemm_alone(spec, batch, device),
        }
        if libm_runner is not None:
            candidates["runner.step (libm maths)"] = lambda runner=libm_runner, ids=ids, x=x: (
                runner.step(ids, x)
            )
        if batch <= 4096 or not quick:
            candidates["runner.step (PlainKernel)"] = lambda runner=plain_runner, ids=ids, x=x: (
                runner.step(ids, x)
            )
        timing = measure(candidates, rounds=7 if quick else 31, sync=sync)
        extra = {
            "streams": batch,
            "stream_steps_per_s": round(batch / timing["runner.step"].median_us * 1e6),
            "state_bytes_per_stream": per_stream_bytes,
        }
        rows.append(
            row(
                "runner.step",
                "the step's GEMMs alone (torch.mm, same shapes)",
                timing,
                "GEMMs alone",
                "runner.step",
                **extra,
            )
        )
        rows.append(
            row(
                "fast kernel alone (contiguous slots)",
                "the step's GEMMs alone",
                timing,
                "GEMMs alone",
                "fast kernel alone",
                streams=batch,
            )
        )
        rows.append(
            row(
                "runner.step without the native path (TSLIB_NATIVE=0)",
                "the step's GEMMs alone",
                timing,
                "GEMMs alone",
                "runner.step (native off)",
                streams=batch,
            )
        )
        if "runner.step (libm maths)" in timing:
            rows.append(
                row(
                    "runner.step with the previous native gate maths (libm expf / tanhf)",
                    "the step's GEMMs alone",
                    timing,
                    "GEMMs alone",
                    "runner.step (libm maths)",
                    streams=batch,
                )
            )
        if "runner.step (PlainKernel)" in timing:
            rows.append(
                row(
                    "runner.step",
                    "runner.step with the reference PlainKernel",
                    timing,
                    "runner.step",
                    "runner.step (PlainKernel)",
                    streams=batch,
                )
            )
        if batch == 4096:
            goals.append(
                Goal(
                    "runner.step at 4096 streams / the step's GEMMs alone",
                    timing["runner.step"].median_us / timing["GEMMs alone"].median_us,
                    1.5,
                    False,
                    "median(runner.step) / median(torch.mm gates + torch.mm output), same process",
                    before=timing["runner.step (native off)"].median_us
                    / timing["GEMMs alone"].median_us,
                    before_what="runner.step without the native path, same rounds",
                    issue="17.3",
                )
            )
            goals.append(
                Goal(
                    "fast kernel alone at 4096 streams / the step's GEMMs alone",
                    timing["fast kernel alone"].median_us / timing["GEMMs alone"].median_us,
                    1.5,
                    False,
                    "kernel without the runner's id handling and bookkeeping",
                )
            )
    if device == "cpu":
        one_row, one_goal = _one_thread_cpu_time(spec, model, 4096, 7 if quick else 15)
        rows.append(one_row)
        goals.append(one_goal)
    notes = [
        "rows with what='runner.step' against GEMMs: b_over_a = runner time / GEMM time "
        "(a = GEMMs alone), i.e. the multiple of the GEMM floor",
        f"state bytes per stream: {per_stream_bytes} (h and c, {spec.hidden_size} floats each, "
        "plus the last output), independent of how long a stream has run",
        f"torch threads: {torch.get_num_threads()}, device {device}",
    ]
    return section("(c) scaling with the number of streams", rows, goals, notes)
