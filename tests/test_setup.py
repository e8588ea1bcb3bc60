"""The set-up contract: two README commands, CI calls the test one, conda agrees with pip."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: pip name -> conda-forge name(s) where they differ.
CONDA_NAMES = {"torch": ["pytorch"], "arch": ["arch-py"], "dask": ["dask", "distributed"]}


def _requirement(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", spec.strip())
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    expected = {}
    for spec in pip_specs:
        name, version = _requirement(spec)
        for conda_name in CONDA_NAMES.get(name, [name]):
            expected[conda_name] = version
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for entry in env["dependencies"]:
        if isinstance(entry, str) and entry not in ("pip",) and not entry.startswith("python="):
            name, version = _requirement(entry)
            conda[name] = version
    assert conda == expected
    pip_section = [e for e in env["dependencies"] if isinstance(e, dict)][0]["pip"]
    assert "-e ." in pip_section


def test_torch_is_a_range_not_a_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_spec = [d for d in project["dependencies"] if d.startswith("torch")][0]
    assert ">=" in torch_spec and "<" in torch_spec and "==" not in torch_spec


def test_readme_has_exactly_two_setup_commands_and_ci_uses_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert first_block, "README must start with a code block of set-up commands"
    commands = [
        line for line in first_block.group(1).splitlines() if line and not line.startswith("#")
    ]
    assert commands == ["make reports", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "\nmake test\n" in ci


def test_parameter_sets_are_valid():
    from tslib.reports import load_param_set

    names = sorted(p.stem for p in (ROOT / "reports" / "params").glob("*.yaml"))
    assert "default" in names
    for name in names:
        settings = load_param_set(name, ROOT / "reports" / "params")
        assert settings["name"] == name


def test_every_notebook_has_a_parameters_cell_with_seed():
    import nbformat

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
        assert "SEED" in tagged[0].source, f"{path.name}: parameters cell must define SEED"
        executed = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
        assert executed, f"{path.name}: commit notebooks executed, with outputs"
        assert "widgets" not in nb.metadata, f"{path.name}: strip widget state"
