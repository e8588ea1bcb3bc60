"""Named parameter sets for report runs (``reports/params/<name>.yaml``).

A parameter set is a YAML file with two optional keys::

    # values applied to every notebook (overridden per notebook)
    defaults:
      SEED: 0
    # per-notebook values, keyed by the notebook's file stem
    notebooks:
      00_temporal_reasoning:
        MAX_T: 512

Every notebook found in the notebook folder runs; one that the set does not
name runs with ``defaults`` and its own parameter cell.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tslib.errors import InputError

__all__ = ["load_param_set", "params_for"]


def load_param_set(name_or_path: str | Path, params_dir: str | Path = "reports/params") -> dict:
    """Load a parameter set by name (``params_dir/<name>.yaml``) or by path.

    Raises
    ------
    InputError
        If the file does not exist, cannot be read, is not UTF-8, is not valid
        YAML (naming the line), or is not a mapping with the expected keys.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(params_dir) / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in Path(params_dir).glob("*.yaml"))
        raise InputError(f"parameter set {str(name_or_path)!r} not found at {path}; known: {known}")
    content = _read_yaml(path) or {}
    if not isinstance(content, dict) or set(content) - {"defaults", "notebooks"}:
        raise InputError(f"{path}: expected a mapping with keys 'defaults' and 'notebooks'")
    defaults = content.get("defaults") or {}
    notebooks = content.get("notebooks") or {}
    if not isinstance(defaults, dict) or not isinstance(notebooks, dict):
        raise InputError(f"{path}: 'defaults' and 'notebooks' must be mappings")
    _check_names(defaults, f"{path}: 'defaults'")
    for stem, values in notebooks.items():
        if not isinstance(stem, str):
            raise InputError(f"{path}: notebook name {stem!r} under 'notebooks' is not a string")
        if values is not None and not isinstance(values, dict):
            raise InputError(
                f"{path}: 'notebooks.{stem}' must be a mapping of parameters, got {values!r:.60}"
            )
        _check_names(values or {}, f"{path}: 'notebooks.{stem}'")
    return {"name": path.stem, "defaults": defaults, "notebooks": notebooks}


def _read_yaml(path: Path) -> object:
    """Parse ``path`` as UTF-8 YAML; :class:`InputError` naming the file and line otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (byte {error.start}: {error.reason}); save it as UTF-8"
        ) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the parameter set ({error.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{path}:{where}: YAML syntax error: {problem}") from None


def _check_names(values: dict, where: str) -> None:
    """Parameter names are identifiers (papermill injects them as Python assignments)."""
    for name in values:
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError(f"{where}: parameter name {name!r} is not a Python identifier")


def params_for(param_set: dict, notebook_stem: str) -> dict:
    """Merge the set's defaults with the notebook's own entries."""
    merged = dict(param_set["defaults"])
    merged.update(param_set["notebooks"].get(notebook_stem) or {})
    return merged
