"""Run the benchmark suite and write ``benchmarks/results/<machine>-<YYYY-MM-DD>.json``.

Usage::

    .venv/bin/python -m benchmarks            # full run, about 5-8 minutes on 2 cores
    .venv/bin/python -m benchmarks --quick    # about 1 minute
    .venv/bin/python -m benchmarks --only scaling overhead

The JSON holds the machine (CPU model, threads, torch version, device, load
average before and after), every section's rows (each naming what it is
compared against), the goals with their measured values, and run times. PNG
plots go next to it (ignored by git). A section that fails is recorded with
its error and the run goes on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

import torch

from tslib.timing import machine_info, machine_slug

__all__ = [
    "ISSUE_GOALS",
    "SECTIONS",
    "goal_line",
    "issue_lines",
    "issue_summary",
    "main",
    "run_sections",
    "summary_lines",
]

#: Section name -> module; run in this order.
SECTIONS = {
    "per_observation": "benchmarks.bench_per_observation",
    "overhead": "benchmarks.bench_overhead",
    "scaling": "benchmarks.bench_scaling",
    "native": "benchmarks.bench_native",
    "peers": "benchmarks.bench_peers",
    "transformer": "benchmarks.bench_transformer",
    "compression": "benchmarks.bench_compression",
}
#: Sections that only make sense on the CPU (NumPy path, statsmodels/River peers, int8 CPU).
CPU_ONLY = {"overhead", "native", "peers", "compression"}
RESULTS = Path(__file__).resolve().parent / "results"
#: The goals of the current performance issue (17): number -> (title, sections that measure
#: it). A section's goal counts for the issue goal named by its ``issue`` tag; untagged
#: goals of a section count for :data:`SECTION_ISSUE` of that section, if any.
ISSUE_GOALS = {
    "17.1": ("Transformer step", ("transformer",)),
    "17.2": ("Compression that pays", ("compression",)),
    "17.3": ("The GEMM floor on every x86 CPU", ("scaling", "overhead")),
    "17.4": ("Peers at their best", ("peers",)),
    "17.5": ("GPU, whenever one is available", ("gpu",)),
}
SECTION_ISSUE = {"transformer": "17.1", "compression": "17.2", "peers": "17.4", "gpu": "17.5"}


def run_sections(names: list[str], quick: bool, device: str) -> dict:
    """Run the named sections; return name -> section dict (or an ``error`` entry)."""
    out = {}
    for name in names:
        if device != "cpu" and name in CPU_ONLY:
            continue
        start = time.perf_counter()
        print(f"[benchmarks] {name} ...", flush=True)
        try:
            module = importlib.import_module(SECTIONS[name])
            result = module.run(quick=quick, device=device)
        except Exception as error:  # recorded, not hidden: the JSON says what failed
            result = {"title": name, "error": repr(error), "traceback": traceback.format_exc()}
            print(f"[benchmarks] {name} FAILED: {error!r}", file=sys.stderr, flush=True)
        result["elapsed_s"] = round(time.perf_counter() - start, 2)
        out[name] = result
    return out


def goal_line(goal: dict) -> str:
    """One goal as "met", "MISSED" or "not measured", with its value and target.

    A goal without a measured value (``met`` is None, e.g. a peer that is not
    installed) is "not measured", whatever stored reference figures exist.
    """
    sign = ">=" if goal["higher_is_better"] else "<="
    target = f"(goal {sign} {goal['target']:g})"
    if goal.get("met") is None or goal.get("value") is None:
        return f"not measured {goal['name']} {target}: {goal.get('note', '')}".rstrip(": ")
    state = "met   " if goal["met"] else "MISSED"
    line = f"{state} {goal['name']}: {goal['value']:.3g} {target}"
    if goal.get("before") is not None:
        line += f"; before: {goal['before']:.3g} ({goal.get('before_what') or 'baseline path'})"
    return line


def _issue_of(section: str, goal: dict) -> str:
    return goal.get("issue") or SECTION_ISSUE.get(section, "")


def issue_summary(sections: dict, device: str) -> list[dict]:
    """Every goal of :data:`ISSUE_GOALS` with the section goals measured for it in this run.

    Returns one dict per issue goal: ``number``, ``title``, ``status`` ("met" when
    every measured goal is met, "missed" when one is missed, "not measured" when none
    was measured), ``goals`` (the section goal dicts) and ``why`` for "not measured".
    """
    out = []
    for number, (title, names) in ISSUE_GOALS.items():
        goals, why = [], ""
        for name in names:
            result = sections.get(name)
            if result is None:
                continue
            if "error" in result:
                why = f"section {name!r} failed: {result['error']}"
            goals += [g for g in result.get("goals", []) if _issue_of(name, g) == number]
        measured = [g for g in goals if g.get("met") is not None and g.get("value") is not None]
        if not goals and not why:
            ran = [name for name in names if name in sections]
            if number == "17.5" and device == "cpu":
                why = "no GPU in this run (python -m benchmarks.gpu_check measures it on CUDA)"
            else:
                why = f"sections {names} not run" if not ran else f"no goal of {ran} tagged"
        status = "not measured"
        if measured:
            status = "met" if all(g["met"] for g in measured) else "missed"
        out.append({"number": number, "title": title, "status": status, "goals": goals,
                    "why": why or ("" if measured else "no goal was measured")})  # fmt: skip
    return out


def issue_lines(summary: list[dict], machine: dict) -> list[str]:
    """The issue summary as text, one header line per issue goal."""
    flags = ",".join(machine.get("cpu_flags") or []) or "?"
    native = machine.get("native_kernels") or {}
    lines = [
        f"== issue 17 goals, this run: {machine.get('cpu')} ({flags}), torch capability "
        f"{machine.get('torch_cpu_capability')}, native clone {native.get('isa_clone', 'none')}, "
        f"load average {machine.get('load_average_1m')} -> {machine.get('load_average_1m_after')}"
    ]
    for item in summary:
        state = {"met": "met   ", "missed": "MISSED"}.get(item["status"], item["status"])
        head = f"{item['number']} {item['title']}: {state}"
        lines.append(head + (f" ({item['why']})" if item["status"] == "not measured" else ""))
        lines.extend("    " + goal_line(goal) for goal in item["goals"])
    return lines


def summary_lines(sections: dict) -> list[str]:
    """Human-readable goal lines: met / MISSED / not measured, value vs target."""
    lines = []
    for name, result in sections.items():
        if "error" in result:
            lines.append(f"{name}: ERROR {result['error']}")
        lines.extend(goal_line(goal) for goal in result.get("goals", []))
    return lines


def _native_description() -> dict | None:
    """The native kernel library this process loads (flags, ISA clone, ...); None without."""
    from tslib.runner.fast.recurrent_library import load_native

    library = load_native()
    return None if library is None else library.describe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer sizes and rounds (~1 min)")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), help="sections to run")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    parser.add_argument("--machine", default=None, help="machine name for the file name")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    args = parser.parse_args(argv)
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    started = time.perf_counter()
    info = machine_info(device)
    info["native_kernels"] = _native_description()
    sections = run_sections(args.only or list(SECTIONS), args.quick, device)
    info["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    today = dt.date.today().isoformat()
    stem = f"{args.machine or machine_slug(info)}-{today}"
    payload = {
        "machine": info,
        "date": today,
        "quick": args.quick,
        "command": " ".join(["python -m benchmarks", *(argv or sys.argv[1:])]),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "sections": sections,
    }
    summary = issue_summary(sections, device)
    payload["issue_goals"] = summary
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{stem}.json"
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    if not args.no_plots:
        from benchmarks.plots import write_plots

        write_plots(payload, args.out, stem)
    print("\n".join(summary_lines(sections)))
    print("\n".join(issue_lines(summary, info)))
    print(f"[benchmarks] wrote {path} in {payload['elapsed_s']} s")
    return 1 if any("error" in s for s in sections.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
