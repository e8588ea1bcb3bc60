"""Worker for the SIGKILL durability test of the runner (tests/test_runner_snapshot.py).

Streams a deterministic multi-stream series through a :class:`StepwiseRunner`,
appends each step's outputs (float32 bytes) to ``outputs.bin`` and saves a
snapshot to ``runner.snap`` every ``every`` steps. The test kills it with
SIGKILL part way, restores from the snapshot and replays the rest.

Usage: python runner_kill_worker.py OUT_DIR STREAMS STEPS EVERY DELAY_S
"""

from __future__ import annotations

import math
import os
import sys
import time

import torch

__all__ = ["build_model", "series", "stream_ids", "main"]


def build_model() -> torch.nn.Module:
    """The seeded encoder both the worker and the test use."""
    from tslib.encoders import ENCODER_REGISTRY

    torch.manual_seed(1234)
    return ENCODER_REGISTRY["recurrent"](input_size=2, hidden_size=8, output_size=2, cell="lstm")


def stream_ids(n_streams: int) -> list[str]:
    return [f"sensor-{s}" for s in range(n_streams)]


def series(n_streams: int, steps: int) -> torch.Tensor:
    """(steps, n_streams, 2) float32 inputs, a closed-form function of (t, stream)."""
    values = [
        [[math.sin(0.3 * t + s), math.cos(0.1 * t * (s + 1))] for s in range(n_streams)]
        for t in range(steps)
    ]
    return torch.tensor(values, dtype=torch.float64).to(torch.float32)


def main(out_dir: str, n_streams: int, steps: int, every: int, delay: float) -> None:
    from tslib.runner import StepwiseRunner

    torch.set_num_threads(1)
    runner = StepwiseRunner(build_model(), device="cpu")
    ids, xs = stream_ids(n_streams), series(n_streams, steps)
    with open(os.path.join(out_dir, "outputs.bin"), "ab") as outputs:
        for t in range(steps):
            y = runner.step(ids, xs[t])  # (B, O)
            outputs.write(y.numpy().astype("float32").tobytes())
            outputs.flush()  # the kernel keeps flushed bytes when the process is killed
            if (t + 1) % every == 0:
                runner.save(os.path.join(out_dir, "runner.snap"))
            time.sleep(delay)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
