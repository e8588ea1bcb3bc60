"""The load-time probe program of the fp32 native recurrent library (run in a subprocess).

:func:`~tslib.runner.fast.recurrent_library.probe_library` runs::

    python -c "from tslib.runner.fast.recurrent_probe import main; raise SystemExit(main())" \
        '{"path": "<library>.so", "flags": ["-O3", ...]}'

and this process checks, stage by stage (each announced on stdout before it starts,
so that a crash names its stage; :data:`~tslib.runner.fast.recurrent_library.STAGES`):

1. ``load``: the library loads and reports the expected ABI version;
2. ``layout``: the argument structs' ``sizeof``, field names, offsets and sizes as
   the compiler laid them out (the parent compares them with its ctypes mirrors;
   this process stops here on a mismatch, as calling with a wrong layout could
   corrupt memory);
3. ``small``: the whole-step C path against :class:`~tslib.runner.kernels.PlainKernel`
   (LSTM, GRU, RNN; three layers; a few rows);
4. ``mm``: the per-layer path with ``torch.mm`` (only with vector maths);
5. ``sgemm``: products through torch's exported ``sgemm_`` against ``torch.mm``;
6. ``tiled``: the fused GEMM-tile path that calls that ``sgemm`` from C.

The last stdout line is the report, ``{"report": {...}}``: the C layout, the
largest error of each check (``null`` where skipped) and the library's features.
For tests, ``TSLIB_NATIVE_PROBE_FAULT=<stage>`` makes this process kill itself
with ``SIGSEGV`` when that stage starts, as a crashing library would.

Nothing imports this module but the probe's subprocess: it sits above the kernels it
checks (:mod:`.recurrent_native`, :mod:`.recurrent`) in the import graph.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import signal
import sys
from pathlib import Path

import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner.fast import recurrent_library
from tslib.runner.fast.recurrent import RecurrentKernel
from tslib.runner.fast.recurrent_library import (
    FAULT_ENV,
    STAGES,
    TOLERANCE,
    sgemm_address,
    sgemm_max_error,
)
from tslib.runner.fast.recurrent_native import NATIVE_SMALL_MAX, NativePath
from tslib.runner.fast.recurrent_source import layout_mismatches, read_c_layout
from tslib.runner.kernels import PlainKernel

__all__ = ["main"]


def _stage(name: str) -> None:
    """Announce ``name`` (flushed, so the parent sees it even if the stage crashes)."""
    print(json.dumps({"stage": name}), flush=True)
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGSEGV)


def _kernel_error(library, variant: str) -> float:
    """Largest |native - PlainKernel| over outputs and pools, for every cell, 2 steps."""
    batch = 3 if variant == "small" else 2 * NATIVE_SMALL_MAX + 5
    worst = 0.0
    for cell in ("lstm", "gru", "rnn"):
        torch.manual_seed(0)
        model = RecurrentEncoder(3, 13, 2, num_layers=3, cell=cell).eval()
        kernel = RecurrentKernel(model, native=False)
        kernel.native = NativePath(kernel, library)
        if variant == "mm":
            kernel.native.tiled = False
        if variant != "small" and kernel.native.tiled != (variant == "tiled"):
            raise RuntimeError(f"the {variant!r} path is not selected")
        generator = torch.Generator().manual_seed(1)
        pool = tuple(torch.randn(s.shape, generator=generator) for s in model.init_state(64))
        plain_pool = tuple(t.clone() for t in pool)
        index = torch.randperm(64, generator=generator)[:batch]
        plain = PlainKernel(model)
        with torch.inference_mode():
            for _ in range(2):
                x = torch.randn(batch, 3, generator=generator)  # (B, F)
                if not kernel.native.accepts(x, pool, index):
                    raise RuntimeError(f"the native path declined the {variant!r} check")
                got = kernel.native(x, pool, index, None)  # (B, O)
                want = plain(x, plain_pool, index)
                worst = max(worst, float((got - want).abs().max()))
        for fast_rows, plain_rows in zip(pool, plain_pool):
            worst = max(worst, float((fast_rows - plain_rows).abs().max()))
    return worst if worst == worst else float("inf")  # NaN -> inf


def main(argv: list[str] | None = None) -> int:
    """Run the probe for the library described by ``argv[0]`` (JSON); print the report."""
    spec = json.loads((argv or sys.argv[1:])[0])
    path, flags = Path(spec["path"]), tuple(spec["flags"])
    errors: dict[str, float | None] = dict.fromkeys(STAGES[2:])
    report = {"errors": errors, "layout": None, "vector_math": None, "sgemm_found": None}
    _stage("load")
    library = recurrent_library._load(path, flags)
    report["vector_math"] = library.vector_math
    _stage("layout")
    report["layout"] = read_c_layout(ctypes.CDLL(str(path)))
    if not layout_mismatches(report["layout"]):
        _stage("small")
        errors["small"] = _kernel_error(library, "small")
        if library.vector_math:
            _stage("mm")
            errors["mm"] = _kernel_error(library, "mm")
        _stage("sgemm")
        address = sgemm_address()
        report["sgemm_found"] = address is not None
        if address is not None:
            errors["sgemm"] = sgemm_max_error(address)
            if library.vector_math and errors["sgemm"] <= TOLERANCE:
                _stage("tiled")
                errors["tiled"] = _kernel_error(dataclasses.replace(library, sgemm=True), "tiled")
    print(json.dumps({"report": report}), flush=True)
    return 0
