"""Shared pieces of the notebook generator scripts (``scripts/make_0k_*.py``).

Each generator lists its cells as ``(kind, source, tags)`` and calls
:func:`build_notebook`; placeholders such as ``ANSWER_PLACEHOLDER`` are filled
from the prose files next to the script with :func:`read_texts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import nbformat

__all__ = ["build_notebook", "read_texts"]

KERNELSPEC = {"name": "tslib", "display_name": "tslib", "language": "python"}


def build_notebook(
    cells: Iterable[tuple[str, str, list[str] | None]],
    replacements: Mapping[str, str] | None = None,
) -> nbformat.NotebookNode:
    """An unexecuted notebook on the ``tslib`` kernel from ``(kind, source, tags)`` cells.

    ``replacements`` maps a placeholder to its text in every cell source.
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    for kind, source, tags in cells:
        for placeholder, text in (replacements or {}).items():
            source = source.replace(placeholder, text)
        cell = (
            nbformat.v4.new_markdown_cell(source)
            if kind == "markdown"
            else nbformat.v4.new_code_cell(source)
        )
        if tags:
            cell.metadata["tags"] = list(tags)
        notebook.cells.append(cell)
    return notebook


def read_texts(folder: Path, names: Iterable[str], default: str = "(to be written)") -> dict:
    """``name -> text`` of ``folder/<name>.md`` (stripped), ``default`` when missing."""
    texts = {}
    for name in names:
        path = Path(folder) / f"{name}.md"
        texts[name] = path.read_text().strip() if path.exists() else default
    return texts
