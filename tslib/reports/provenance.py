"""Provenance of a report run: when, from which commit, on what machine, with which inputs.

:func:`run_provenance` describes the whole run (top-level ``provenance`` of
``metrics.json``); :func:`notebook_provenance` adds to each notebook's row its
run date, effective parameters and dataset. Both are plain JSON values, so two
report folders can be diffed (:mod:`tslib.reports.compare`).
"""

from __future__ import annotations

import ast
import datetime as dt
import platform
import subprocess
from pathlib import Path

__all__ = [
    "cpu_model",
    "dataset_entry",
    "effective_parameters",
    "git_state",
    "host_info",
    "notebook_provenance",
    "now_utc",
    "run_provenance",
]


def now_utc() -> str:
    """The current time, UTC, ISO 8601 to the second (``2026-12-01T16:30:00Z``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_state(folder: str | Path = ".") -> dict:
    """``{"commit", "dirty"}`` of the git checkout holding ``folder``; None values without git.

    ``dirty`` is True when tracked files differ from the commit (untracked files
    are ignored: report folders and caches are usually untracked).
    """

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=20
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def cpu_model() -> str:
    """The CPU model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def host_info() -> dict:
    """Host name, CPU model and usable cores of this process (also run on each dask worker)."""
    from tslib.reports.build import available_cores

    return {"host": platform.node(), "cpu_model": cpu_model(), "cores": available_cores()}


def _versions() -> dict:
    import torch

    import tslib

    return {
        "tslib": getattr(tslib, "__version__", "unknown"),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def run_provenance(
    param_set: dict,
    project_folder: str | Path,
    started: str,
    wall_seconds: float,
    threads: int | None,
    workers: list[dict],
) -> dict:
    """The run-wide provenance record.

    Parameters
    ----------
    param_set : dict
        The loaded parameter set (:func:`tslib.reports.load_param_set`).
    project_folder : str or Path
        A folder inside the git checkout (the notebook folder).
    started : str
        Run date (:func:`now_utc` at the start).
    wall_seconds : float
        Total wall time of the run.
    threads : int or None
        Torch threads given to each notebook.
    workers : list of dict
        :func:`host_info` of each dask worker.
    """
    return {
        "run_date": started,
        "git": git_state(project_folder),
        "versions": _versions(),
        "host": host_info(),
        "workers": workers,
        "threads_per_notebook": threads,
        "parameter_set": {
            "name": param_set["name"],
            "path": param_set.get("path"),
            "defaults": param_set["defaults"],
            "notebooks": param_set["notebooks"],
        },
        "wall_seconds": wall_seconds,
    }


def _literal(source: str):
    """A declared default as a value where it is a Python literal, else its source text."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return source


def effective_parameters(declared: dict[str, str], sent: dict) -> dict:
    """Every declared parameter with the value it ran with (the set's value or the default)."""
    values = {name: _literal(source) for name, source in declared.items()}
    values.update(sent)
    return values


def dataset_entry(metrics: dict, parameters: dict) -> dict | None:
    """The dataset a notebook used: registry name, kind, path and licence.

    The name comes from the recorded ``dataset`` metric, else the ``DATASET``
    parameter; the path from ``DATA_PATH``. Kind, source and licence come from the
    dataset registry (:func:`tslib.datasets.info`), unless the notebook recorded
    ``licence`` itself. None when the notebook names no dataset.
    """
    name = metrics.get("dataset", parameters.get("DATASET"))
    if not isinstance(name, str) or not name:
        return None
    entry = {"name": name, "path": parameters.get("DATA_PATH"), "kind": None, "licence": None}
    try:
        from tslib.datasets import info

        meta = info(name)
        entry.update(kind=meta.kind, licence=meta.licence, source=meta.source)
    except Exception:  # noqa: BLE001 - an unregistered name is shown as recorded
        pass
    if isinstance(metrics.get("licence"), str):
        entry["licence"] = metrics["licence"]
    return entry


def notebook_provenance(
    result: dict, declared: dict[str, str], sent: dict, run_date: str, git: dict
) -> dict:
    """The provenance keys added to one notebook's result row.

    Parameters
    ----------
    result : dict
        The row from :func:`tslib.reports.execute_notebook`.
    declared : dict
        The notebook's declared parameters (:func:`tslib.reports.params.declared_parameters`).
    sent : dict
        The parameters the set sent to it (:func:`tslib.reports.params_for`).
    run_date : str
        Start of the run (:func:`now_utc`).
    git : dict
        :func:`git_state` of the run.

    Returns
    -------
    dict
        ``run_date, commit, dirty, parameters`` (effective), ``overrides`` (names
        the set sent), ``dataset`` (:func:`dataset_entry`) and the notebook's
        ``title`` and ``answer`` (:func:`tslib.reports.notebook_info.notebook_info`).
    """
    from tslib.reports.notebook_info import notebook_info

    parameters = effective_parameters(declared, sent)
    source = result.get("ipynb") or result.get("source")
    try:
        info = notebook_info(source) if source else {}
    except Exception:  # noqa: BLE001 - a broken output notebook is already a failed row
        info = {}
    return {
        "run_date": run_date,
        "commit": git.get("commit"),
        "dirty": git.get("dirty"),
        "parameters": parameters,
        "overrides": sorted(sent),
        "dataset": dataset_entry(result.get("metrics") or {}, parameters),
        "title": result.get("title") or info.get("title") or result["notebook"],
        "answer": info.get("answer", ""),
    }
