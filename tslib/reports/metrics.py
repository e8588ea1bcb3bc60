"""Record headline metrics inside a notebook and read them back from the executed file.

A notebook calls :func:`record` once (or a few times) with its headline
numbers. The values are emitted as a display output with a dedicated MIME type,
so they travel inside the executed ``.ipynb`` and need no side files. The
report builder calls :func:`read_metrics` on the executed notebook to table
them in the index.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import nbformat

from tslib.errors import InputError

__all__ = [
    "METRICS_MIME",
    "RESERVED_PREFIXES",
    "emit_metrics",
    "format_value",
    "record",
    "read_metrics",
]

#: MIME type of the display output that carries recorded metrics.
METRICS_MIME = "application/vnd.tslib.metrics+json"

#: Metric name prefixes that only tslib writes (see :mod:`tslib.reports.headline`).
RESERVED_PREFIXES = ("headline.",)


def _plain(name: str, value):
    """Convert one metric to a JSON scalar, rejecting what cannot be tabled."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise InputError(f"metric {name!r} is not finite: {value}")
        return value
    if isinstance(value, str):
        return value
    raise InputError(
        f"metric {name!r} must be a number, bool or string, got {type(value).__name__}"
    )


def format_value(value) -> str:
    """A metric as shown in tables: floats to 4 significant digits, the rest as is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def record(**metrics) -> dict:
    """Record headline metrics of the running notebook.

    Parameters
    ----------
    **metrics
        Metric name to value (numbers, bools or short strings).

    Returns
    -------
    dict
        The recorded metrics as plain JSON values.

    Examples
    --------
    >>> record(mae=0.5, model="lstm")
    {'mae': 0.5, 'model': 'lstm'}
    """
    if not metrics:
        raise InputError("record() needs at least one metric, e.g. record(mae=0.3)")
    for name in metrics:
        if name.startswith(RESERVED_PREFIXES):
            raise InputError(
                f"metric name {name!r} is reserved; use record_headline() for the headline"
            )
    return emit_metrics({name: _plain(name, value) for name, value in metrics.items()})


def emit_metrics(plain: dict) -> dict:
    """Display already-checked metrics in the running notebook (a no-op outside IPython).

    Parameters
    ----------
    plain : dict
        Metric name to JSON scalar.

    Returns
    -------
    dict
        ``plain`` itself.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return plain
    if get_ipython() is not None:
        rows = "".join(f"<tr><td>{k}</td><td>{format_value(v)}</td></tr>" for k, v in plain.items())
        display(
            {
                METRICS_MIME: plain,
                "text/plain": "recorded metrics: "
                + ", ".join(f"{k} = {format_value(v)}" for k, v in plain.items()),
                "text/html": f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>",
            },
            raw=True,
        )
    return plain


def read_metrics(executed_notebook_path: str | Path) -> dict:
    """Return the metrics recorded by an executed notebook.

    Later calls of :func:`record` override earlier values of the same name.

    Parameters
    ----------
    executed_notebook_path : str or Path
        Path of an executed ``.ipynb``.

    Returns
    -------
    dict
        Metric name to value; empty when the notebook recorded nothing.
    """
    notebook = nbformat.read(str(executed_notebook_path), as_version=4)
    metrics: dict = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METRICS_MIME in data:
                payload = data[METRICS_MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                metrics.update(payload)
    return metrics
