"""The scoreboard across domains: each notebook's best deep model against its best baseline.

Built from the headline each notebook records (:func:`tslib.reports.record_headline`).
The ratio is ``deep / baseline`` on the headline metric; the column names say
which direction is better, so ``0.8`` reads "the deep model's error is 80 % of
the baseline's" and never as a speed-up.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

from tslib.reports.headline import headline_ratio, read_headline

__all__ = ["RATIO_NAME", "SCOREBOARD_PNG", "scoreboard_figure", "scoreboard_rows"]

#: File name of the scoreboard figure in the report folder.
SCOREBOARD_PNG = "scoreboard.png"

#: How the ratio is named in tables and on the figure.
RATIO_NAME = "deep / baseline"


def scoreboard_rows(results: list[dict]) -> list[dict]:
    """One row per notebook that recorded a headline, sorted by notebook.

    Parameters
    ----------
    results : list of dict
        Result rows with ``notebook``, ``metrics`` and optionally ``title``.

    Returns
    -------
    list of dict
        ``notebook, title, metric, deep_model, deep_value, baseline,
        baseline_value, lower_is_better, ratio, ratio_name, winner``; ``ratio`` is
        None when the baseline value is zero, ``winner`` is ``"deep"``,
        ``"baseline"`` or ``"tie"``.
    """
    rows = []
    for result in sorted(results, key=lambda r: r["notebook"]):
        headline = read_headline(result.get("metrics") or {})
        if headline is None:
            continue
        ratio = headline_ratio(headline)
        lower = bool(headline["lower_is_better"])
        deep, base = float(headline["deep_value"]), float(headline["baseline_value"])
        if deep == base:
            winner = "tie"
        else:
            winner = "deep" if (deep < base) == lower else "baseline"
        direction = "lower is better" if lower else "higher is better"
        rows.append(
            {
                "notebook": result["notebook"],
                "title": result.get("title") or result["notebook"],
                **headline,
                "ratio": ratio,
                "ratio_name": f"{RATIO_NAME} ({direction})",
                "winner": winner,
            }
        )
    return rows


def scoreboard_figure(rows: list[dict], path: str | Path) -> Path | None:
    """Draw the ratio of each notebook as a horizontal bar chart and save it as PNG.

    Bars start at parity (1) on a log scale when every ratio is positive, so a
    bar to the left means the deep model's value is smaller than the baseline's
    (from 0 on a linear scale otherwise); each bar is coloured by who wins given
    the metric's direction.

    Returns
    -------
    Path or None
        The written file; None (and nothing written) when no row has a ratio.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from tslib.plots.style import PALETTE, plot_style

    shown = [row for row in rows if row["ratio"] is not None]
    if not shown:
        return None
    import seaborn as sns

    colors = sns.color_palette(PALETTE)
    role = {"deep": colors[0], "baseline": colors[1], "tie": colors[7]}
    path = Path(path)
    ratios = [row["ratio"] for row in shown]
    log_scale = min(ratios) > 0  # ratios: 0.5 and 2 lie equally far from parity
    base = 1.0 if log_scale else 0.0
    with plot_style():
        fig, ax = plt.subplots(figsize=(9.0, 0.7 * len(shown) + 1.8))
        labels = [
            r["notebook"]
            + "\n"
            + textwrap.shorten(f"{r['metric']}: {r['deep_model']} vs {r['baseline']}", 60)
            for r in shown
        ]
        positions = list(range(len(shown)))
        ax.barh(
            positions,
            [ratio - base for ratio in ratios],
            left=base,
            color=[role[r["winner"]] for r in shown],
        )
        for y, row in zip(positions, shown, strict=True):  # value beside parity, free side
            direction = "lower better" if row["lower_is_better"] else "higher better"
            ax.annotate(
                f" {row['ratio']:.3g} ({direction}) ", (1.0, y), va="center", fontsize=8,
                ha="left" if row["ratio"] < 1.0 else "right",
            )  # fmt: skip
        ax.axvline(1.0, color="0.3", linewidth=1, linestyle="--")
        ax.set_yticks(positions, labels, fontsize=8)
        ax.invert_yaxis()
        if log_scale:  # parity in the middle, room for the labels on both sides
            ax.set_xscale("log")
            decades = max(abs(math.log10(ratio)) for ratio in ratios) + 0.8
            ax.set_xlim(10**-decades, 10**decades)
        else:
            ax.set_xlim(min(0.0, min(ratios)) * 1.3 - 0.5, max(1.0, max(ratios)) * 1.3 + 0.5)
        scale = "log scale, " if log_scale else ""
        ax.set_xlabel(f"headline metric ratio {RATIO_NAME} ({scale}dimensionless; 1 = parity)")
        ax.set_title("Scoreboard: best deep model against best baseline")
        ax.legend(
            handles=[
                Patch(color=role["deep"], label="deep model better"),
                Patch(color=role["baseline"], label="baseline better"),
                Patch(color="0.3", label="parity (ratio 1)", fill=False, linestyle="--"),
            ],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
        )
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return path
