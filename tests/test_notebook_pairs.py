"""Every notebook is a jupytext pair: ``NN_name.py`` (percent script, the source) and
``NN_name.ipynb`` (executed). ``make test`` fails when a pair is out of sync.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tslib.reports.pairs import code_lines, execute_pair, pair_differences

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_six_pairs_exist() -> None:
    stems = [path.stem for path in PAIRS]
    assert len(stems) == 6, stems
    scripts = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    assert scripts == stems, "every notebooks/NN_*.py needs its executed .ipynb and back"


@pytest.mark.parametrize("executed", PAIRS, ids=lambda path: path.stem)
def test_pair_in_sync(executed: Path) -> None:
    assert pair_differences(executed) == [], (
        f"run `python -m tslib.reports.pairs {executed.with_suffix('.py').name}` to re-execute"
    )


@pytest.mark.parametrize("executed", PAIRS, ids=lambda path: path.stem)
def test_pair_is_executed(executed: Path) -> None:
    notebook = nbformat.read(executed, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    assert code and all(cell.get("execution_count") for cell in code), (
        f"{executed.name} has code cells that were never executed; commit it executed"
    )


SCRIPT = """# %% [markdown]
# # A pair

# %% tags=["parameters"]
N = 2

# %%
print(N * 21)
"""


def test_execute_pair_then_detect_drift(tmp_path: Path) -> None:
    script = tmp_path / "09_pair.py"
    script.write_text(SCRIPT)
    assert pair_differences(script) == ["09_pair.py has no executed 09_pair.ipynb"]
    executed = execute_pair(script)
    assert pair_differences(script) == []
    cells = json.loads(executed.read_text())["cells"]
    assert cells[2]["outputs"][0]["text"] == ["42\n"]
    assert all("papermill" not in cell["metadata"] for cell in cells)
    script.write_text(SCRIPT.replace("N * 21", "N * 20"))
    assert pair_differences(script) == ["cell 2: 09_pair.ipynb differs from 09_pair.py"]
    script.write_text(SCRIPT + "\n# %%\nprint(1)\n")
    assert pair_differences(script)[-1] == "09_pair.py has 4 cells, 09_pair.ipynb 3"


@pytest.mark.parametrize(
    "executed", [p for p in PAIRS if not p.stem.startswith("00")], ids=lambda path: path.stem
)
def test_domain_notebook_is_thin(executed: Path) -> None:
    script = executed.with_suffix(".py")
    assert "fmt: skip" not in script.read_text(), (
        f"{script.name}: no `# fmt: skip` in a domain notebook; ruff formats it like any module"
    )
    lines = code_lines(executed)
    assert lines <= 350, (
        f"{executed.stem}: {lines} lines of code; a domain notebook holds at most 350 "
        "(move helpers used twice, or longer than ~15 lines, into tslib)"
    )
