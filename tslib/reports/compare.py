"""Compare two report runs: metric changes, missing notebooks and metrics, both commits.

``tslib report --compare OLD_DIR`` calls :func:`compare_reports` on the
``metrics.json`` of ``OLD_DIR`` and of the current report folder, and prints
:func:`format_comparison`. Nothing is executed.
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path

from tslib.reports.metrics import format_value
from tslib.reports.summary import read_summary

__all__ = ["compare_reports", "format_comparison"]


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _metric_row(notebook: str, name: str, old, new) -> dict:
    row = {"notebook": notebook, "metric": name, "old": old, "new": new}
    row.update(change=None, relative=None, flag="")
    if old is None or new is None:
        row["flag"] = "missing in old" if old is None else "missing in new"
        return row
    a, b = _number(old), _number(new)
    if a is not None and b is not None:
        row["change"] = b - a
        row["relative"] = (b - a) / abs(a) if a != 0 else (0.0 if b == a else math.inf)
        row["flag"] = "" if b == a else "changed"
    else:
        row["flag"] = "" if old == new else "changed"
    return row


def _run(summary: dict, folder: Path) -> dict:
    provenance = summary.get("provenance") or {}
    git = provenance.get("git") or {}
    return {
        "folder": str(folder),
        "run_date": provenance.get("run_date"),
        "commit": git.get("commit"),
        "dirty": git.get("dirty"),
        "parameter_set": (provenance.get("parameter_set") or {}).get("name"),
    }


def compare_reports(old_dir: str | Path, new_dir: str | Path) -> dict:
    """Compare the ``metrics.json`` of two report folders.

    Parameters
    ----------
    old_dir, new_dir : str or Path
        Report folders (or their ``metrics.json`` files).

    Returns
    -------
    dict
        ``old`` and ``new`` (folder, run date, commit, dirty flag, parameter set),
        ``missing_notebooks`` (``{"old": [...], "new": [...]}``: notebooks absent
        from that run), ``rows`` (per notebook and metric: ``old, new, change``
        (new - old), ``relative`` (change / abs(old)), ``flag``), ``parameters``
        (per notebook and parameter whose value differs: ``old, new``) and
        ``commits`` (per notebook whose row comes from another commit).

    Raises
    ------
    InputError
        If either folder has no readable ``metrics.json``.
    """
    old, new = read_summary(old_dir), read_summary(new_dir)
    old_rows, new_rows = old["notebooks"], new["notebooks"]
    rows, parameters, commits = [], [], []
    for notebook in sorted(set(old_rows) & set(new_rows)):
        before = old_rows[notebook].get("metrics") or {}
        after = new_rows[notebook].get("metrics") or {}
        names = list(before) + [name for name in after if name not in before]
        rows += [_metric_row(notebook, n, before.get(n), after.get(n)) for n in names]
        old_params = old_rows[notebook].get("parameters") or {}
        new_params = new_rows[notebook].get("parameters") or {}
        for name in sorted(set(old_params) | set(new_params)):
            if old_params.get(name) != new_params.get(name):
                parameters.append(
                    {"notebook": notebook, "parameter": name}
                    | {"old": old_params.get(name), "new": new_params.get(name)}
                )
        pair = (old_rows[notebook].get("commit"), new_rows[notebook].get("commit"))
        commits.append({"notebook": notebook, "old": pair[0], "new": pair[1]})
    return {
        "old": _run(old, Path(old_dir)),
        "new": _run(new, Path(new_dir)),
        "missing_notebooks": {
            "old": sorted(set(new_rows) - set(old_rows)),
            "new": sorted(set(old_rows) - set(new_rows)),
        },
        "rows": rows,
        "parameters": parameters,
        "commits": commits,
    }


def _cell(value) -> str:
    return "-" if value is None else format_value(value)


def _relative(value: float | None) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:+.2%}"


def _commit(run: dict) -> str:
    commit = (run["commit"] or "unknown")[:12]
    dirty = {True: " (dirty)", False: ""}.get(run["dirty"], "")
    return f"{commit}{dirty}, run {run['run_date'] or 'unknown'}"


def format_comparison(comparison: dict, changed_only: bool = False) -> str:
    """A plain-text report of :func:`compare_reports`, one table of metric changes.

    Parameters
    ----------
    comparison : dict
        What :func:`compare_reports` returned.
    changed_only : bool
        Leave out metrics whose value is the same in both runs.
    """
    old, new = comparison["old"], comparison["new"]
    lines = [f"old: {old['folder']}  commit {_commit(old)}"]
    lines.append(f"new: {new['folder']}  commit {_commit(new)}")
    for side in ("old", "new"):
        missing = comparison["missing_notebooks"][side]
        if missing:
            lines.append(f"notebooks missing in {side}: {', '.join(missing)}")
    for entry in comparison["commits"]:
        if entry["old"] != entry["new"]:
            lines.append(
                f"{entry['notebook']}: commit {(entry['old'] or 'unknown')[:12]} -> "
                f"{(entry['new'] or 'unknown')[:12]}"
            )
    for entry in comparison["parameters"]:
        lines.append(
            f"{entry['notebook']}: parameter {entry['parameter']} "
            f"{_cell(entry['old'])} -> {_cell(entry['new'])}"
        )
    header = ("notebook", "metric", "old", "new", "change", "relative", "flag")
    table = [header] + [
        (r["notebook"], r["metric"], _cell(r["old"]), _cell(r["new"]), _cell(r["change"]),
         _relative(r["relative"]), r["flag"])
        for r in comparison["rows"]
        if r["flag"] or not changed_only
    ]  # fmt: skip
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    lines.append("")
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in table]  # fmt: skip
    return "\n".join(lines)
