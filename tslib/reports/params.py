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
        If the file does not exist or is not a mapping with the expected keys.
    """
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = Path(params_dir) / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in Path(params_dir).glob("*.yaml"))
        raise InputError(f"parameter set {str(name_or_path)!r} not found at {path}; known: {known}")
    content = yaml.safe_load(path.read_text()) or {}
    if not isinstance(content, dict) or set(content) - {"defaults", "notebooks"}:
        raise InputError(f"{path}: expected a mapping with keys 'defaults' and 'notebooks'")
    defaults = content.get("defaults") or {}
    notebooks = content.get("notebooks") or {}
    if not isinstance(defaults, dict) or not isinstance(notebooks, dict):
        raise InputError(f"{path}: 'defaults' and 'notebooks' must be mappings")
    return {"name": path.stem, "defaults": defaults, "notebooks": notebooks}


def params_for(param_set: dict, notebook_stem: str) -> dict:
    """Merge the set's defaults with the notebook's own entries."""
    merged = dict(param_set["defaults"])
    merged.update(param_set["notebooks"].get(notebook_stem) or {})
    return merged
