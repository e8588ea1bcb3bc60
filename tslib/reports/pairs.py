"""Jupytext pairs: each notebook's source is ``NN_name.py``, its executed twin ``NN_name.ipynb``.

The percent script is what people review, and what ruff lints and formats; the
``.ipynb`` holds the outputs that nbval checks and reports show. Two verbs:

* :func:`pair_differences` lists the cells where a pair disagrees (code, markdown or
  tags); ``make test`` fails on any;
* :func:`execute_pair` writes the script's cells into the ``.ipynb`` and executes it
  in place with papermill on the ``tslib`` kernel (``python -m tslib.reports.pairs
  notebooks/03_traffic.py``), so the committed pair is in sync and executed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jupytext
import nbformat

from tslib.errors import InputError

__all__ = ["PAIR_METADATA", "pair_differences", "execute_pair", "code_lines", "main"]

#: Jupytext settings carried in every executed ``.ipynb``. ``notebooks/jupytext.toml`` holds
#: the same; the copy in the notebook is what JupyterLab's jupytext contents manager reads
#: when it checks that a pair agrees (without it, it expects a YAML header in the script
#: and refuses to open a pair whose ``.ipynb`` is newer).
PAIR_METADATA = {"cell_metadata_filter": "tags,-all", "notebook_metadata_filter": "-all"}


def _cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (cell.cell_type, cell.source.rstrip(), tuple(cell.metadata.get("tags", ())))
        for cell in notebook.cells
    ]


def _paths(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    script, executed = path.with_suffix(".py"), path.with_suffix(".ipynb")
    if not script.is_file():
        raise InputError(f"notebook pair: no percent script {script}")
    return script, executed


def pair_differences(path: str | Path) -> list[str]:
    """Where ``NN_name.py`` and ``NN_name.ipynb`` disagree; empty when in sync.

    Parameters
    ----------
    path : str or Path
        Either file of the pair.

    Returns
    -------
    list of str
        One line per differing cell (kind, source or tags), or about the cell count.
    """
    script, executed = _paths(path)
    if not executed.is_file():
        return [f"{script.name} has no executed {executed.name}"]
    want = _cells(jupytext.read(script))
    notebook = nbformat.read(executed, as_version=4)
    have = _cells(notebook)
    problems = [
        f"cell {number}: {executed.name} differs from {script.name}"
        for number, (left, right) in enumerate(zip(want, have))
        if left != right
    ]
    if len(want) != len(have):
        problems.append(f"{script.name} has {len(want)} cells, {executed.name} {len(have)}")
    settings = notebook.metadata.get("jupytext", {})
    if any(settings.get(key) != value for key, value in PAIR_METADATA.items()):
        problems.append(f"{executed.name} lacks the jupytext settings {PAIR_METADATA}")
    return problems


def code_lines(path: str | Path) -> int:
    """Lines in the code cells of a notebook's percent script (blank and comment lines too).

    The measure behind "a domain notebook holds at most 350 lines of code".
    """
    script, _ = _paths(path)
    notebook = jupytext.read(script)
    return sum(len(cell.source.splitlines()) for cell in notebook.cells if cell.cell_type == "code")


def _clean(notebook: nbformat.NotebookNode) -> None:
    """Drop papermill's per-cell timings and empty tag lists (they are not source)."""
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]


def execute_pair(path: str | Path, parameters: dict | None = None, kernel: str = "tslib") -> Path:
    """Sync the ``.ipynb`` from the script and execute it in place.

    Parameters
    ----------
    path : str or Path
        Either file of the pair; the ``.py`` is the source.
    parameters : dict, optional
        Papermill parameters (default: the notebook's own defaults).
    kernel : str
        Jupyter kernel name.

    Returns
    -------
    Path
        The executed ``.ipynb``.
    """
    import papermill

    from tslib.reports.kernel import ensure_kernel

    script, executed = _paths(path)
    notebook = jupytext.read(script)
    if executed.is_file():
        notebook.metadata = nbformat.read(executed, as_version=4).metadata
    notebook.metadata["jupytext"] = dict(PAIR_METADATA)
    notebook.metadata["kernelspec"] = {
        "display_name": f"Python ({kernel})",
        "language": "python",
        "name": ensure_kernel(kernel),
    }
    nbformat.write(notebook, executed)
    papermill.execute_notebook(
        str(executed),
        str(executed),
        parameters=parameters or {},
        kernel_name=kernel,
        cwd=str(executed.parent),
        progress_bar=False,
    )
    result = nbformat.read(executed, as_version=4)
    _clean(result)
    nbformat.write(result, executed)
    return executed


def main(argv: list[str] | None = None) -> int:
    """``python -m tslib.reports.pairs [--check] NOTEBOOK.py ...``."""
    parser = argparse.ArgumentParser(prog="python -m tslib.reports.pairs", description=__doc__)
    parser.add_argument("paths", nargs="+", help="notebooks/NN_name.py (or .ipynb)")
    parser.add_argument("--check", action="store_true", help="only list out-of-sync cells")
    args = parser.parse_args(argv)
    status = 0
    for path in args.paths:
        if args.check:
            for line in pair_differences(path):
                print(f"{path}: {line}")
                status = 1
        else:
            print(f"executed {execute_pair(path)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
