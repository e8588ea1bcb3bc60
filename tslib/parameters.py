"""Notebook parameters that fail clearly: each one declared with its type and allowed values.

A notebook's ``parameters`` cell is followed by one check cell::

    check_parameters(
        globals(),
        SEED=integer(0),
        QUICK=boolean(),
        DEVICE=device(),
        DATA_PATH=optional(path()),
        MAX_T=integer(16, 65536),
    )

:func:`check_parameters` applies two rules and raises :class:`~tslib.errors.InputError`
at the first breach, naming the parameter, its value and what is allowed:

1. **Values.** Every declared name must be bound in the namespace, and its value must
   satisfy its spec (``MAX_T = -5`` is refused before anything runs).
2. **Names.** Papermill places the parameters it is given in a cell that starts with
   ``# Parameters`` (tagged ``injected-parameters``) right after the ``parameters``
   cell, so it runs just before the check cell. Papermill only warns about a name the
   notebook does not define; the check reads that cell from the kernel's input
   history (``In``, which an IPython namespace holds) and refuses every name it
   assigns that is not declared (``-p MAXT 512``), suggesting the closest declared name.
   Outside IPython, or when no injected cell ran just before, there is nothing to read.

Examples
--------
>>> check_parameters({"SEED": 0, "QUICK": False}, SEED=integer(0), QUICK=boolean())
{'SEED': 0, 'QUICK': False}
>>> check_parameters({"MAX_T": -5}, MAX_T=integer(16, 65536))
Traceback (most recent call last):
...
tslib.errors.InputError: parameter MAX_T = -5 is not allowed: expected an integer in [16, 65536]
"""

from __future__ import annotations

import ast
import difflib
import numbers
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tslib.errors import InputError

__all__ = [
    "Spec",
    "check_parameters",
    "injected_names",
    "integer",
    "real",
    "boolean",
    "choice",
    "text",
    "path",
    "device",
    "date",
    "frequency",
    "sequence_of",
    "mapping_of",
    "any_of",
    "optional",
]

#: First line of the cell in which papermill injects the parameters it is given.
INJECTED_MARKER = "# Parameters"


@dataclass(frozen=True)
class Spec:
    """What a parameter may be: a test (``allows``) and its description (``allowed``)."""

    allowed: str  # e.g. "an integer in [1, 10]"
    test: Callable[[object], object]  # value -> truthy when allowed

    def allows(self, value: object) -> bool:
        """Whether ``value`` is allowed (never raises)."""
        try:
            return bool(self.test(value))
        except (TypeError, ValueError, OverflowError):
            return False


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value


def _interval(low: object, high: object, low_open: bool = False, high_open: bool = False) -> str:
    left = "(-inf" if low is None else f"{'(' if low_open else '['}{low}"
    right = "inf)" if high is None else f"{high}{')' if high_open else ']'}"
    return f"{left}, {right}"


def integer(low: int | None = None, high: int | None = None, *, multiple_of: int = 1) -> Spec:
    """An integer (not a bool) in ``[low, high]`` (``None`` leaves a side open)."""

    def test(value: object) -> bool:
        return (
            _is_int(value)
            and (low is None or value >= low)
            and (high is None or value <= high)
            and value % multiple_of == 0
        )

    step = f", a multiple of {multiple_of}" if multiple_of != 1 else ""
    return Spec(f"an integer in {_interval(low, high)}{step}", test)


def real(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> Spec:
    """A finite number (int or float, not a bool) in the interval from ``low`` to ``high``."""

    def test(value: object) -> bool:
        if not _is_real(value) or abs(value) == float("inf"):
            return False
        above = low is None or (value > low if low_open else value >= low)
        below = high is None or (value < high if high_open else value <= high)
        return above and below

    return Spec(f"a number in {_interval(low, high, low_open, high_open)}", test)


def boolean() -> Spec:
    """``True`` or ``False`` (not 0 or 1, not the string ``"False"``)."""
    return Spec("True or False", lambda value: isinstance(value, bool))


def choice(*options: object) -> Spec:
    """One of ``options`` (compared with ``==``, and of the same type: ``1`` is not ``True``)."""
    shown = ", ".join(repr(option) for option in options)

    def test(value: object) -> bool:
        return any(type(value) is type(option) and value == option for option in options)

    return Spec(f"one of {shown}", test)


def text(pattern: str | None = None) -> Spec:
    """A non-empty string; with ``pattern``, one that matches this regular expression fully."""

    def test(value: object) -> bool:
        return (
            isinstance(value, str)
            and value.strip() != ""
            and (pattern is None or re.fullmatch(pattern, value) is not None)
        )

    return Spec("a non-empty string" + (f" matching {pattern!r}" if pattern else ""), test)


def path() -> Spec:
    """A ``str`` or path-like naming a file or folder that exists (relative: to the cwd)."""

    def test(value: object) -> bool:
        return isinstance(value, (str, os.PathLike)) and str(value) != "" and Path(value).exists()

    return Spec(f"an existing file or folder (relative to {os.getcwd()})", test)


def device() -> Spec:
    """A torch device name: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``."""
    return Spec(
        "'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'",
        lambda value: isinstance(value, str) and re.fullmatch(r"auto|cpu|cuda(:\d+)?|mps", value),
    )


def date() -> Spec:
    """A date or timestamp that pandas reads, e.g. ``"2007-01-01"``."""
    return Spec(
        "a date such as '2007-01-01'",
        lambda value: isinstance(value, str) and pd.notna(pd.Timestamp(value)),
    )


def frequency() -> Spec:
    """A pandas frequency such as ``"1h"`` or ``"1D"``."""
    return Spec(
        "a pandas frequency such as '1h' or '1D'",
        lambda value: (
            isinstance(value, str) and pd.tseries.frequencies.to_offset(value) is not None
        ),
    )


def sequence_of(
    item: Spec, *, min_length: int = 1, max_length: int | None = None, unique: bool = False
) -> Spec:
    """A list or tuple of ``min_length`` to ``max_length`` elements, each allowed by ``item``."""
    size = f"{min_length}" if max_length == min_length else f"{_interval(min_length, max_length)}"
    allowed = f"a list of {size} items ({'distinct, ' if unique else ''}each {item.allowed})"

    def test(value: object) -> bool:
        if not isinstance(value, (list, tuple)):
            return False
        if len(value) < min_length or (max_length is not None and len(value) > max_length):
            return False
        if unique and len({repr(element) for element in value}) != len(value):
            return False
        return all(item.allows(element) for element in value)

    return Spec(allowed, test)


def mapping_of(key: Spec, value: Spec | None = None) -> Spec:
    """A dict whose keys are allowed by ``key`` and values by ``value`` (anything if None)."""
    allowed = f"a dict of keys {key.allowed}" + (f" to values {value.allowed}" if value else "")
    return Spec(
        allowed,
        lambda mapping: (
            isinstance(mapping, dict)
            and all(
                key.allows(k) and (value is None or value.allows(v)) for k, v in mapping.items()
            )
        ),
    )


def any_of(*specs: Spec) -> Spec:
    """Allowed by at least one of ``specs``."""
    return Spec(
        " or ".join(spec.allowed for spec in specs),
        lambda value: any(spec.allows(value) for spec in specs),
    )


def optional(spec: Spec) -> Spec:
    """``None``, or allowed by ``spec``."""
    return Spec(f"None or {spec.allowed}", lambda value: value is None or spec.allows(value))


def injected_names(namespace: Mapping[str, object]) -> list[str]:
    """Names that papermill injected in the cell that ran just before the current one.

    Reads ``namespace["In"]`` (IPython's input history: ``In[-1]`` is the running
    cell, ``In[-2]`` the one before). Empty outside IPython or when that cell is
    not papermill's ``# Parameters`` cell.
    """
    history = namespace.get("In")
    if not isinstance(history, list) or len(history) < 2 or not isinstance(history[-2], str):
        return []
    source = history[-2]
    if not source.lstrip().startswith(INJECTED_MARKER):
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


def check_parameters(namespace: Mapping[str, object], /, **specs: Spec) -> dict[str, object]:
    """Check a notebook's parameters against their declared specs (rules: module docstring).

    Parameters
    ----------
    namespace : Mapping[str, object]
        The notebook's ``globals()``.
    **specs : Spec
        Every parameter of the notebook, name to spec.

    Returns
    -------
    dict[str, object]
        Name to value of every declared parameter, in declaration order.

    Raises
    ------
    InputError
        For an undefined or disallowed value, or an injected name that is not declared.
    """
    for name in injected_names(namespace):
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InputError(
                f"unknown parameter {name} = {namespace.get(name)!r}: this notebook has no "
                f"parameter {name}{hint}. Its parameters are: {', '.join(specs)}"
            )
    values = {}
    for name, spec in specs.items():
        if not isinstance(spec, Spec):
            raise InputError(f"check_parameters: the spec of {name} must be a Spec, got {spec!r}")
        if name not in namespace:
            raise InputError(f"parameter {name} is declared but the notebook does not define it")
        value = namespace[name]
        if not spec.allows(value):
            raise InputError(
                f"parameter {name} = {value!r} is not allowed: expected {spec.allowed}"
            )
        values[name] = value
    return values
