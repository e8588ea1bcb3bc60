"""``metrics.json`` of a report folder: provenance plus one entry per notebook.

Layout::

    {
      "provenance": {...},                 # the latest run (tslib.reports.provenance)
      "runs": {"<run_date>": {...}, ...},  # provenance of every run a row comes from
      "notebooks": {"<stem>": {"status", "seconds", "metrics", "error", "run_date",
                               "commit", "dirty", "title", "answer", "parameters",
                               "overrides", "dataset", "threads", "links"}, ...}
    }

``tslib report --only NAME`` merges its rows into the existing file: the other
notebooks keep their rows, each with the ``run_date`` (and the run provenance
under ``runs``) of the run that produced it. Files written before this layout
(notebook stems at the top level) are read as rows without provenance.
"""

from __future__ import annotations

import json
from pathlib import Path

from tslib.errors import InputError

__all__ = [
    "LINK_KEYS",
    "ROW_KEYS",
    "SUMMARY_FILE",
    "merge_summary",
    "read_summary",
    "summary_row",
    "write_summary",
]

#: File name of the summary in a report folder.
SUMMARY_FILE = "metrics.json"

#: Keys of a result dict kept in a notebook's row.
ROW_KEYS = (
    "status",
    "seconds",
    "metrics",
    "error",
    "run_date",
    "commit",
    "dirty",
    "title",
    "answer",
    "parameters",
    "overrides",
    "dataset",
    "threads",
)

#: Result keys holding output files, linked from the index (by file name).
LINK_KEYS = ("html", "html_nocode", "ipynb")


def summary_row(result: dict) -> dict:
    """The ``metrics.json`` row of one result dict (output files by file name)."""
    row = {key: result.get(key) for key in ROW_KEYS}
    row["metrics"] = row["metrics"] or {}
    row["links"] = {key: Path(result[key]).name for key in LINK_KEYS if result.get(key)}
    return row


def read_summary(folder_or_file: str | Path) -> dict:
    """Read a report's ``metrics.json`` (a report folder or the file itself).

    Returns
    -------
    dict
        ``{"provenance": dict or None, "runs": dict, "notebooks": dict}``.

    Raises
    ------
    InputError
        If the file is missing or is not a JSON object.
    """
    path = Path(folder_or_file)
    if path.is_dir():
        path = path / SUMMARY_FILE
    if not path.is_file():
        raise InputError(f"no report summary at {path} (run `tslib report` first)")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise InputError(f"{path}: not a readable JSON report summary ({error})") from None
    if not isinstance(content, dict):
        raise InputError(f"{path}: expected a JSON object")
    if "notebooks" not in content:  # the layout before provenance: stems at the top level
        return {"provenance": None, "runs": {}, "notebooks": content}
    return {
        "provenance": content.get("provenance"),
        "runs": content.get("runs") or {},
        "notebooks": content["notebooks"],
    }


def merge_summary(previous: dict | None, results: list[dict], provenance: dict | None) -> dict:
    """This run's rows over ``previous`` (None: no merge), with the runs they come from.

    Parameters
    ----------
    previous : dict or None
        :func:`read_summary` of the folder before this run, when merging.
    results : list of dict
        This run's result dicts.
    provenance : dict or None
        This run's provenance (:func:`tslib.reports.provenance.run_provenance`).

    Returns
    -------
    dict
        The new summary (see the module docstring).
    """
    notebooks = dict(previous["notebooks"]) if previous else {}
    runs = dict(previous["runs"]) if previous else {}
    run_date = (provenance or {}).get("run_date")
    for result in results:
        row = summary_row(result)
        row["run_date"] = row["run_date"] or run_date
        notebooks[result["notebook"]] = row
    if provenance is not None:
        runs[run_date] = provenance
    used = {row.get("run_date") for row in notebooks.values()}
    runs = {date: entry for date, entry in runs.items() if date in used}
    return {"provenance": provenance, "runs": runs, "notebooks": dict(sorted(notebooks.items()))}


def write_summary(summary: dict, out_dir: str | Path) -> Path:
    """Write ``summary`` as ``out_dir/metrics.json`` (sorted keys, values JSON-safe)."""
    path = Path(out_dir) / SUMMARY_FILE
    path.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str))
    return path
