"""Deprecated location of the validation helpers: use :mod:`tslib.validation`.

Kept as a thin re-export so code written against the old private module keeps
working; nothing in tslib imports it any more.
"""

from tslib.validation import (
    as_bool_array,
    as_float_array,
    as_index_array,
    check_positive_int,
    check_probability,
    check_same_length,
    check_same_shape,
)
from tslib.validation import broadcast_to_length as as_series

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
