"""Local MathJax for report pages, so that their math renders with no network.

The HTML pages of a report load MathJax 2.7 from ``<report>/_static/mathjax/``,
a copy of the static files that the ``jupyter-server-mathjax`` package ships
(the same copy Jupyter Server serves). :func:`install_mathjax` writes it once per
report folder; MathJax then loads its own configuration, extensions and fonts by
paths relative to ``MathJax.js``, so the folder works when opened from disk or
served from anywhere.

That package ships the HTML-CSS and SVG outputs with the STIX-Web fonts only (no
CommonHTML output, no TeX fonts), so the pages use the
:data:`MATHJAX_COMBINED_CONFIG` combined configuration and select STIX-Web (see
:mod:`tslib.reports.html_template`).
"""

from __future__ import annotations

import os
import shutil
import uuid
from importlib import resources
from pathlib import Path

from tslib.errors import StateError

__all__ = [
    "MATHJAX_COMBINED_CONFIG",
    "MATHJAX_DIR",
    "MATHJAX_PACKAGE",
    "install_mathjax",
    "mathjax_source",
    "mathjax_url",
]

#: Python package whose ``static/`` folder is MathJax 2.7 (entry file ``MathJax.js``).
MATHJAX_PACKAGE = "jupyter_server_mathjax"

#: Where the copy goes, relative to the report folder.
MATHJAX_DIR = Path("_static") / "mathjax"

#: MathJax combined configuration shipped by that package, plus the ``Safe`` extension
#: (no ``javascript:`` links or raw styles from notebook markdown).
MATHJAX_COMBINED_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"

_ENTRY = "MathJax.js"


def mathjax_source() -> Path:
    """The installed MathJax static folder (it holds ``MathJax.js``).

    Raises
    ------
    StateError
        ``jupyter-server-mathjax`` is not installed, or its folder lacks ``MathJax.js``.
    """
    try:
        folder = Path(str(resources.files(MATHJAX_PACKAGE) / "static"))
    except ModuleNotFoundError:
        raise StateError(
            f"report pages need MathJax from the package {MATHJAX_PACKAGE!r}: "
            "pip install jupyter-server-mathjax (a tslib dependency)"
        ) from None
    if not (folder / _ENTRY).is_file():
        raise StateError(f"{MATHJAX_PACKAGE} is installed but {folder / _ENTRY} is missing")
    return folder


def install_mathjax(report_dir: str | Path) -> Path:
    """Copy MathJax into ``report_dir / MATHJAX_DIR`` unless it is already there.

    Safe when several processes build pages of one report at the same time: each
    copies into a private temporary folder and renames it into place; the first
    rename wins and the others discard their copy.

    Parameters
    ----------
    report_dir : str or Path
        The report folder (it holds the HTML pages).

    Returns
    -------
    Path
        The copied entry file, ``report_dir / MATHJAX_DIR / "MathJax.js"``.
    """
    target = Path(report_dir) / MATHJAX_DIR
    entry = target / _ENTRY
    if entry.is_file():
        return entry
    source = mathjax_source()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".mathjax-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__"))
    try:
        os.rename(staging, target)
    except OSError:  # another process got there first, or a broken earlier copy is in the way
        shutil.rmtree(staging, ignore_errors=True)
        if not entry.is_file():  # broken copy (entry missing): replace it
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, dirs_exist_ok=True)
    return entry


def mathjax_url(page_dir: str | Path, report_dir: str | Path) -> str:
    """Relative URL of the local MathJax loader for a page written in ``page_dir``.

    Parameters
    ----------
    page_dir : str or Path
        Folder of the HTML page that loads MathJax.
    report_dir : str or Path
        Report folder that holds :data:`MATHJAX_DIR`.
    """
    entry = Path(report_dir).resolve() / MATHJAX_DIR / _ENTRY
    relative = Path(os.path.relpath(entry, Path(page_dir).resolve())).as_posix()
    return f"{relative}?config={MATHJAX_COMBINED_CONFIG}"
