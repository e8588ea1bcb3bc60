"""PNG plots of a benchmark run (written next to the JSON; ignored by git)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["write_plots"]


def _per_observation(section: dict, ax) -> None:
    windows = [r["window"] for r in section["rows"]]
    ax.plot(windows, [r["b_us"] for r in section["rows"]], "o-", label="model.forward(last T)")
    ax.plot(windows, [r["a_us"] for r in section["rows"]], "o-", label="runner.step")
    ax.set(xscale="log", yscale="log", xlabel="window T", ylabel="µs per new observation")


def _scaling(section: dict, ax) -> None:
    rows = [r for r in section["rows"] if "stream_steps_per_s" in r]
    streams = [r["streams"] for r in rows]
    ax.plot(streams, [r["stream_steps_per_s"] for r in rows], "o-", label="runner.step")
    off = [
        (r["streams"], r["streams"] / r["timings"]["runner.step (native off)"]["median_us"] * 1e6)
        for r in rows
        if "runner.step (native off)" in r["timings"]
    ]
    if off:
        ax.plot(*zip(*off), "o-", label="runner.step (native off)")
    gemm = [r["streams"] / r["timings"]["GEMMs alone"]["median_us"] * 1e6 for r in rows]
    ax.plot(streams, gemm, "o--", label="GEMMs alone (floor)")
    plain = [
        (r["streams"], r["streams"] / r["timings"]["runner.step (PlainKernel)"]["median_us"] * 1e6)
        for r in rows
        if "runner.step (PlainKernel)" in r["timings"]
    ]
    ax.plot(*zip(*plain), "o:", label="runner.step (PlainKernel)")
    ax.set(xscale="log", yscale="log", xlabel="streams", ylabel="stream-steps per second")


def _transformer(section: dict, ax) -> None:
    rows = [r for r in section["rows"] if "history" in r and r.get("streams") == 1]
    history = [r["history"] for r in rows]
    ax.plot(history, [r["b_us"] for r in rows], "o-", label="forward(whole history)")
    ax.plot(history, [r["a_us"] for r in rows], "o-", label="runner.step (KV cache)")
    exact = [r for r in section["rows"] if "receptive field" in r.get("against", "")]
    if exact:
        ax.axhline(exact[0]["b_us"], ls="--", color="gray", label="forward(receptive field)")
    ax.set(xscale="log", yscale="log", xlabel="history n", ylabel="µs per new observation")


PLOTTERS = {"per_observation": _per_observation, "scaling": _scaling, "transformer": _transformer}


def write_plots(payload: dict, folder: Path, stem: str) -> list[Path]:
    """One PNG per plottable section that ran without error; returns the paths."""
    paths = []
    for name, plot in PLOTTERS.items():
        section = payload["sections"].get(name)
        if not section or "error" in section:
            continue
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        plot(section, ax)
        ax.set_title(section["title"], fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        path = folder / f"{stem}-{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
