"""Quick check of the native bf16 LSTM step against the fp32 fast step (not part of make bench).

``python -m benchmarks.bf16_native_quick`` times ``StepwiseRunner.step`` of the benchmark
LSTM (4 inputs, H = 64, 1 layer; untrained weights: timing does not depend on them) with
the default fp32 fast kernel and with :func:`tslib.compression.bf16_native`, at 4096
streams and at batch 1, in one process: interleaved rounds, medians, ratios, with one
torch thread and with torch's threads as set (the bf16 kernel itself runs on one thread).
The accuracy of the bf16 step on held-out data is in ``bench_compression`` (its Pareto
table's ``bf16 native step`` row).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmarks.common import BenchModel
from tslib.compression import bf16_native, bf16_native_support
from tslib.runner import StepwiseRunner

__all__ = ["compare", "main"]


def compare(streams: int, steps: int, rounds: int, threads: int | None) -> dict[str, float]:
    """Median µs per runner.step, fp32 fast kernel vs bf16 native, interleaved rounds."""
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        model = BenchModel().build(seed=0).eval()
        runners = {
            "fp32": StepwiseRunner(model, device="cpu"),
            "bf16": StepwiseRunner(bf16_native(model), device="cpu"),
        }
        ids = tuple(range(streams))
        x = torch.randn(streams, model.input_size, generator=torch.Generator().manual_seed(0))
        for runner in runners.values():
            for _ in range(3):
                runner.step(ids, x)
        times: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(rounds):
            for name, runner in runners.items():
                start = time.perf_counter_ns()
                for _ in range(steps):
                    runner.step(ids, x)
                times[name].append((time.perf_counter_ns() - start) / steps / 1e3)
        return {name: statistics.median(values) for name, values in times.items()}
    finally:
        torch.set_num_threads(previous)


def main() -> None:
    """Print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    available, reason = bf16_native_support()
    print(reason)
    if not available:
        return
    print(f"{'streams':>8} {'threads':>8} {'fp32 µs':>10} {'bf16 µs':>10} {'speedup':>8}")
    for threads in (1, None):
        for streams, steps in ((4096, 20), (1, 2000)):
            result = compare(streams, steps, args.rounds, threads)
            label = "1" if threads == 1 else str(torch.get_num_threads())
            speedup = result["fp32"] / result["bf16"]
            print(
                f"{streams:>8} {label:>8} {result['fp32']:>10.2f} {result['bf16']:>10.2f} "
                f"{speedup:>8.3f}"
            )


if __name__ == "__main__":
    main()
