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

Before anything runs, :func:`check_param_set` reads each notebook's declared
parameters (its cell tagged ``parameters``, through ``papermill.inspect_notebook``)
and refuses the set when ``notebooks:`` names a notebook that is not in the
folder, or when a notebook would be sent a parameter it does not declare. The
rule for ``defaults`` is strict: a default is sent to every notebook, so every
notebook must declare it (put a parameter that only some notebooks have under
their own ``notebooks:`` entries). papermill itself would only warn and run with
the notebook's own value.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from tslib.errors import InputError

__all__ = ["check_param_set", "declared_parameters", "load_param_set", "params_for"]


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
    return {"name": path.stem, "path": str(path), "defaults": defaults, "notebooks": notebooks}


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


def declared_parameters(notebook: str | Path) -> dict[str, str]:
    """Parameters a notebook declares: name to the source text of its default value.

    Parsed by papermill's translator for the notebook's kernel or language (what
    ``papermill.inspect_notebook`` does), with the ``tslib`` kernel's Python when
    the notebook names no kernel. A notebook without a ``parameters`` cell
    declares nothing.

    Raises
    ------
    InputError
        If the notebook cannot be read or its parameters cell cannot be parsed.
    """
    import nbformat
    from papermill.translators import papermill_translators

    from tslib.reports.kernel import KERNEL_NAME

    try:
        nb = nbformat.read(str(notebook), as_version=4)
        cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        if not cells:
            return {}
        spec = nb.metadata.get("kernelspec", {})
        language = spec.get("language") or nb.metadata.get("language_info", {}).get("name")
        translator = papermill_translators.find_translator(
            spec.get("name") or KERNEL_NAME, language or "python"
        )
        declared = translator.inspect(cells[0])
    except Exception as error:  # noqa: BLE001 - nbformat and papermill raise many kinds here
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"cannot read the parameters of notebook {notebook}: {first}") from None
    return {entry.name: str(entry.default) for entry in declared}


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    return (
        f"{name!r} (did you mean {' or '.join(repr(c) for c in close)}?)" if close else repr(name)
    )


def check_param_set(param_set: dict, notebooks: list[Path]) -> dict[str, dict[str, str]]:
    """Refuse a parameter set that names an unknown notebook or parameter.

    Parameters
    ----------
    param_set : dict
        What :func:`load_param_set` returned.
    notebooks : list of Path
        Every notebook of the folder (not only those selected to run).

    Returns
    -------
    dict
        Notebook stem to its declared parameters (:func:`declared_parameters`).

    Raises
    ------
    InputError
        Naming the parameter set, each offending notebook and the unknown names,
        with close matches, all in one line.
    """
    where = f"parameter set {param_set['name']!r} ({param_set.get('path', param_set['name'])})"
    stems = [path.stem for path in notebooks]
    unknown = [stem for stem in param_set["notebooks"] if stem not in stems]
    if unknown:
        names = ", ".join(_suggest(stem, stems) for stem in unknown)
        raise InputError(f"{where}: unknown notebook(s) {names}; notebooks: {stems}")
    declared = {path.stem: declared_parameters(path) for path in notebooks}
    problems = []
    for stem, known in declared.items():
        sent = params_for(param_set, stem)
        missing = [name for name in sent if name not in known]
        if missing:
            origin = [
                "defaults" if name not in (param_set["notebooks"].get(stem) or {}) else "notebooks"
                for name in missing
            ]
            listed = ", ".join(
                f"{_suggest(name, list(known))} from {src}"
                for name, src in zip(missing, origin, strict=True)
            )
            problems.append(f"notebook {stem!r} does not declare {listed}")
    if problems:
        raise InputError(
            f"{where}: " + "; ".join(problems) + " (parameters are declared in the notebook's "
            "cell tagged 'parameters'; a default must be declared by every notebook)"
        )
    return declared
