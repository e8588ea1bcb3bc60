"""``tslib report``: every usage or configuration error exits 2 with one line, before running.

Exit status 1 means "a notebook failed"; a bad option, parameter file, notebook
folder or scheduler address is a different thing and must not look like it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tslib.cli import main
from tslib.errors import InputError
from tslib.reports import load_param_set, run_reports

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("SEED = 0")
    parameters.metadata["tags"] = ["parameters"]  # the set's SEED must be declared
    nb.cells = [parameters, nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, str(notebooks / "a.ipynb"))
    params = tmp_path / "params"
    params.mkdir()
    (params / "smoke.yaml").write_text("defaults:\n  SEED: 2\n")
    return tmp_path


def args(project: Path, *extra: str, params: str = "smoke") -> list[str]:
    return [
        "report",
        "--params", params,
        "--notebooks", str(project / "notebooks"),
        "--output", str(project / "out"),
        "--params-dir", str(project / "params"),
        "--no-progress",
        *extra,
    ]  # fmt: skip


def one_line_error(capsys, *needles: str) -> str:
    """The captured stderr: exactly one line, no traceback, holding every needle."""
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(("tslib report: error: ", "tslib: error: ")), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert captured.out == ""
    return err


def assert_nothing_ran(project: Path) -> None:
    assert not (project / "out").exists(), "no report folder or index for a usage error"


# -------------------------------------------------------------- parameter files
@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("defaults:\n  SEED: [1, 2\n", "line 3"),
        ("defaults:\n\tSEED: 1\n", "line 2"),
        ("notebooks:\n  a: {SCALE: 1\n", "line 3"),
        ('defaults:\n  NAME: "unclosed\n', "line 3"),
    ],
)
def test_yaml_syntax_error_exits_2_naming_file_and_line(project, capsys, text, line):
    (project / "params" / "broken.yaml").write_text(text)
    assert main(args(project, params="broken")) == 2
    one_line_error(capsys, "broken.yaml", line, "YAML syntax error")
    assert_nothing_ran(project)


def test_non_utf8_parameter_file_exits_2(project, capsys):
    (project / "params" / "latin.yaml").write_bytes("defaults:\n  CITY: Zürich\n".encode("latin-1"))
    assert main(args(project, params="latin")) == 2
    one_line_error(capsys, "latin.yaml", "not UTF-8")
    assert_nothing_ran(project)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("- 1\n- 2\n", "expected a mapping"),
        ("defaults: 3\n", "must be mappings"),
        ("notebooks:\n  a: 5\n", "'notebooks.a' must be a mapping"),
        ("defaults:\n  1bad: 2\n", "'1bad' is not a Python identifier"),
        ("notebooks:\n  a:\n    not valid: 1\n", "'not valid' is not a Python identifier"),
    ],
)
def test_badly_shaped_parameter_file_exits_2(project, capsys, text, needle):
    (project / "params" / "shape.yaml").write_text(text)
    assert main(args(project, params="shape")) == 2
    one_line_error(capsys, "shape.yaml", needle)


def test_yaml_error_from_the_console_is_one_line_and_exit_2(project):
    """The real process: no 59-line traceback, exit status 2 (1 means a notebook failed)."""
    (project / "params" / "broken.yaml").write_text("defaults:\n  SEED: [1, 2\n")
    code = "import sys; from tslib.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, *args(project, params="broken")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "line 3" in done.stderr, done.stderr


def test_library_callers_get_input_errors_for_bad_parameter_files(project):
    (project / "params" / "broken.yaml").write_text("defaults: [\n")
    with pytest.raises(InputError, match="YAML syntax error"):
        load_param_set("broken", project / "params")


# ---------------------------------------------------------------------- options
@pytest.mark.parametrize("value", ["-1", "0", "two", "1.5"])
def test_bad_worker_count_exits_2_without_hanging(project, capsys, value):
    start = time.perf_counter()
    assert main(args(project, "--workers", value)) == 2
    one_line_error(capsys, "--workers", "positive integer")
    assert time.perf_counter() - start < 5
    assert_nothing_ran(project)


@pytest.mark.parametrize("workers", [-1, 0, 1.5, True])
def test_run_reports_validates_workers(project, workers):
    with pytest.raises(InputError, match="workers must be a positive integer"):
        run_reports("smoke", project / "notebooks", project / "out", project / "params",
                    workers=workers, progress=False)  # fmt: skip


@pytest.mark.parametrize("value", ["0", "-3", "nan", "inf", "soon"])
def test_bad_connect_timeout_exits_2(project, capsys, value):
    assert main(args(project, "--connect-timeout", value)) == 2
    one_line_error(capsys, "--connect-timeout")


def test_unknown_option_exits_2_in_one_line(project, capsys):
    assert main([*args(project), "--wrokers", "2"]) == 2
    one_line_error(capsys, "--wrokers")


# --------------------------------------------------------------- notebook folder
def test_missing_notebook_folder_exits_2_and_writes_no_index(project, capsys):
    argv = args(project)
    argv[argv.index("--notebooks") + 1] = str(project / "nonexistent")
    assert main(argv) == 2
    one_line_error(capsys, "nonexistent", "does not exist")
    assert_nothing_ran(project)


def test_notebook_folder_that_is_a_file_exits_2(project, capsys):
    argv = args(project)
    argv[argv.index("--notebooks") + 1] = str(project / "notebooks" / "a.ipynb")
    assert main(argv) == 2
    one_line_error(capsys, "is not a folder")


def test_empty_notebook_folder_exits_2(project, capsys):
    (project / "notebooks" / "a.ipynb").unlink()
    assert main(args(project)) == 2
    one_line_error(capsys, "no notebooks")
    assert_nothing_ran(project)


def test_output_folder_that_cannot_be_created_exits_2(project, capsys):
    (project / "out").write_text("a file where the report folder should go")
    assert main(args(project)) == 2
    one_line_error(capsys, "cannot create the report folder")


# ---------------------------------------------------------------------- scheduler
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_scheduler_fails_fast_in_one_line(project, capsys):
    from tslib.reports.build import CONNECT_TIMEOUT_S

    assert CONNECT_TIMEOUT_S <= 10
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    start = time.perf_counter()
    assert main(args(project, "--scheduler", address, "--connect-timeout", "1")) == 2
    assert time.perf_counter() - start < 15
    one_line_error(capsys, "cannot connect to dask scheduler", address)


@pytest.mark.parametrize("address", ["nonsense", "foo://host:1"])
def test_malformed_scheduler_address_exits_2(project, capsys, address):
    assert main(args(project, "--scheduler", address)) == 2
    one_line_error(capsys, "cannot connect to dask scheduler", address)
