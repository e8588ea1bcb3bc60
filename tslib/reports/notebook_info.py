"""A notebook's title and its one-paragraph answer, as shown in the report index.

Conventions (every domain notebook follows them):

* **Title**: the text of the first level-1 markdown heading (a line ``# Title``)
  in the notebook's markdown cells, with inline-code backticks and ``**`` removed
  (as the report pages title themselves, :func:`tslib.reports.html.notebook_title`).
  Without one, the file stem is used.
* **Answer**: the markdown cell tagged ``answer`` (cell metadata
  ``{"tags": ["answer"]}``), all of its text with a leading heading line
  (``## Answer``) removed. It is one paragraph that answers the notebook's
  question with the measured numbers. Without a tagged cell, the first paragraph
  after the title (in the title's cell or the next markdown cell) is used, and
  an empty string when there is none.

Markdown is returned as plain text; the index escapes it for HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tslib.errors import InputError

__all__ = ["ANSWER_TAG", "notebook_answer", "notebook_info", "notebook_title"]

#: Cell tag of the markdown cell that holds the notebook's one-paragraph answer.
ANSWER_TAG = "answer"

_TITLE = re.compile(r"^#\s+(?P<title>\S.*?)\s*#*\s*$")
_HEADING = re.compile(r"^#{1,6}\s")


def _markdown_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "markdown"]


def notebook_title(notebook, default: str = "") -> str:
    """The first ``# `` heading of a notebook node, or ``default``."""
    for cell in _markdown_cells(notebook):
        for line in cell.source.splitlines():
            match = _TITLE.match(line.strip())
            if match:
                title = match.group("title").replace("`", "").replace("**", "").strip()
                return title or default
    return default


def _paragraphs(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(line.strip() for line in block.splitlines()).strip() for block in blocks]


def notebook_answer(notebook) -> str:
    """The tagged ``answer`` cell's text, else the first paragraph after the title."""
    cells = _markdown_cells(notebook)
    for cell in cells:
        if ANSWER_TAG in cell.get("metadata", {}).get("tags", []):
            lines = cell.source.strip().splitlines()
            if lines and _HEADING.match(lines[0]):
                lines = lines[1:]
            return " ".join(p for p in _paragraphs("\n".join(lines)) if p)
    for position, cell in enumerate(cells):
        lines = cell.source.splitlines()
        heading = next((i for i, line in enumerate(lines) if _TITLE.match(line.strip())), None)
        if heading is None:
            continue
        rest = "\n".join(lines[heading + 1 :])
        candidates = _paragraphs(rest) + [
            p for later in cells[position + 1 : position + 2] for p in _paragraphs(later.source)
        ]
        for paragraph in candidates:
            if paragraph and not _HEADING.match(paragraph):
                return paragraph
        return ""
    return ""


def notebook_info(path: str | Path) -> dict:
    """Title and answer of the notebook file at ``path``.

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file (source or executed).

    Returns
    -------
    dict
        ``{"title": str, "answer": str}``.

    Raises
    ------
    InputError
        If the file cannot be read as a notebook.
    """
    path = Path(path)
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read notebook {path}: {error}") from None
    return {"title": notebook_title(notebook, path.stem), "answer": notebook_answer(notebook)}
