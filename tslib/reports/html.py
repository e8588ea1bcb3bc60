"""HTML pages of an executed notebook: a full view and a view without code.

:func:`write_html_views` writes, next to the executed ``<stem>.ipynb``:

- ``<stem>.html``, the full page (code, outputs, prose), and
- ``<stem>.nocode.html``, the same page without code cells' inputs or prompts.

Each page is titled with the notebook's own title (:func:`notebook_title`), opens
with a link to the other view and a table of contents built from the markdown
headings (linked to the anchors nbconvert gives them), and renders its math with
the report folder's local MathJax (:mod:`tslib.reports.assets`). No page loads
anything from the network (:mod:`tslib.reports.html_template`).
"""

from __future__ import annotations

import re
from pathlib import Path

from tslib.reports.assets import install_mathjax, mathjax_url
from tslib.reports.html_template import REPORT_TEMPLATE, REPORT_TEMPLATE_NAME

__all__ = [
    "NOCODE_SUFFIX",
    "TOC_LEVELS",
    "add_report_header",
    "export_html",
    "notebook_title",
    "write_html_views",
]

#: Suffix of the view without code: ``<stem>.nocode.html``.
NOCODE_SUFFIX = ".nocode.html"

#: Markdown heading levels listed in the table of contents.
TOC_LEVELS = (1, 2, 3)

_TITLE_LINE = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$")


def notebook_title(nb, fallback: str) -> str:
    """The notebook's title: its first level-1 markdown heading (``# Title``).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    fallback : str
        Returned when no markdown cell has a ``# `` heading (e.g. the file stem).

    Returns
    -------
    str
        The heading's text with inline-code backticks and emphasis stars removed.
    """
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        in_fence = False
        for line in cell.get("source", "").splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            match = None if in_fence else _TITLE_LINE.match(line)
            if match:
                title = match.group("title").replace("`", "").replace("**", "")
                return title.strip() or fallback
    return fallback


def export_html(nb, title: str, mathjax: str, exclude_input: bool = False) -> str:
    """Render a notebook with the report template; returns the page's HTML.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).
    title : str
        The page's ``<title>``.
    mathjax : str
        URL of the MathJax loader, relative to the page (:func:`~tslib.reports.assets.mathjax_url`).
    exclude_input : bool
        Leave out code cells' inputs and all prompts (the view without code).
    """
    import copy

    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[jinja2.DictLoader({REPORT_TEMPLATE_NAME: REPORT_TEMPLATE})],
        template_file=REPORT_TEMPLATE_NAME,
        mathjax_url=mathjax,
        exclude_input=exclude_input,
        exclude_input_prompt=exclude_input,
        exclude_output_prompt=exclude_input,
    )
    titled = copy.deepcopy(nb)
    titled.metadata["title"] = title  # the lab template's <title>
    body, _ = exporter.from_notebook_node(titled)
    return body


def add_report_header(page: str, views: list[tuple[str, str | None]]) -> str:
    """Fill the page's ``#tslib-report-header``: links between views and the contents.

    Parameters
    ----------
    page : str
        HTML from :func:`export_html`.
    views : list of (str, str or None)
        ``(label, href)`` per view, in order; ``href=None`` marks this page's own view.

    Returns
    -------
    str
        The page with the header filled. The contents list every markdown heading of
        :data:`TOC_LEVELS` that has an ``id``, nested by level.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, features="html.parser")
    header = soup.find(id="tslib-report-header")
    if header is None:
        return page
    links = soup.new_tag("p", attrs={"class": "tslib-views"})
    links.append("View: ")
    for position, (label, href) in enumerate(views):
        if position:
            links.append(" · ")
        item = soup.new_tag("strong") if href is None else soup.new_tag("a", href=href)
        item.string = label
        links.append(item)
    header.append(links)
    headings = [
        h
        for h in soup.select(".jp-MarkdownOutput :is(h1, h2, h3, h4, h5, h6)")
        if h.get("id") and int(h.name[1]) in TOC_LEVELS
    ]
    if headings:
        header.append(_contents(soup, headings))
    return str(soup)


def _contents(soup, headings) -> object:
    """``<nav>`` with nested lists of links to ``headings`` (bs4 tags with ``id``)."""
    nav = soup.new_tag("nav", attrs={"aria-label": "Contents"})
    details = soup.new_tag("details", open="")
    summary = soup.new_tag("summary")
    summary.string = "Contents"
    details.append(summary)
    nav.append(details)
    top = min(int(h.name[1]) for h in headings)
    stack = [(top - 1, details)]  # (level, element that receives the next <ul>/<li>)
    for heading in headings:
        level = int(heading.name[1])
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1]
        if parent.name != "ul":
            ul = parent.find("ul", recursive=False)
            if ul is None:
                ul = soup.new_tag("ul")
                parent.append(ul)
            parent = ul
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{heading['id']}")
        texts = [
            t
            for t in heading.find_all(string=True)
            if "anchor-link" not in (t.parent.get("class") or [])
        ]
        link.string = " ".join("".join(texts).split())
        item.append(link)
        parent.append(item)
        stack.append((level, item))
    return nav


def write_html_views(executed: str | Path, report_dir: str | Path | None = None) -> dict:
    """Write ``<stem>.html`` and ``<stem>.nocode.html`` next to an executed notebook.

    Parameters
    ----------
    executed : str or Path
        The executed notebook (``.ipynb``).
    report_dir : str or Path, optional
        Folder that receives the local MathJax copy (default: the notebook's folder).

    Returns
    -------
    dict
        ``html`` (full view), ``html_nocode`` (view without code), ``title``.
    """
    import nbformat

    executed = Path(executed)
    report_dir = Path(report_dir) if report_dir is not None else executed.parent
    install_mathjax(report_dir)
    nb = nbformat.read(str(executed), as_version=4)
    title = notebook_title(nb, executed.stem)
    mathjax = mathjax_url(executed.parent, report_dir)
    full = executed.with_suffix(".html")
    nocode = executed.with_name(executed.stem + NOCODE_SUFFIX)
    pages = {
        full: (False, [("with code", None), ("without code", nocode.name)]),
        nocode: (True, [("with code", full.name), ("without code", None)]),
    }
    for path, (exclude_input, views) in pages.items():
        page = export_html(nb, title, mathjax, exclude_input=exclude_input)
        path.write_text(add_report_header(page, views), encoding="utf-8")
    return {"html": str(full), "html_nocode": str(nocode), "title": title}
