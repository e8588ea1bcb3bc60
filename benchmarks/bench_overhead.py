"""(b) Runner overhead at batch 1, and the NumPy / torch crossover of the fast kernel.

``runner.step`` for one stream is compared with a bare ``torch.nn.LSTMCell``
call of the same size, in two modes: as a user would call it (autograd on, the
mode of the issue's 42 µs reference) and under ``torch.inference_mode`` (the
mode the runner itself steps in, the stricter comparison). The bare cell does
no input checks, id lookup, state gather/scatter or output layer. The runner and
the kernel are timed with the native (C) path (the default) and without it
(``TSLIB_NATIVE=0``, the NumPy path at batch 1), side by side.

The second table times the fast kernel alone, native path off, on its NumPy path
and on its torch path for small batches; it is the measurement behind
``tslib.runner.fast.TINY_BATCH_MAX`` (used when the native path is unavailable).

Goals: runner.step <= 1.2x the bare cell, stretch <= 0.5x (earlier issue); issue 17,
goal 3: <= 0.3x the bare cell in inference mode, with the runner without the native
path as its "before" in the same rounds.
"""

from __future__ import annotations

import torch

from benchmarks.common import BenchModel, Goal, live_runner, native_disabled, row, section
from tslib.runner.fast import TINY_BATCH_MAX, RecurrentKernel
from tslib.timing import measure

__all__ = ["run"]

CROSSOVER_BATCHES = (1, 4, 8, 16, 32, 64, 128)


def _bare_cell(spec: BenchModel) -> tuple[torch.nn.LSTMCell, torch.Tensor, tuple]:
    torch.manual_seed(0)
    cell = torch.nn.LSTMCell(spec.input_size, spec.hidden_size)
    x = torch.randn(1, spec.input_size)  # (1, F)
    state = (torch.zeros(1, spec.hidden_size), torch.zeros(1, spec.hidden_size))  # (1, H) each
    return cell, x, state


def _crossover(spec: BenchModel, quick: bool) -> tuple[list[dict], int]:
    """Kernel alone, NumPy path vs torch path, contiguous slots, for small batches."""
    model = spec.build()
    numpy_kernel = RecurrentKernel(model, tiny_batch_max=1 << 30, native=False)
    torch_kernel = RecurrentKernel(model, tiny_batch_max=0, native=False)
    rows, best_numpy, numpy_leads = [], 0, True
    for batch in CROSSOVER_BATCHES[:5] if quick else CROSSOVER_BATCHES:
        pools = [tuple(s.normal_() for s in model.init_state(batch)) for _ in range(2)]
        index = torch.arange(batch)
        x = torch.randn(batch, spec.input_size)  # (B, F)

        def step(kernel, pool, x=x, index=index):
            with torch.inference_mode():
                return kernel(x, pool, index)

        timing = measure(
            {
                "numpy path": lambda pool=pools[0]: step(numpy_kernel, pool),
                "torch path": lambda pool=pools[1]: step(torch_kernel, pool),
            },
            rounds=7 if quick else 21,
        )
        rows.append(
            row(
                "fast kernel, NumPy path",
                "fast kernel, torch path",
                timing,
                "numpy path",
                "torch path",
                batch=batch,
            )
        )
        numpy_leads = numpy_leads and rows[-1]["b_over_a"] > 1.0  # torch time / NumPy time
        best_numpy = batch if numpy_leads else best_numpy
    return rows, best_numpy


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Time runner.step (1 stream) against bare LSTMCell calls and kernel variants."""
    spec = BenchModel()
    model = spec.build()
    fast_runner, ids, x = live_runner(model, 1)
    numpy_runner, _, _ = live_runner(model, 1, native=False)
    plain_runner, _, _ = live_runner(model, 1, fast=False)
    cell, cell_x, cell_state = _bare_cell(spec)
    kernel = RecurrentKernel(model)
    with native_disabled():
        numpy_kernel = RecurrentKernel(model)
    pools = [tuple(s.normal_() for s in model.init_state(1)) for _ in range(2)]
    index = torch.arange(1)

    def cell_inference():
        with torch.inference_mode():
            return cell(cell_x, cell_state)

    def kernel_alone(kernel=kernel, pool=pools[0]):
        with torch.inference_mode():
            return kernel(x, pool, index)

    timing = measure(
        {
            "runner.step": lambda: fast_runner.step(ids, x),
            "runner.step (native off)": lambda: numpy_runner.step(ids, x),
            "runner.step (PlainKernel)": lambda: plain_runner.step(ids, x),
            "fast kernel alone": kernel_alone,
            "fast kernel alone (native off)": lambda: kernel_alone(numpy_kernel, pools[1]),
            "LSTMCell (autograd mode)": lambda: cell(cell_x, cell_state),
            "LSTMCell (inference_mode)": cell_inference,
        },
        rounds=9 if quick else 41,
    )
    size = f"F={spec.input_size}, H={spec.hidden_size}, batch 1"
    rows = [
        row(
            "runner.step, 1 stream",
            f"bare nn.LSTMCell call, autograd on ({size})",
            timing,
            "runner.step",
            "LSTMCell (autograd mode)",
        ),
        row(
            "runner.step, 1 stream",
            f"bare nn.LSTMCell call in inference_mode ({size})",
            timing,
            "runner.step",
            "LSTMCell (inference_mode)",
        ),
        row(
            "fast kernel alone (gather, LSTM, output layer, scatter)",
            f"bare nn.LSTMCell call in inference_mode ({size})",
            timing,
            "fast kernel alone",
            "LSTMCell (inference_mode)",
        ),
        row(
            "runner.step, 1 stream",
            "runner.step with the reference PlainKernel",
            timing,
            "runner.step",
            "runner.step (PlainKernel)",
        ),
        row(
            "runner.step, 1 stream (native C path)",
            "runner.step without the native path (TSLIB_NATIVE=0: NumPy path)",
            timing,
            "runner.step",
            "runner.step (native off)",
        ),
    ]
    goals = [
        Goal(
            "runner.step / LSTMCell (inference_mode) at batch 1, issue 17",
            timing["runner.step"].median_us / timing["LSTMCell (inference_mode)"].median_us,
            0.3,
            False,
            "median(runner.step) / median(bare LSTMCell in inference_mode), same process",
            before=timing["runner.step (native off)"].median_us
            / timing["LSTMCell (inference_mode)"].median_us,
            before_what="runner.step without the native path, same rounds",
            issue="17.3",
        )
    ]
    for bare, mode in (
        ("LSTMCell (autograd mode)", "autograd"),
        ("LSTMCell (inference_mode)", "inference_mode"),
    ):
        ratio = timing["runner.step"].median_us / timing[bare].median_us
        note = f"median(runner.step) / median(bare LSTMCell, {mode}), same process"
        goals.append(Goal(f"runner.step / LSTMCell ({mode}) at batch 1", ratio, 1.2, False, note))
        goals.append(Goal(f"stretch: runner.step / LSTMCell ({mode})", ratio, 0.5, False, note))
        rows.append(
            row(
                "runner.step, 1 stream, without the native path (TSLIB_NATIVE=0)",
                f"bare nn.LSTMCell call, {mode} ({size})",
                timing,
                "runner.step (native off)",
                bare,
            )
        )
    crossover_rows, best_numpy = _crossover(spec, quick)
    notes = [
        "runner.step includes id lookup, input checks (NaN/inf), the kernel, last-output and "
        "step-count bookkeeping and latency recording; the bare cell does none of these",
        "'native off' rows: the same runner and kernel with TSLIB_NATIVE=0, i.e. the state "
        "before the native path, measured in the same rounds",
        f"NumPy path wins up to batch {best_numpy} in this run; "
        f"tslib.runner.fast.TINY_BATCH_MAX = {TINY_BATCH_MAX}",
    ]
    title = "(b) runner overhead at batch 1 vs a bare LSTMCell; NumPy/torch crossover"
    return section(title, rows + crossover_rows, goals, notes)
