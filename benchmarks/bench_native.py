"""Native (C) kernel variants side by side, per batch size and torch thread count.

For each batch size B the fast kernel alone (contiguous slots, LSTM H = 64) runs

* ``native small``: the whole step in C (GEMV per row), for B <= 64;
* ``native tiled``: per layer one C call, GEMM tiles by torch's ``sgemm`` with the
  gate math in cache (only where torch's ``sgemm`` was found);
* ``native mm``: per layer a C gather, ``torch.mm``, one C pass of gate math;
* ``native small (libm)``, ``native tiled (libm)``: the same with the previous gate
  maths (libm / libmvec ``expf`` and ``tanhf`` instead of the polynomial exp; see
  :data:`tslib.runner.fast.recurrent_source.MATH_CODES`): the "before" of the maths change;
* ``torch path``: the kernel with ``native=False`` (NumPy up to TINY_BATCH_MAX rows);
* ``GEMMs alone``: ``torch.mm`` of the step's shapes (gates and output layer),

once with torch limited to one thread and once with its default thread count.
The rows are the measurements behind ``NATIVE_SMALL_MAX`` and the choice of the
tiled variant in :mod:`tslib.runner.fast.recurrent_native`.
"""

from __future__ import annotations

import torch

from benchmarks.common import BenchModel, section
from tslib.runner.fast import RecurrentKernel
from tslib.runner.fast.recurrent_native import NATIVE_MATH, NATIVE_SMALL_MAX, NATIVE_TILE_BYTES
from tslib.timing import measure

__all__ = ["run"]

BATCHES = (1, 4, 8, 16, 32, 64, 256, 1024, 4096, 16384)
QUICK_BATCHES = (1, 16, 64, 1024, 4096)


def _kernels(model: torch.nn.Module) -> dict[str, RecurrentKernel]:
    small = RecurrentKernel(model, native_small_max=64)
    tiled = RecurrentKernel(model, native_small_max=0)
    mm = RecurrentKernel(model, native_small_max=0)
    kernels = {"native small": small, "native tiled": tiled, "native mm": mm}
    kernels["native small (libm)"] = RecurrentKernel(model, native_small_max=64)
    kernels["native tiled (libm)"] = RecurrentKernel(model, native_small_max=0)
    kernels["torch path"] = RecurrentKernel(model, native=False)
    if tiled.native is None:  # no compiler: only the torch path
        return {"torch path": kernels["torch path"]}
    for name in ("native small (libm)", "native tiled (libm)"):
        kernels[name].native.math = "libm"  # the maths of the previous native kernels
    mm.native.tiled = False
    if not tiled.native.tiled:
        del kernels["native tiled"], kernels["native tiled (libm)"]
    return kernels


def _gemms(spec: BenchModel, batch: int):
    width, hidden = spec.input_size + spec.hidden_size, spec.hidden_size
    xh, w = torch.randn(batch, width), torch.randn(width, 4 * hidden)
    gates, h = torch.empty(batch, 4 * hidden), torch.randn(batch, hidden)
    w_out, y = torch.randn(hidden, spec.output_size), torch.empty(batch, spec.output_size)

    def gemms():
        torch.mm(xh, w, out=gates)  # (B, 4H)
        torch.mm(h, w_out, out=y)  # (B, O)

    return gemms


def _measure(spec, model, kernels, batch: int, rounds: int) -> dict:
    index = torch.arange(batch)
    x = torch.randn(batch, spec.input_size)  # (B, F)
    candidates = {"GEMMs alone": _gemms(spec, batch)}
    for name, kernel in kernels.items():
        if name.startswith("native small") and batch > 64:
            continue
        if name.startswith(("native tiled", "native mm")) and batch == 1:
            continue
        pool = tuple(s.normal_() for s in model.init_state(batch))

        def step(kernel=kernel, pool=pool):
            with torch.inference_mode():
                return kernel(x, pool, index)

        candidates[name] = step
    timing = measure(candidates, rounds=rounds)
    gemm = timing["GEMMs alone"].median_us
    return {
        "what": "fast kernel alone, LSTM H=64, contiguous slots",
        "against": "each other and the step's GEMMs alone (torch.mm)",
        "batch": batch,
        "threads": torch.get_num_threads(),
        "median_us": {name: round(t.median_us, 3) for name, t in timing.items()},
        "over_gemm": {name: round(t.median_us / gemm, 3) for name, t in timing.items()},
        "timings": {name: t.as_dict() for name, t in timing.items()},
    }


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Time the native variants against the torch path for each batch size and thread count."""
    spec = BenchModel()
    model = spec.build()
    kernels = _kernels(model)
    default_threads = torch.get_num_threads()
    rows = []
    try:
        for threads in sorted({1, default_threads}):
            torch.set_num_threads(threads)
            for batch in QUICK_BATCHES if quick else BATCHES:
                rows.append(_measure(spec, model, kernels, batch, 7 if quick else 15))
    finally:
        torch.set_num_threads(default_threads)
    native = kernels.get("native mm")
    described = native.native.library.describe() if native else "not built (torch path only)"
    notes = [
        f"library: {described}",
        f"gate maths: {NATIVE_MATH!r} by default; '(libm)' rows: the previous maths",
        f"NATIVE_SMALL_MAX = {NATIVE_SMALL_MAX}, NATIVE_TILE_BYTES = {NATIVE_TILE_BYTES}: "
        "the defaults the kernel uses (tiled whenever torch's sgemm is found)",
        "over_gemm: median / median(GEMMs alone) in the same round-robin",
    ]
    return section("native kernel variants vs the torch path", rows, [], notes)
