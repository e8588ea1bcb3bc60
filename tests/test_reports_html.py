"""Report pages: offline math, titles, contents, a view without code, a quiet kernel."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

from tslib.errors import StateError
from tslib.reports import assets
from tslib.reports.assets import MATHJAX_DIR, install_mathjax, mathjax_url
from tslib.reports.build import execute_notebook
from tslib.reports.html import NOCODE_SUFFIX, notebook_title, write_html_views

TITLE = "Tiny model: $h_t$ one step at a time"
TCP_WARNING = "without encryption"
SHUTDOWN_NOISE = "KeyboardInterrupt caught in kernel"


def _notebook(path: Path, title: str | None = TITLE) -> Path:
    nb = nbformat.v4.new_notebook()
    first = f"# {title}\n\n" if title else ""
    params = nbformat.v4.new_code_cell("SCALE = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            first + "The state is $h_t = \\mathrm{LSTM}(x_t, h_{t-1})$.\n\n"
            "```python\n# not a heading\n```\n\n## Data"
        ),
        params,
        nbformat.v4.new_code_cell(
            "import warnings\nwarnings.warn('a real warning from the notebook')\nprint(SCALE * 7)"
        ),
        nbformat.v4.new_markdown_cell("## Results\n\n### Table\n\n$$a^2 + b^2 = c^2$$"),
    ]
    nb.metadata["kernelspec"] = {"name": "tslib", "display_name": "tslib", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _capture_stderr(run):
    """Run ``run()`` with file descriptor 2 and the root logger captured; returns (value, text).

    Kernels inherit descriptor 2, so their log lines are caught too.
    """
    records: list[str] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = lambda record: records.append(record.getMessage())
    root = logging.getLogger()
    root.addHandler(handler)
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            value = run()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            root.removeHandler(handler)
        sink.seek(0)
        text = sink.read().decode("utf-8", "replace")
    return value, text + "\n".join(records)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """One notebook run through execute_notebook, with its stderr and log lines."""
    folder = tmp_path_factory.mktemp("report_html")
    source = _notebook(folder / "tiny.ipynb")
    out = folder / "report"
    result, stderr = _capture_stderr(lambda: execute_notebook(str(source), str(out), {"SCALE": 3}))
    return result, stderr, out


def test_execute_notebook_writes_both_views_with_the_notebook_title(executed):
    result, _, out = executed
    assert result["status"] == "ok", result["error"]
    assert result["html"] == str(out / "tiny.html")
    assert result["html_nocode"] == str(out / f"tiny{NOCODE_SUFFIX}")
    assert result["title"] == TITLE
    for key in ("html", "html_nocode"):
        soup = BeautifulSoup(Path(result[key]).read_text(), "html.parser")
        assert soup.title.string == TITLE


def test_kernel_runs_without_the_tcp_warning_and_real_warnings_stay(executed):
    result, stderr, _ = executed
    assert TCP_WARNING not in stderr
    assert SHUTDOWN_NOISE not in stderr
    nb = nbformat.read(result["ipynb"], as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    texts = [o.get("text", "") for o in outputs if o.output_type == "stream"]
    assert not any(TCP_WARNING in t for t in texts)
    assert any(o.name == "stderr" and "a real warning from the notebook" in o.text for o in outputs)
    assert any("21" in t for t in texts)  # the parameter reached the kernel: 3 * 7
    page = Path(result["html"]).read_text()
    assert "a real warning from the notebook" in page and TCP_WARNING not in page


def test_stderr_capture_sees_a_plain_tcp_kernel(tmp_path):
    """Control for the test above: a default (TCP) kernel's start-up lines are caught."""
    import papermill

    source = _notebook(tmp_path / "plain.ipynb")
    _, stderr = _capture_stderr(
        lambda: papermill.execute_notebook(
            str(source), str(tmp_path / "out.ipynb"), kernel_name="tslib", progress_bar=False
        )
    )
    if TCP_WARNING not in stderr:
        pytest.skip("this ipykernel does not warn about TCP kernels")
    assert "[IPKernelApp] WARNING" in stderr


def _external(url: str) -> bool:
    return bool(urlsplit(url).scheme in ("http", "https") or url.startswith("//"))


def _sources(soup) -> list[str]:
    tags = soup.select("script[src], link[href], img[src], iframe[src], source[src]")
    return [t.get("src") or t.get("href") for t in tags]


def test_pages_load_nothing_from_the_network_and_their_assets_exist(executed):
    result, _, out = executed
    for key in ("html", "html_nocode"):
        page = Path(result[key])
        text = page.read_text()
        soup = BeautifulSoup(text, "html.parser")
        sources = _sources(soup)
        assert sources, "the page loads MathJax by <script src>"
        assert [s for s in sources if _external(s)] == []
        assert not re.search(r"""import\(\s*["']https?:""", text)  # module imports (mermaid)
        assert not re.search(r"cdnjs|unpkg|jsdelivr", text)
        for src in sources:
            split = urlsplit(src)
            assert (page.parent / split.path).is_file(), src
            if split.path.endswith("MathJax.js"):  # its combined configs exist too
                config = dict(p.split("=", 1) for p in split.query.split("&"))["config"]
                for name in config.split(","):
                    assert (
                        (page.parent / split.path).parent.joinpath("config", f"{name}.js").is_file()
                    )
    mathjax = out / MATHJAX_DIR
    assert (mathjax / "jax" / "input" / "TeX" / "config.js").is_file()
    assert (mathjax / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()


def test_mathjax_is_configured_for_dollar_math_and_its_shipped_fonts(executed):
    result, _, _ = executed
    soup = BeautifulSoup(Path(result["html"]).read_text(), "html.parser")
    config = soup.find("script", attrs={"type": "text/x-mathjax-config"}).string
    assert re.search(r'inlineMath:\s*\[\["\$", "\$"\]', config)
    assert re.search(r'displayMath:\s*\[\["\$\$", "\$\$"\]', config)
    assert 'webFont: "STIX-Web"' in config
    assert soup.find("script", src=re.compile(r"MathJax\.js")) is not None
    assert str(soup).index("text/x-mathjax-config") < str(soup).index("MathJax.js?")  # before
    body = soup.find("main").get_text()
    assert "$h_t = \\mathrm{LSTM}(x_t, h_{t-1})$" in body  # left for MathJax to typeset


def test_contents_link_every_heading_and_views_link_each_other(executed):
    result, _, _ = executed
    full, nocode = Path(result["html"]), Path(result["html_nocode"])
    for page, other in ((full, nocode), (nocode, full)):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        header = soup.find(id="tslib-report-header")
        assert header.find("a", href=other.name) is not None
        targets = [a["href"][1:] for a in header.select("nav a")]
        labels = [a.get_text() for a in header.select("nav a")]
        assert labels == [TITLE, "Data", "Results", "Table"]
        for target in targets:
            assert soup.find(id=target) is not None, target
        assert header.select("nav ul ul ul li a")[0].get_text() == "Table"  # nested by level


def test_view_without_code_has_outputs_and_prose_but_no_code(executed):
    result, _, _ = executed
    full = BeautifulSoup(Path(result["html"]).read_text(), "html.parser")
    nocode = BeautifulSoup(Path(result["html_nocode"]).read_text(), "html.parser")
    assert full.select(".jp-CodeCell .jp-InputArea-editor")
    assert nocode.select(".jp-CodeCell .jp-InputArea-editor") == []
    prompts = nocode.select(".jp-InputPrompt, .jp-OutputPrompt")
    assert [p.get_text(strip=True) for p in prompts if p.get_text(strip=True)] == []
    text = nocode.get_text()
    assert "21" in text and "The state is" in text and "SCALE = 1" not in text


def test_notebook_title_takes_the_first_level_one_heading():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("# a comment, not a title"),
        nbformat.v4.new_markdown_cell("Intro.\n\n```\n# fenced, not a title\n```\n## Sub"),
        nbformat.v4.new_markdown_cell("# The `real` **title** #\n\n# Second"),
    ]
    assert notebook_title(nb, "stem") == "The real title"
    nb.cells = nb.cells[:2]
    assert notebook_title(nb, "stem") == "stem"


def test_unexecuted_notebook_pages_fall_back_to_the_file_stem(tmp_path):
    views = write_html_views(_notebook(tmp_path / "02_no_title.ipynb", title=None))
    assert views["title"] == "02_no_title"
    soup = BeautifulSoup(Path(views["html"]).read_text(), "html.parser")
    assert soup.title.string == "02_no_title"
    assert [a.get_text() for a in soup.select("#tslib-report-header nav a")] == [
        "Data",
        "Results",
        "Table",
    ]


def test_mathjax_is_copied_once_per_report_folder(tmp_path):
    entry = install_mathjax(tmp_path)
    assert entry == tmp_path / MATHJAX_DIR / "MathJax.js" and entry.is_file()
    marker = entry.parent / "copied-once"
    marker.write_text("x")
    assert install_mathjax(tmp_path) == entry and marker.exists()  # not copied again
    assert not list((tmp_path / MATHJAX_DIR).parent.glob(".mathjax-*"))  # no staging left
    assert mathjax_url(tmp_path, tmp_path).startswith("_static/mathjax/MathJax.js?config=")
    assert mathjax_url(tmp_path / "sub", tmp_path).startswith("../_static/mathjax/MathJax.js")


def test_missing_mathjax_package_is_a_state_error(monkeypatch):
    monkeypatch.setattr(assets, "MATHJAX_PACKAGE", "no_such_mathjax_package")
    with pytest.raises(StateError, match="jupyter-server-mathjax"):
        assets.mathjax_source()


def test_report_kernels_use_private_absolute_ipc_sockets():
    from tslib.reports.report_kernel import IPC_PATH_LIMIT, ReportKernelManager

    first, second = ReportKernelManager(), ReportKernelManager()
    assert first.transport == "ipc" and os.path.isabs(first.ip)
    assert first.ip != second.ip  # two notebooks of one folder never share sockets
    assert len(first.ip) <= IPC_PATH_LIMIT
    assert ReportKernelManager(transport="tcp").ip in ("127.0.0.1", "localhost", "::1")
