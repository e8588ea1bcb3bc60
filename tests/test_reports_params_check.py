"""Parameter sets are checked against each notebook's declared parameters before anything runs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tslib.cli import main
from tslib.errors import InputError
from tslib.reports import load_param_set
from tslib.reports.build import find_notebooks
from tslib.reports.params import check_param_set, declared_parameters

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, parameters: str) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("raise RuntimeError('must not run')")]
    nbformat.write(nb, str(path))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "00_basics.ipynb", "SEED = 0  # seed\nMAX_T = 1024  # longest history")
    _notebook(notebooks / "01_finance.ipynb", "SEED = 0\nEPOCHS = 10\nDATA_PATH = None")
    (tmp_path / "params").mkdir()
    return tmp_path


def _check(project: Path, text: str) -> dict:
    (project / "params" / "s.yaml").write_text(text)
    settings = load_param_set("s", project / "params")
    return check_param_set(settings, find_notebooks(project / "notebooks"))


def test_declared_parameters_read_the_parameters_cell(project: Path):
    declared = declared_parameters(project / "notebooks" / "00_basics.ipynb")
    assert declared == {"SEED": "0", "MAX_T": "1024"}
    valid = _check(project, "defaults:\n  SEED: 3\nnotebooks:\n  01_finance:\n    EPOCHS: 2\n")
    assert set(valid) == {"00_basics", "01_finance"}


def test_misspelt_parameter_names_set_notebook_and_suggestion(project: Path):
    with pytest.raises(InputError) as caught:
        _check(project, "notebooks:\n  00_basics:\n    MAXT: 512\n")
    message = str(caught.value)
    assert "parameter set 's'" in message and "s.yaml" in message
    assert "notebook '00_basics' does not declare 'MAXT' (did you mean 'MAX_T'?)" in message
    assert "from notebooks" in message


def test_unknown_notebook_is_refused_with_suggestion(project: Path):
    with pytest.raises(InputError, match=r"unknown notebook\(s\) '01_financ' \(did you mean "):
        _check(project, "notebooks:\n  01_financ:\n    EPOCHS: 2\n")


def test_a_default_must_be_declared_by_every_notebook(project: Path):
    with pytest.raises(InputError) as caught:
        _check(project, "defaults:\n  EPOCHS: 2\n")
    message = str(caught.value)
    assert "notebook '00_basics' does not declare 'EPOCHS' from defaults" in message
    assert "01_finance" not in message.split("(parameters are")[0]


def test_cli_refuses_before_anything_runs(project: Path, capsys):
    (project / "params" / "bad.yaml").write_text("notebooks:\n  00_basics:\n    MAXT: 512\n")
    argv = ["report", "--params", "bad", "--notebooks", str(project / "notebooks"),
            "--output", str(project / "out"), "--params-dir", str(project / "params"),
            "--no-progress"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tslib report: error: parameter set 'bad'") and "'MAXT'" in err
    assert "MAX_T" in err and len(err.strip().splitlines()) == 1
    assert not (project / "out").exists(), "nothing may be written before the check passes"


def test_the_shipped_parameter_sets_fit_the_shipped_notebooks():
    notebooks = find_notebooks(ROOT / "notebooks")
    for path in sorted((ROOT / "reports" / "params").glob("*.yaml")):
        check_param_set(load_param_set(path), notebooks)
