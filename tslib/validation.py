"""Input validation shared across tslib, in the manner of ``sklearn.utils.validation``.

Each helper checks one thing, converts where that is its job (``as_*``) and
raises a :mod:`tslib.errors` exception whose message names the offending
argument, so a caller sees *which* value was wrong and how:

* arrays: :func:`as_float_array`, :func:`as_float_vector`, :func:`as_bool_array`,
  :func:`as_index_array`, :func:`broadcast_to_length`, :func:`check_finite`,
  :func:`check_same_length`, :func:`check_same_shape`;
* scalars: :func:`check_positive_int`, :func:`check_non_negative_int`,
  :func:`check_positive`, :func:`check_non_negative`, :func:`check_probability`,
  :func:`check_one_of`;
* frames: :func:`check_numeric_columns`, :func:`as_float_cell`;
* state: :func:`check_is_fitted`.

Array and scalar checks raise :class:`~tslib.errors.InputError`; frame checks raise
:class:`~tslib.errors.DataError` (the frame is malformed); :func:`check_is_fitted`
raises :class:`~tslib.errors.NotFittedError`. Checks that only make sense for
tensors of a given model (encoder inputs, runner batches) stay with that model.

Examples
--------
>>> as_float_vector(3.0, "y").tolist()
[3.0]
>>> check_positive_int(0, "horizon")
Traceback (most recent call last):
...
tslib.errors.InputError: horizon must be a positive integer, got 0
"""

from __future__ import annotations

import numbers
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError, NotFittedError

__all__ = [
    "as_float_array",
    "as_float_vector",
    "as_bool_array",
    "as_index_array",
    "broadcast_to_length",
    "check_finite",
    "check_same_length",
    "check_same_shape",
    "check_positive_int",
    "check_non_negative_int",
    "check_positive",
    "check_non_negative",
    "check_probability",
    "check_one_of",
    "check_numeric_columns",
    "as_float_cell",
    "check_is_fitted",
]


# ----------------------------------------------------------------------------- arrays
def check_finite(array: np.ndarray, name: str, allow_nan: bool = False) -> None:
    """Raise unless ``array`` holds no inf (and no NaN unless ``allow_nan``).

    The message gives the index of the first offending entry.
    """
    if not allow_nan and np.isnan(array).any():
        first = np.argwhere(np.isnan(array))[0].tolist()
        raise InputError(f"{name} contains NaN (first at index {first})")
    if np.isinf(array).any():
        first = np.argwhere(np.isinf(array))[0].tolist()
        raise InputError(f"{name} contains inf (first at index {first})")


def as_float_array(
    values: object,
    name: str,
    ndim: int | Sequence[int] | None = None,
    allow_nan: bool = False,
) -> np.ndarray:
    """Convert ``values`` to a non-empty, finite float64 array.

    Parameters
    ----------
    values : array_like
        Numbers (numpy array, pandas object, list, scalar).
    name : str
        Argument name used in error messages.
    ndim : int or sequence of int, optional
        Allowed number of dimensions.
    allow_nan : bool
        Allow NaN entries (infinities are always rejected).

    Returns
    -------
    numpy.ndarray
        A float64 array (a view of ``values`` when no conversion was needed).
    """
    if isinstance(values, (str, bytes)):
        raise InputError(f"{name} must be numeric, got the string {values!r}")
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric; could not convert it: {exc}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            raise InputError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {array.shape}"
            )
    if array.size == 0:
        raise InputError(f"{name} is empty")
    check_finite(array, name, allow_nan=allow_nan)
    return array


def as_float_vector(values: object, name: str) -> np.ndarray:
    """A scalar or 1-D ``values`` as a non-empty, finite 1-D float64 array (scalar: length 1)."""
    return np.atleast_1d(as_float_array(values, name, ndim=(0, 1)))


def as_bool_array(values: object, name: str, ndim: int | None = 1) -> np.ndarray:
    """Convert 0/1 or boolean ``values`` to a non-empty bool array.

    Raises :class:`~tslib.errors.InputError` for NaN or any value other than 0 and 1.
    """
    array = as_float_array(values, name, ndim=ndim)
    if not np.isin(array, (0.0, 1.0)).all():
        bad = array[~np.isin(array, (0.0, 1.0))][0]
        raise InputError(f"{name} must hold only 0/1 or booleans, found {bad!r}")
    return array.astype(bool)


def as_index_array(values: object, name: str, upper: int, ndim: int = 1) -> np.ndarray:
    """Convert integer ids to an int64 array and check ``0 <= id < upper``."""
    array = as_float_array(values, name, ndim=ndim)
    if not np.all(array == np.round(array)):
        raise InputError(
            f"{name} must hold integer ids, found {array[array != np.round(array)][0]}"
        )
    ids = array.astype(np.int64)
    if ids.min() < 0 or ids.max() >= upper:
        raise InputError(f"{name} must lie in [0, {upper}), found range [{ids.min()}, {ids.max()}]")
    return ids


def broadcast_to_length(values: object, name: str, length: int) -> np.ndarray:
    """A scalar repeated ``length`` times, or a 1-D array that must have ``length`` values."""
    array = as_float_array(values, name, ndim=(0, 1))
    if array.ndim == 0:
        return np.full(length, float(array))
    if array.size != length:
        raise InputError(f"{name} has {array.size} values, expected {length}")
    return array


def check_same_length(**arrays: object) -> None:
    """Raise unless every keyword array has the same length along axis 0."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise InputError(f"length mismatch: {detail}")


def check_same_shape(**arrays: object) -> None:
    """Raise unless every keyword array has the same shape."""
    shapes = {name: np.shape(array) for name, array in arrays.items()}
    if len(set(shapes.values())) > 1:
        detail = ", ".join(f"{name}{shape}" for name, shape in shapes.items())
        raise InputError(f"shape mismatch: {detail}")


# ---------------------------------------------------------------------------- scalars
def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _real(value: object, name: str, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be {what}, got {value!r}")
    number = float(value)
    if np.isnan(number):
        raise InputError(f"{name} must be {what}, got {value!r}")
    return number


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 1 (bools rejected)."""
    if not _is_int(value) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_non_negative_int(value: object, name: str) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 0 (bools rejected)."""
    if not _is_int(value) or value < 0:
        raise InputError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float, raising unless it is a real number > 0 (inf allowed)."""
    number = _real(value, name, "a positive number")
    if not number > 0.0:
        raise InputError(f"{name} must be a positive number, got {value!r}")
    return number


def check_non_negative(value: object, name: str) -> float:
    """Return ``value`` as a float, raising unless it is a real number >= 0."""
    number = _real(value, name, "a non-negative number")
    if not number >= 0.0:
        raise InputError(f"{name} must be a non-negative number, got {value!r}")
    return number


def check_probability(value: object, name: str) -> float:
    """Return ``value`` as a float, raising unless ``0 < value < 1``."""
    number = _real(value, name, "a number in (0, 1)")
    if not 0.0 < number < 1.0:
        raise InputError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return number


def check_one_of(value: Any, options: Collection, name: str) -> Any:
    """Return ``value``, raising unless it is one of ``options``."""
    try:
        found = value in options
    except TypeError:  # unhashable value tested against a set
        found = False
    if not found:
        raise InputError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


# ----------------------------------------------------------------------------- frames
def check_numeric_columns(frame: pd.DataFrame, columns: Sequence[str], owner: str) -> None:
    """Raise :class:`~tslib.errors.DataError` unless every column exists and is numeric.

    Booleans do not count as numbers.

    Parameters
    ----------
    frame : pd.DataFrame
        Frame to check.
    columns : Sequence[str]
        Columns that must be present and numeric.
    owner : str
        Name used in the message, e.g. ``"StandardScaler"``.
    """
    for column in columns:
        if column not in frame.columns:
            raise DataError(f"{owner}: column {column!r} is missing from the frame")
        dtype = frame[column].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise DataError(f"{owner}: column {column!r} has dtype {dtype}; expected a number")


def as_float_cell(value: Any, column: str, owner: str) -> float:
    """One cell of ``column`` as a float; ``None`` / ``pd.NA`` become NaN.

    Raises :class:`~tslib.errors.DataError` for strings, bytes, booleans and
    anything else that is not a number.
    """
    if value is None or value is pd.NA:
        return float("nan")
    if isinstance(value, bool | np.bool_ | str | bytes):
        raise DataError(f"{owner}: column {column!r} holds {value!r}; expected a number")
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise DataError(f"{owner}: column {column!r} holds {value!r}; expected a number") from error


# ------------------------------------------------------------------------------ state
def check_is_fitted(obj: object, fit_call: str = "fit(...)") -> None:
    """Raise :class:`~tslib.errors.NotFittedError` unless ``obj.is_fitted`` is true.

    Parameters
    ----------
    obj : object
        Anything with an ``is_fitted`` attribute (baselines, transforms).
    fit_call : str
        How to fit it, quoted in the message, e.g. ``"fit(y_train)"``.
    """
    if not getattr(obj, "is_fitted", False):
        raise NotFittedError(f"{type(obj).__name__} is not fitted; call {fit_call} first")
