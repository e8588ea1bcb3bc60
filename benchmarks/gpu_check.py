"""GPU check: equivalence of the CUDA-graph kernel, then the GPU benchmarks (<= 5 minutes).

Usage::

    python -m benchmarks.gpu_check [--quick] [--out benchmarks/results]
    python benchmarks/gpu_check.py        # the same
    python -m benchmarks.gpu_check --quick --cpu-dry-run   # exercise the script on a CPU

Without CUDA it prints a message and exits 0. With CUDA it

1. checks, for LSTM / GRU / RNN, 1 and 2 layers, batches 1, 5, 64, 4095 and
   4096, scattered and contiguous slots, four repeated steps: CUDA-graph kernel
   == eager fused kernel == PlainKernel == ``model.forward`` (outputs and pool,
   1e-5), and that a weight update is seen by the captured graphs;
2. times one step at 1, 64 and 4096 streams: CUDA-graph kernel, eager fused
   kernel, PlainKernel, ``runner.step``, a bare ``nn.LSTMCell`` and the step's
   GEMMs, each synchronised after every call (latency); goal on an H200:
   <= 20 µs per step at 4096 streams;
3. runs the per-observation, scaling and transformer sections on the GPU;

and writes ``<gpu>-<YYYY-MM-DD>.json``. Exit status 1 when an equivalence check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time
from pathlib import Path

import torch

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import Goal  # noqa: E402
from benchmarks.run_all import RESULTS, run_sections, summary_lines  # noqa: E402
from tslib.timing import machine_info, machine_slug, measure, sync_for  # noqa: E402

__all__ = ["equivalence", "graph_latency", "main"]


def _rows_equal(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max()) if a.numel() else 0.0


def equivalence(quick: bool, device: str = "cuda") -> list[dict]:
    """Graph vs eager vs plain vs forward on CUDA; one dict per case with the max error."""
    from tslib.encoders.recurrent import RecurrentEncoder
    from tslib.runner.fast import CudaGraphKernel, RecurrentKernel
    from tslib.runner.kernels import PlainKernel

    cases = []
    batches = (1, 5, 64, 4096) if quick else (1, 5, 64, 4095, 4096)
    for cell, layers, batch, scattered in itertools.product(
        ("lstm", "gru", "rnn"), (1, 2), batches, (False, True)
    ):
        torch.manual_seed(0)
        model = RecurrentEncoder(3, 16, 2, num_layers=layers, cell=cell).to(device).eval()
        graph = CudaGraphKernel(RecurrentKernel(model))
        eager, plain = RecurrentKernel(model), PlainKernel(model)
        capacity = 5000
        base = tuple(torch.randn(s.shape, device=device) for s in model.init_state(capacity))
        pools = [tuple(t.clone() for t in base) for _ in range(3)]
        if scattered:
            index = torch.randperm(capacity, device=device)[:batch]
        else:
            index = torch.arange(7, 7 + batch, device=device)
        x = torch.randn(batch, 4, 3, device=device)  # (B, T, F)
        with torch.inference_mode():
            start = tuple(t.index_select(0, index) for t in base)
            outs = [
                torch.stack([k(x[:, t], pool, index) for t in range(4)], 1)
                for k, pool in zip((graph, eager, plain), pools)
            ]
            forward_y, _ = model(x, start)
        error = max(
            max(_rows_equal(outs[0], other) for other in (*outs[1:], forward_y)),
            max(_rows_equal(a, b) for p in pools[1:] for a, b in zip(pools[0], p)),
        )
        cases.append(
            {
                "cell": cell,
                "layers": layers,
                "batch": batch,
                "scattered": scattered,
                "max_abs_error": error,
                "ok": error <= 1e-5,
            }
        )
    torch.manual_seed(1)
    model = RecurrentEncoder(3, 16, 2).to(device).eval()
    graph = CudaGraphKernel(RecurrentKernel(model))
    pool = tuple(torch.randn(s.shape, device=device) for s in model.init_state(64))
    index, x = torch.arange(10, device=device), torch.randn(10, 3, device=device)
    with torch.inference_mode():
        graph(x, tuple(t.clone() for t in pool), index)
        with torch.no_grad():
            model.output.weight.mul_(-3.0)
        got = graph(x, tuple(t.clone() for t in pool), index)
        want = PlainKernel(model)(x, tuple(t.clone() for t in pool), index)
    error = _rows_equal(got, want)
    cases.append(
        {"case": "weight update after capture", "max_abs_error": error, "ok": error <= 1e-5}
    )
    return cases


def _latency_at(model, spec, batch: int, rounds: int, device: str) -> dict:
    """Median latency (µs, synchronised every call) of each candidate at ``batch`` streams."""
    from benchmarks.common import live_runner
    from tslib.runner.fast import CudaGraphKernel, RecurrentKernel
    from tslib.runner.kernels import PlainKernel

    runner, ids, x = live_runner(model, batch, device)
    kernels = {
        "CUDA-graph kernel": CudaGraphKernel(RecurrentKernel(model)),
        "eager fused kernel": RecurrentKernel(model),
        "PlainKernel": PlainKernel(model),
    }
    pools = {name: tuple(t.normal_() for t in model.init_state(batch, device)) for name in kernels}
    index = torch.arange(batch, device=device)
    cell = torch.nn.LSTMCell(spec.input_size, spec.hidden_size).to(device)
    h = torch.zeros(batch, spec.hidden_size, device=device)  # (B, H)
    width = spec.input_size + spec.hidden_size
    xh = torch.randn(batch, width, device=device)  # (B, F + H)
    w = torch.randn(width, 4 * spec.hidden_size, device=device)  # (F + H, 4H)

    sync = sync_for(device)

    def timed(fn):
        def call():
            with torch.inference_mode():
                fn()
            sync()

        return call

    candidates = {
        name: timed(lambda k=k, p=pools[name]: k(x, p, index)) for name, k in kernels.items()
    }
    candidates["runner.step"] = timed(lambda: runner.step(ids, x))
    candidates["bare LSTMCell"] = timed(lambda: cell(x, (h, h)))
    candidates["GEMM alone"] = timed(lambda: torch.mm(xh, w))
    timing = measure(candidates, rounds=rounds, target_s=0.01)
    return {name: round(t.median_us, 3) for name, t in timing.items()}


def graph_latency(quick: bool, device: str = "cuda") -> dict:
    """Per-step latency (synchronised each call) at 1, 64 and 4096 streams."""
    from benchmarks.common import BenchModel

    spec = BenchModel()
    model = spec.build(device=device)
    rows, goals = [], []
    for batch in (1, 64, 4096):
        medians = _latency_at(model, spec, batch, 7 if quick else 15, device)
        rows.append({"streams": batch, "against": "each other, synchronised every call", **medians})
        if batch == 4096:
            for name in ("CUDA-graph kernel", "runner.step"):
                goals.append(
                    Goal(
                        f"{name} at 4096 streams on the GPU (µs)",
                        medians[name],
                        20.0,
                        False,
                        "median per-step latency incl. synchronisation",
                    )
                )
    notes = ["each call is followed by torch.cuda.synchronize(): these are latencies"]
    return {
        "title": "(g) GPU step latency: CUDA graph vs eager vs plain",
        "rows": rows,
        "goals": [g.as_dict() for g in goals],
        "notes": notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--cpu-dry-run",
        action="store_true",
        help="exercise this script on the CPU (graph kernels fall back to eager); no JSON",
    )
    args = parser.parse_args(argv)
    device = "cpu" if args.cpu_dry_run else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: CUDA is not available on this machine; nothing to do.")
        return 0
    started = time.perf_counter()
    info = machine_info(device)
    payload: dict = {"machine": info, "date": dt.date.today().isoformat(), "sections": {}}
    try:
        cases = equivalence(args.quick, device)
    except Exception as error:
        cases = [{"case": "equivalence crashed", "error": repr(error), "ok": False}]
    failed = [c for c in cases if not c["ok"]]
    payload["equivalence"] = {"cases": cases, "failed": len(failed)}
    print(f"gpu_check: equivalence {len(cases) - len(failed)}/{len(cases)} ok", flush=True)
    try:
        payload["sections"]["gpu_latency"] = graph_latency(args.quick, device)
    except Exception as error:
        payload["sections"]["gpu_latency"] = {"title": "gpu latency", "error": repr(error)}
    names = ["per_observation", "scaling", "transformer"]
    payload["sections"].update(run_sections(names, quick=True, device=device))
    payload["elapsed_s"] = round(time.perf_counter() - started, 1)
    path = args.out / f"{machine_slug(info)}-{payload['date']}.json"
    if args.cpu_dry_run:
        path = Path("(dry run: not written)")
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    print("\n".join(summary_lines(payload["sections"])))
    for case in failed:
        print(f"gpu_check: FAILED {case}", file=sys.stderr)
    print(f"gpu_check: wrote {path} in {payload['elapsed_s']} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
