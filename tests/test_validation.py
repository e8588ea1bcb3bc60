"""tslib.validation: each helper accepts what it should, converts, and names the bad argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib import validation
from tslib.errors import DataError, InputError, NotFittedError, StateError, TslibError
from tslib.validation import (
    as_bool_array,
    as_float_array,
    as_float_cell,
    as_float_vector,
    as_index_array,
    broadcast_to_length,
    check_finite,
    check_is_fitted,
    check_non_negative,
    check_non_negative_int,
    check_numeric_columns,
    check_one_of,
    check_positive,
    check_positive_int,
    check_probability,
    check_same_length,
    check_same_shape,
)


def test_every_public_helper_is_exported():
    public = {n for n in dir(validation) if n.startswith(("as_", "check_", "broadcast_"))}
    assert public == set(validation.__all__)


def test_as_float_array_converts_lists_frames_and_scalars():
    assert as_float_array([1, 2], "y").dtype == np.float64
    np.testing.assert_array_equal(as_float_array(pd.Series([1.5, 2.5]), "y"), [1.5, 2.5])
    assert as_float_array(3, "y", ndim=0).shape == ()
    frame = pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0]})
    assert as_float_array(frame, "x", ndim=2).shape == (2, 2)


@pytest.mark.parametrize(
    "values, kwargs, message",
    [
        ([1.0, np.nan], {}, r"y contains NaN \(first at index \[1\]\)"),
        ([[1.0, 2.0], [np.inf, 0.0]], {}, r"y contains inf \(first at index \[1, 0\]\)"),
        ([1.0, -np.inf], {"allow_nan": True}, "y contains inf"),
        ([], {}, "y is empty"),
        ([[1.0]], {"ndim": 1}, r"y must have 1 dimension\(s\), got shape \(1, 1\)"),
        (5.0, {"ndim": (1, 2)}, r"y must have 1 or 2 dimension\(s\)"),
        (["a", "b"], {}, "y must be numeric"),
        ("1.0", {}, "y must be numeric, got the string"),
        ([[1.0, 2.0], [3.0]], {}, "y must be numeric"),
    ],
)
def test_as_float_array_names_the_argument(values, kwargs, message):
    with pytest.raises(InputError, match=message):
        as_float_array(values, "y", **kwargs)


def test_as_float_array_can_allow_nan():
    out = as_float_array([1.0, np.nan], "y", allow_nan=True)
    assert np.isnan(out[1])


def test_check_finite_on_an_array():
    check_finite(np.array([1.0, 2.0]), "x")
    check_finite(np.array([np.nan]), "x", allow_nan=True)
    with pytest.raises(InputError, match="x contains NaN"):
        check_finite(np.array([0.0, np.nan]), "x")


def test_as_float_vector_makes_scalars_length_one_and_rejects_matrices():
    assert as_float_vector(2.0, "y").tolist() == [2.0]
    assert as_float_vector(np.float32(2.5), "y").tolist() == [2.5]
    assert as_float_vector([1, 2, 3], "y").shape == (3,)
    with pytest.raises(InputError, match="y must have 0 or 1 dimension"):
        as_float_vector(np.ones((2, 2)), "y")
    with pytest.raises(InputError, match="y contains NaN"):
        as_float_vector(np.nan, "y")


def test_as_bool_array():
    assert as_bool_array([0, 1, True], "hits").tolist() == [False, True, True]
    with pytest.raises(InputError, match="hits must hold only 0/1"):
        as_bool_array([0, 2], "hits")


def test_as_index_array():
    assert as_index_array([0.0, 3.0], "items", upper=4).tolist() == [0, 3]
    with pytest.raises(InputError, match="items must hold integer ids, found 1.5"):
        as_index_array([1.5], "items", upper=4)
    with pytest.raises(InputError, match=r"items must lie in \[0, 4\), found range \[-1, 4\]"):
        as_index_array([-1, 4], "items", upper=4)


def test_broadcast_to_length():
    assert broadcast_to_length(2.0, "sigma", 3).tolist() == [2.0, 2.0, 2.0]
    assert broadcast_to_length([1.0, 2.0], "sigma", 2).tolist() == [1.0, 2.0]
    with pytest.raises(InputError, match="sigma has 2 values, expected 3"):
        broadcast_to_length([1.0, 2.0], "sigma", 3)


def test_same_length_and_shape():
    check_same_length(a=[1, 2], b=np.zeros((2, 5)))
    with pytest.raises(InputError, match="length mismatch: a=2, b=3"):
        check_same_length(a=[1, 2], b=[1, 2, 3])
    check_same_shape(a=np.zeros((2, 3)), b=np.ones((2, 3)))
    with pytest.raises(InputError, match=r"shape mismatch: a\(2, 3\), b\(3, 2\)"):
        check_same_shape(a=np.zeros((2, 3)), b=np.ones((3, 2)))


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(2)])
def test_check_positive_int_accepts(value):
    assert check_positive_int(value, "horizon") == int(value)
    assert type(check_positive_int(value, "horizon")) is int


@pytest.mark.parametrize("value", [0, -1, 1.0, 2.5, True, np.bool_(True), "3", None])
def test_check_positive_int_rejects(value):
    with pytest.raises(InputError, match="horizon must be a positive integer"):
        check_positive_int(value, "horizon")


def test_check_non_negative_int():
    assert check_non_negative_int(0, "burn_in") == 0
    for bad in (-1, 0.0, False):
        with pytest.raises(InputError, match="burn_in must be a non-negative integer"):
            check_non_negative_int(bad, "burn_in")


def test_check_positive_and_non_negative():
    assert check_positive(0.5, "h") == 0.5
    assert check_positive(np.float32(2.0), "h") == 2.0
    assert check_positive(np.inf, "h") == np.inf
    for bad in (0.0, -1.0, np.nan, "1", True, None):
        with pytest.raises(InputError, match="h must be a positive number"):
            check_positive(bad, "h")
    assert check_non_negative(0, "k") == 0.0
    for bad in (-1e-9, np.nan, False):
        with pytest.raises(InputError, match="k must be a non-negative number"):
            check_non_negative(bad, "k")


def test_check_probability():
    assert check_probability(0.05, "alpha") == 0.05
    assert check_probability(np.float64(0.5), "alpha") == 0.5
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(InputError, match="alpha must lie strictly between 0 and 1"):
            check_probability(bad, "alpha")
    for bad in ("0.1", None, True, np.nan):
        with pytest.raises(InputError, match=r"alpha must be a number in \(0, 1\)"):
            check_probability(bad, "alpha")


def test_check_one_of():
    assert check_one_of("t", ("normal", "t"), "dist") == "t"
    with pytest.raises(InputError, match=r"dist must be one of \('normal', 't'\), got 'cauchy'"):
        check_one_of("cauchy", ("normal", "t"), "dist")
    with pytest.raises(InputError, match="side must be one of"):
        check_one_of(["both"], {"both", "upper"}, "side")  # unhashable: rejected, not TypeError


def test_check_numeric_columns_raises_data_error_naming_the_column():
    frame = pd.DataFrame({"a": [1.0], "flag": [True], "name": ["x"]})
    check_numeric_columns(frame, ["a"], "Scaler")
    with pytest.raises(DataError, match="Scaler: column 'b' is missing"):
        check_numeric_columns(frame, ["b"], "Scaler")
    with pytest.raises(DataError, match="Scaler: column 'flag' has dtype bool"):
        check_numeric_columns(frame, ["flag"], "Scaler")
    with pytest.raises(DataError, match="Scaler: column 'name' has dtype "):
        check_numeric_columns(frame, ["name"], "Scaler")


def test_as_float_cell():
    assert as_float_cell(3, "a", "Ewma") == 3.0
    assert np.isnan(as_float_cell(None, "a", "Ewma")) and np.isnan(as_float_cell(pd.NA, "a", "E"))
    for bad in ("1.0", b"1", True, np.bool_(False), object()):
        with pytest.raises(DataError, match="Ewma: column 'a' holds"):
            as_float_cell(bad, "a", "Ewma")


def test_check_is_fitted_raises_not_fitted_error_that_is_both_kinds():
    class Model:
        is_fitted = False

    with pytest.raises(NotFittedError, match=r"Model is not fitted; call fit\(y_train\) first"):
        check_is_fitted(Model(), "fit(y_train)")
    error = NotFittedError("x")
    assert isinstance(error, InputError) and isinstance(error, StateError)
    assert isinstance(error, ValueError) and isinstance(error, RuntimeError)
    assert isinstance(error, TslibError)
    Model.is_fitted = True
    check_is_fitted(Model())
    with pytest.raises(NotFittedError):
        check_is_fitted(object())  # no is_fitted attribute: not fitted
