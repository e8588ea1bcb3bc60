"""Input validation shared by the metric and baseline functions.

Every check raises :class:`tslib.errors.InputError` with a message that names the
offending argument, so a caller sees *which* array was wrong and how.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tslib.errors import InputError

__all__ = [
    "as_float_array",
    "as_bool_array",
    "as_index_array",
    "as_series",
    "check_same_length",
    "check_same_shape",
    "check_probability",
    "check_positive_int",
]


def as_float_array(
    values: object,
    name: str,
    ndim: int | Sequence[int] | None = None,
    allow_nan: bool = False,
) -> np.ndarray:
    """Convert ``values`` to a non-empty float64 array and check it.

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
        A float64 array.
    """
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
    if not allow_nan and np.isnan(array).any():
        first = np.argwhere(np.isnan(array))[0].tolist()
        raise InputError(f"{name} contains NaN (first at index {first})")
    if np.isinf(array).any():
        first = np.argwhere(np.isinf(array))[0].tolist()
        raise InputError(f"{name} contains inf (first at index {first})")
    return array


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


def as_series(values: object, name: str, length: int) -> np.ndarray:
    """A scalar broadcast to ``length`` values, or a 1-D array that must have ``length`` values."""
    array = as_float_array(values, name, ndim=(0, 1))
    if array.ndim == 0:
        return np.full(length, float(array))
    if array.size != length:
        raise InputError(f"{name} has {array.size} values, expected {length}")
    return array


def check_same_length(**arrays: np.ndarray) -> None:
    """Raise unless every keyword array has the same length along axis 0."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise InputError(f"length mismatch: {detail}")


def check_same_shape(**arrays: np.ndarray) -> None:
    """Raise unless every keyword array has the same shape."""
    shapes = {name: np.shape(array) for name, array in arrays.items()}
    if len(set(shapes.values())) > 1:
        detail = ", ".join(f"{name}{shape}" for name, shape in shapes.items())
        raise InputError(f"shape mismatch: {detail}")


def check_probability(value: float, name: str) -> float:
    """Return ``value`` as a float, raising unless ``0 < value < 1``."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number in (0, 1), got {value!r}") from exc
    if not 0.0 < number < 1.0:
        raise InputError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return number


def check_positive_int(value: int, name: str) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
