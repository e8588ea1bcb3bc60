"""Notebook parameter checks (tslib.parameters): specs, the two rules, and the notebooks' use."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from tslib.errors import InputError
from tslib.parameters import (
    any_of,
    boolean,
    check_parameters,
    choice,
    date,
    device,
    frequency,
    injected_names,
    integer,
    mapping_of,
    optional,
    path,
    real,
    sequence_of,
    text,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


@pytest.mark.parametrize(
    ("spec", "good", "bad"),
    [
        (integer(1, 10), [1, 10, 5], [0, 11, 5.0, True, "5", None]),
        (integer(0), [0, 10**9], [-1]),
        (integer(4, 64, multiple_of=4), [4, 32], [6, 0, 68]),
        (real(0, 1, high_open=True), [0, 0.5, 0.999], [1, 1.0, -0.1, float("nan"), False]),
        (real(0, None, low_open=True), [1e-9, 1e9], [0.0, float("inf")]),
        (boolean(), [True, False], [0, 1, "False", None]),
        (choice("linear", "log"), ["log", "linear"], ["LOG", None, 1]),
        (choice(None, "nasdaq"), [None, "nasdaq"], ["sp500", 0]),
        (choice(1, 2), [1, 2], [True, 1.0]),
        (text(), ["x", "FD001"], ["", "  ", None, 3]),
        (text(r"FD00[1-4]"), ["FD001", "FD004"], ["FD005", "fd001"]),
        (device(), ["auto", "cpu", "cuda", "cuda:1", "mps"], ["gpu", "CPU", "cuda:", None]),
        (date(), ["2007-01-01", "2020-02-20 10:00"], ["2007-13-01", "soon", 2007, "NaT"]),
        (frequency(), ["1h", "1D", "15min"], ["hourly", "", 1]),
        (sequence_of(integer(1)), [[1], (1, 2), [24, 1]], [[], [0], 1, "12"]),
        (sequence_of(integer(1), unique=True), [[1, 2]], [[1, 1]]),
        (sequence_of(date(), min_length=2, max_length=2), [("2008-01-01", "2009-01-01")], [["x"]]),
        (mapping_of(text()), [{}, {"sep": ";"}], [{"": 1}, {1: 2}, [("a", 1)]]),
        (mapping_of(text(), integer(0)), [{"a": 1}], [{"a": -1}]),
        (optional(integer(1)), [None, 3], [0, "None"]),
        (any_of(choice("auto", None), frequency()), ["auto", None, "1h"], ["auto-ish", 3]),
    ],
)
def test_specs_allow_exactly_what_they_describe(spec, good, bad):
    for value in good:
        assert spec.allows(value), (spec.allowed, value)
    for value in bad:
        assert not spec.allows(value), (spec.allowed, value)


def test_path_must_exist(tmp_path):
    (tmp_path / "prices.csv").write_text("Date,Close\n")
    spec = path()
    assert spec.allows(tmp_path / "prices.csv") and spec.allows(str(tmp_path))
    assert not spec.allows(str(tmp_path / "missing.csv"))
    assert not spec.allows("")
    assert "existing file or folder" in spec.allowed


def test_a_bad_value_names_the_parameter_its_value_and_what_is_allowed():
    with pytest.raises(InputError) as error:
        check_parameters({"SEED": 0, "MAX_T": -5}, SEED=integer(0), MAX_T=integer(16, 65536))
    message = str(error.value)
    assert "MAX_T" in message and "-5" in message and "[16, 65536]" in message
    assert "SEED" not in message


def test_values_are_returned_in_declaration_order():
    namespace = {"B": "log", "A": 2, "other": object()}
    assert check_parameters(namespace, A=integer(0), B=choice("log")) == {"A": 2, "B": "log"}


def test_a_declared_but_undefined_parameter_is_refused():
    with pytest.raises(InputError, match="EPOCHS is declared but the notebook does not define it"):
        check_parameters({"SEED": 0}, SEED=integer(0), EPOCHS=integer(1))


def test_a_spec_must_be_a_spec():
    with pytest.raises(InputError, match="spec of SEED"):
        check_parameters({"SEED": 0}, SEED=int)


def _namespace_after_injection(injected: str, **values) -> dict:
    """What a kernel's globals hold in the check cell after papermill injected ``injected``."""
    history = ["", "SEED = 0\nMAX_T = 1024", injected, "check_parameters(globals(), ...)"]
    return {"In": history, **values}


def test_a_misspelt_injected_name_is_refused_with_a_suggestion():
    namespace = _namespace_after_injection("# Parameters\nMAXT = 512\n", SEED=0, MAX_T=1024)
    namespace["MAXT"] = 512
    assert injected_names(namespace) == ["MAXT"]
    with pytest.raises(InputError) as error:
        check_parameters(namespace, SEED=integer(0), MAX_T=integer(16))
    message = str(error.value)
    assert "unknown parameter MAXT = 512" in message
    assert "did you mean MAX_T?" in message and "SEED, MAX_T" in message


def test_any_case_of_unknown_name_is_caught():
    namespace = _namespace_after_injection("# Parameters\nmax_t = 5\n", SEED=0, MAX_T=1024)
    with pytest.raises(InputError, match="unknown parameter max_t"):
        check_parameters(namespace, SEED=integer(0), MAX_T=integer(16))


def test_known_injected_names_pass_and_other_cells_are_not_read():
    ok = _namespace_after_injection("# Parameters\nMAX_T = 512\nSEED = 3\n", SEED=3, MAX_T=512)
    assert check_parameters(ok, SEED=integer(0), MAX_T=integer(16)) == {"SEED": 3, "MAX_T": 512}
    # the cell before the check is not papermill's: its assignments are not parameters
    plain = _namespace_after_injection("EXTRA = 1\n", SEED=3, MAX_T=512)
    assert injected_names(plain) == []
    assert check_parameters(plain, SEED=integer(0), MAX_T=integer(16))
    assert injected_names({"SEED": 1}) == [] and injected_names({"In": ["x"]}) == []


def _check_call(notebook: nbformat.NotebookNode) -> tuple[int, ast.Call]:
    """Index and call node of the notebook's ``check_parameters(...)`` cell."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "check_parameters(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "attr", getattr(node.func, "id", "")) == "check_parameters":
                return index, node
    raise AssertionError("no check_parameters(...) cell")


@pytest.mark.parametrize("notebook_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_checks_every_parameter_right_after_its_parameters_cell(notebook_path):
    import papermill

    notebook = nbformat.read(str(notebook_path), as_version=4)
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    index, call = _check_call(notebook)
    assert index == tagged[0] + 1, "the check cell must follow the parameters cell"
    declared = [keyword.arg for keyword in call.keywords]
    parameters = list(papermill.inspect_notebook(str(notebook_path)))
    assert declared == parameters, "declare every parameter, in the parameters cell's order"


@pytest.mark.parametrize("notebook_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_defaults_and_every_report_parameter_set_pass_the_check(notebook_path):
    """The parameters cell's defaults, and each reports/params/*.yaml set on top of them,
    satisfy the declared specs (the cells run in this process: no kernel, no data)."""
    from tslib.reports import load_param_set, params_for

    notebook = nbformat.read(str(notebook_path), as_version=4)
    index, _ = _check_call(notebook)
    namespace: dict = {}
    for cell in notebook.cells[:index]:  # imports, then the parameters cell
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    defaults = {name: namespace[name] for name in papermill_names(notebook_path)}
    param_sets = sorted((ROOT / "reports" / "params").glob("*.yaml"))
    assert param_sets
    for param_set in [None, *param_sets]:
        overrides = (
            {} if param_set is None else params_for(load_param_set(param_set), notebook_path.stem)
        )
        namespace.update(defaults, **overrides)
        exec(notebook.cells[index].source, namespace)  # the check cell
        assert namespace["_"] == {**defaults, **overrides}, param_set


def papermill_names(notebook_path: Path) -> list[str]:
    import papermill

    return list(papermill.inspect_notebook(str(notebook_path)))


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"MAX_T": -5}, "parameter MAX_T = -5 is not allowed: expected an integer in [64, inf)"),
        ({"MAXT": 512}, "unknown parameter MAXT = 512: this notebook has no parameter MAXT (did"),
    ],
    ids=["bad value", "misspelt name"],
)
def test_papermill_stops_at_the_check_cell_with_an_input_error(tmp_path, parameters, expected):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from tslib.reports import ensure_kernel

    output = tmp_path / "00.ipynb"
    with pytest.raises(PapermillExecutionError) as error:
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "00_temporal_reasoning.ipynb"),
            str(output),
            parameters={"QUICK": True, **parameters},
            kernel_name=ensure_kernel(),
            cwd=str(ROOT / "notebooks"),
            progress_bar=False,
        )
    assert error.value.ename == "InputError"
    assert expected in error.value.evalue
    executed = nbformat.read(str(output), as_version=4)
    failed = [c for c in executed.cells if c.cell_type == "code" and c.get("outputs")]
    failed = [c for c in failed if any(o.output_type == "error" for o in c.outputs)]
    assert len(failed) == 1 and "check_parameters(" in failed[0].source
    code = [c for c in executed.cells if c.cell_type == "code"]
    tags = [c.metadata.get("tags", []) for c in code]
    order = [i for i, t in enumerate(tags) if "parameters" in t or "injected-parameters" in t]
    assert [tags[i] for i in order] == [["parameters"], ["injected-parameters"]]
    assert code[order[-1] + 1] is failed[0]  # parameters, injected, then the check
