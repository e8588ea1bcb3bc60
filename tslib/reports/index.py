"""The HTML index of a report run: a results page a researcher can cite.

It shows the run's provenance (date, commit, versions, machine, parameter set,
wall time), a scoreboard across notebooks (table and figure), one summary row
per notebook with its age and links, and per notebook its title, its answer,
its dataset with licence, its effective parameters and its metrics to 4
significant digits. Everything shown is also in ``metrics.json``
(:mod:`tslib.reports.summary`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import escape
from pathlib import Path

from tslib.reports.metrics import RESERVED_PREFIXES, format_value
from tslib.reports.scoreboard import SCOREBOARD_PNG, scoreboard_figure, scoreboard_rows
from tslib.reports.summary import merge_summary, read_summary, write_summary

__all__ = ["render_index", "write_index"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 70rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; font-weight: 600; }
.failed { color: #cf222e; font-weight: 600; }
.older { color: #9a6700; }
pre { max-width: 50rem; white-space: pre-wrap; margin: 0; font-size: 0.8rem; }
img { max-width: 100%; }
"""

_LINK_LABELS = {"html": "report", "html_nocode": "report without code", "ipynb": "notebook"}


def _parse(date: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(date or "", "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def _age(date: str | None, latest: str | None) -> str:
    """``this run`` or how much older a row is than the latest run."""
    if date == latest:
        return "this run"
    then, now = _parse(date), _parse(latest)
    if then is None or now is None:
        return "earlier run (date unknown)"
    minutes = int((now - then).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    text = (
        f"{days} d {hours} h" if days else f"{hours} h {minutes} min" if hours else f"{minutes} min"
    )
    return f"earlier run, {text} older"


def _inline_markdown(text: str) -> str:
    """Escape ``text`` for HTML, then render its inline code and bold marks."""
    html_text = escape(text)
    html_text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html_text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", html_text)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(cells) + "</tr>" for cells in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _td(value, numeric: bool = False) -> str:
    return f"<td{' class=num' if numeric else ''}>{escape(format_value(value))}</td>"


def _provenance_html(provenance: dict | None, notebooks: dict) -> str:
    if not provenance:
        return "<p>No provenance recorded (a report from an older tslib).</p>"
    git = provenance.get("git") or {}
    commit = git.get("commit") or "unknown (not a git checkout)"
    dirty = {True: " (dirty: uncommitted changes)", False: " (clean)"}.get(git.get("dirty"), "")
    versions = ", ".join(f"{k} {v}" for k, v in (provenance.get("versions") or {}).items())
    host = provenance.get("host") or {}
    workers = provenance.get("workers") or []
    worker_text = "; ".join(
        f"{w.get('host')}: {w.get('cpu_model')}, {w.get('cores')} cores" for w in workers
    )
    pset = provenance.get("parameter_set") or {}
    wall = provenance.get("wall_seconds")
    rows = [
        ("run date (UTC)", provenance.get("run_date")),
        ("git commit", commit + dirty),
        ("versions", versions),
        ("CPU (this host)", f"{host.get('cpu_model')}, {host.get('cores')} cores"),
        ("dask workers", f"{len(workers)}: {worker_text}" if workers else "unknown"),
        ("torch threads per notebook", provenance.get("threads_per_notebook")),
        ("parameter set", f"{pset.get('name')} ({pset.get('path')})"),
        ("set defaults", json.dumps(pset.get("defaults"), sort_keys=True)),
        ("total wall time", f"{wall:.1f} s (this run)" if wall is not None else "unknown"),
        ("notebooks", f"{len(notebooks)}"),
    ]
    return _table(["", "value"], [[f"<th>{k}</th>", _td(v)] for k, v in rows])


def _scoreboard_html(rows: list[dict], figure: Path | None) -> str:
    if not rows:
        return "<p>No notebook recorded a headline (<code>record_headline</code>).</p>"
    table = _table(
        ["notebook", "metric", "best deep model", "deep value", "best baseline",
         "baseline value", "ratio", "winner"],
        [
            [_td(r["notebook"]), _td(r["metric"]), _td(r["deep_model"]),
             _td(r["deep_value"], True), _td(r["baseline"]), _td(r["baseline_value"], True),
             f"<td class=num>{escape(r['ratio_name'])} = "
             f"{escape(format_value(r['ratio'])) if r['ratio'] is not None else 'n/a'}</td>",
             _td(r["winner"])]
            for r in rows
        ],
    )  # fmt: skip
    image = (
        f"<p><img src='{figure.name}' alt='scoreboard: deep / baseline ratio per notebook'></p>"
        if figure is not None
        else ""
    )
    return table + image


def _notebook_html(stem: str, row: dict) -> str:
    title = escape(row.get("title") or stem)
    parts = [f"<h3 id='{escape(stem)}'>{title} <small><code>{escape(stem)}</code></small></h3>"]
    if row.get("answer"):
        parts.append(f"<p>{_inline_markdown(row['answer'])}</p>")
    dataset = row.get("dataset")
    if dataset:
        where = dataset.get("path") or dataset.get("kind") or "registry"
        parts.append(
            f"<p><b>Dataset:</b> <code>{escape(str(dataset.get('name')))}</code> "
            f"({escape(str(where))}); licence: {escape(str(dataset.get('licence') or 'unknown'))}"
            "</p>"
        )
    parameters = row.get("parameters") or {}
    if parameters:
        overrides = set(row.get("overrides") or [])
        cells = [
            [_td(name + (" (set)" if name in overrides else "")), _td(json.dumps(value))]
            for name, value in parameters.items()
        ]
        parts.append(
            "<details><summary>effective parameters ((set) = from the parameter set)</summary>"
            + _table(["parameter", "value"], cells)
            + "</details>"
        )
    metrics = {
        k: v for k, v in (row.get("metrics") or {}).items() if not k.startswith(RESERVED_PREFIXES)
    }
    if metrics:
        cells = [[_td(k), _td(v, not isinstance(v, str))] for k, v in metrics.items()]
        parts.append(_table(["metric", "value"], cells))
    if row.get("error"):
        parts.append(f"<pre>{escape(row['error'][-2000:])}</pre>")
    return "".join(parts)


def _scoreboard_rows(summary: dict) -> list[dict]:
    return scoreboard_rows(
        [{"notebook": s, "metrics": r.get("metrics"), "title": r.get("title")}
         for s, r in summary["notebooks"].items()]
    )  # fmt: skip


def render_index(summary: dict, param_set: str, figure: Path | None) -> str:
    """The ``index.html`` page of a summary (:mod:`tslib.reports.summary`)."""
    notebooks = summary["notebooks"]
    latest = (summary.get("provenance") or {}).get("run_date")
    rows = []
    for stem, row in notebooks.items():
        links = " | ".join(
            f'<a href="{escape(name)}">{_LINK_LABELS.get(key, key)}</a>'
            for key, name in (row.get("links") or {}).items()
        )
        age = _age(row.get("run_date"), latest)
        seconds = row.get("seconds")
        rows.append(
            [
                f"<td><a href='#{escape(stem)}'>{escape(row.get('title') or stem)}</a></td>",
                f"<td class='{escape(str(row.get('status')))}'>{escape(str(row.get('status')))}</td>",
                f"<td class='{'older' if age != 'this run' else ''}'>"
                f"{escape(str(row.get('run_date')))}<br>{escape(age)}</td>",
                f"<td class=num>{seconds:.1f} s</td>" if seconds is not None else _td("?"),
                f"<td>{links}</td>",
            ]
        )
    overview = _table(["notebook", "status", "run date (UTC)", "run time", "links"], rows)
    sections = "".join(_notebook_html(stem, row) for stem, row in notebooks.items())
    scoreboard = _scoreboard_rows(summary)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>tslib reports: {escape(param_set)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>tslib reports &mdash; parameter set <code>{escape(param_set)}</code></h1>"
        f"<h2>Provenance</h2>{_provenance_html(summary.get('provenance'), notebooks)}"
        f"<h2>Scoreboard</h2>{_scoreboard_html(scoreboard, figure)}"
        f"<h2>Notebooks</h2>{overview}<h2>Answers and metrics</h2>{sections}</body></html>"
    )


def write_index(
    results: list[dict],
    out_dir: str | Path,
    param_set: str,
    provenance: dict | None = None,
    merge: bool = False,
) -> Path:
    """Write ``index.html``, ``metrics.json`` and the scoreboard figure of a report run.

    Parameters
    ----------
    results : list of dict
        One dict per notebook (see :func:`tslib.reports.execute_notebook`), with
        the keys of :func:`tslib.reports.provenance.notebook_provenance` when known.
    out_dir : str or Path
        The run's folder, ``reports/<set>``.
    param_set : str
        Name of the parameter set, shown in the title.
    provenance : dict, optional
        The run's provenance (:func:`tslib.reports.provenance.run_provenance`).
    merge : bool
        Keep the rows of ``metrics.json`` already in ``out_dir`` for notebooks
        not in ``results`` (``tslib report --only``), each with its own run date.

    Returns
    -------
    Path
        Path of the written ``index.html``.
    """
    out_dir = Path(out_dir)
    previous = None
    if merge and (out_dir / "metrics.json").is_file():
        previous = read_summary(out_dir)
    summary = merge_summary(previous, results, provenance)
    write_summary(summary, out_dir)
    rows = _scoreboard_rows(summary)
    figure_path = out_dir / SCOREBOARD_PNG
    figure = scoreboard_figure(rows, figure_path)
    if figure is None and figure_path.exists():
        figure_path.unlink()
    index_path = out_dir / "index.html"
    index_path.write_text(render_index(summary, param_set, figure), encoding="utf-8")
    return index_path
