"""The HTML index of a report run: one row per notebook with status, time and metrics."""

from __future__ import annotations

import html
import json
from pathlib import Path

__all__ = ["write_index"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.ok { color: #1a7f37; font-weight: 600; }
.failed { color: #cf222e; font-weight: 600; }
pre { max-width: 50rem; white-space: pre-wrap; margin: 0; font-size: 0.8rem; }
"""


def _metric_cells(metrics: dict) -> str:
    if not metrics:
        return "&mdash;"
    parts = []
    for name, value in metrics.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        parts.append(f"{html.escape(name)} = {html.escape(shown)}")
    return "<br>".join(parts)


def write_index(results: list[dict], out_dir: str | Path, param_set: str) -> Path:
    """Write ``index.html`` and ``metrics.json`` for a report run.

    Parameters
    ----------
    results : list of dict
        One dict per notebook with keys ``notebook``, ``status`` (``"ok"`` or
        ``"failed"``), ``seconds``, ``metrics``, ``error``, ``ipynb``, ``html``.
    out_dir : str or Path
        The run's folder, ``reports/<set>``.
    param_set : str
        Name of the parameter set, shown in the title.

    Returns
    -------
    Path
        Path of the written ``index.html``.
    """
    out_dir = Path(out_dir)
    rows = []
    for result in sorted(results, key=lambda r: r["notebook"]):
        name = html.escape(result["notebook"])
        links = []
        for key, label in (("html", "report"), ("ipynb", "notebook")):
            if result.get(key):
                links.append(f'<a href="{html.escape(Path(result[key]).name)}">{label}</a>')
        status = result["status"]
        error = result.get("error") or ""
        error_html = f"<pre>{html.escape(error[-2000:])}</pre>" if error else ""
        rows.append(
            f"<tr><td>{name}</td><td class='{status}'>{status}</td>"
            f"<td>{result['seconds']:.1f} s</td><td>{_metric_cells(result.get('metrics', {}))}</td>"
            f"<td>{' | '.join(links)}</td><td>{error_html}</td></tr>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>tslib reports: {html.escape(param_set)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>tslib reports &mdash; parameter set <code>{html.escape(param_set)}</code></h1>"
        "<table><tr><th>notebook</th><th>status</th><th>run time</th><th>headline metrics</th>"
        "<th>links</th><th>error</th></tr>" + "".join(rows) + "</table></body></html>"
    )
    index_path = out_dir / "index.html"
    index_path.write_text(page)
    summary = {
        r["notebook"]: {k: r.get(k) for k in ("status", "seconds", "metrics", "error")}
        for r in results
    }
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    return index_path
