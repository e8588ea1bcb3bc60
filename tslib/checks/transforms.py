"""The step-transform contract suite: step equals transform, no look-ahead, train-only fit.

Every check takes a :class:`~tslib.checks.core.Case` whose ``fixture`` is a frame kind
of :func:`tslib.preprocess.testing.make_test_frame` (60 hourly rows with NaNs and
outliers). The transform is fitted on the first :data:`N_TRAIN` rows. A transform
handed in is checked through an unfitted clone of it, on the frame kind of its class's
first ``test_config()`` item.

Examples
--------
>>> from tslib.preprocess import TRANSFORM_REGISTRY
>>> for check in yield_transform_checks(TRANSFORM_REGISTRY["ewma"]):
...     if check.name == "no_look_ahead":
...         check()
>>> sorted({check.name for check in yield_transform_checks(TRANSFORM_REGISTRY["difference"])})[:3]
['bad_input_names_the_column', 'clone_is_unfitted', 'fit_uses_train_only']
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from tslib.base import clone_value
from tslib.checks.core import Case, Check, cases_of, check_params
from tslib.errors import DataError, StateError
from tslib.preprocess.base import StepTransform, run_steps
from tslib.preprocess.testing import make_test_frame

__all__ = ["TRANSFORM_CHECKS", "yield_transform_checks", "N_TRAIN", "assert_frames_close"]

#: Rows of the test frame the transform is fitted on.
N_TRAIN = 36
#: Rows after the training span that receive a non-finite value (an isolated row, a
#: run of two, and one row near the end).
NON_FINITE_ROWS = [38, 43, 44, 55]
NON_FINITE = {"nan": np.nan, "+inf": np.inf, "-inf": -np.inf}


# ----------------------------------------------------------------------- helpers
def build(case: Case) -> tuple[StepTransform, pd.DataFrame]:
    """A fresh, unfitted transform and its test frame."""
    if case.instance is not None:
        return case.instance.clone(), make_test_frame(case.fixture)
    return case.cls(**clone_value(case.params)), make_test_frame(case.fixture)


def fitted(case: Case) -> tuple[StepTransform, pd.DataFrame]:
    """Like :func:`build`, fitted on the first :data:`N_TRAIN` rows."""
    transform, frame = build(case)
    transform.fit(frame.iloc[:N_TRAIN])
    return transform, frame


def assert_frames_close(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns and index; values allclose 1e-9 with NaNs in the same places."""
    assert list(actual.columns) == list(expected.columns), (
        f"columns {list(actual.columns)} != {list(expected.columns)}"
    )
    assert actual.index.equals(expected.index), "the index differs"
    for column in expected.columns:
        got = actual[column].to_numpy(np.float64)
        want = expected[column].to_numpy(np.float64)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=column)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=column)


def expect_error(error: type[Exception], call: Callable[[], object], what: str) -> str:
    """Run ``call``; fail unless it raises ``error``. Returns the message."""
    try:
        call()
    except error as raised:
        return str(raised)
    raise AssertionError(f"{what}: no {error.__name__}")


def with_value(frame: pd.DataFrame, value: float, rows: list[int]) -> pd.DataFrame:
    """``frame`` with ``value`` written into every column at the given row positions."""
    altered = frame.copy()
    altered.iloc[rows, :] = value
    return altered


def outcome(run: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame | None, DataError | None]:
    """``(result, None)``, or ``(None, error)`` when ``run`` raised a DataError."""
    try:
        return run(), None
    except DataError as error:
        return None, error


def assert_same_outcome(transform: StepTransform, frame: pd.DataFrame) -> None:
    """Step and transform agree: the same frame, or a DataError from both naming a column."""
    expected, transform_error = outcome(lambda: transform.transform(frame))
    stepped, step_error = outcome(lambda: run_steps(transform, frame))
    assert (transform_error is None) == (step_error is None), (
        f"transform raised {transform_error!r} but step raised {step_error!r}"
    )
    if transform_error is None:
        assert_frames_close(stepped, expected)
        return
    for error in (transform_error, step_error):
        assert any(f"'{column}'" in str(error) for column in frame.columns), (
            f"the DataError does not name a column: {error}"
        )


# ------------------------------------------------------------------------ checks
def check_params_of_transform(case: Case) -> None:
    """Hyperparameters stored unchanged; ``type(t)(**t.get_params())`` rebuilds it."""
    check_params(lambda: build(case)[0], case)


def check_step_equals_transform(case: Case) -> None:
    """Iterating ``step`` from ``init_state()`` equals ``transform`` (1e-9, NaNs alike)."""
    transform, frame = fitted(case)
    expected = transform.transform(frame)
    assert not expected.equals(frame), "the test configuration should change the frame"
    assert_frames_close(run_steps(transform, frame), expected)


def check_step_leaves_state_alone(case: Case) -> None:
    """``step`` returns a new state and never mutates the one it was given."""
    transform, frame = fitted(case)
    state = transform.init_state()
    for _, row in frame.iloc[:20].iterrows():
        _, state = transform.step(row, state)
    before = repr(state)
    row = frame.iloc[20]
    first, _ = transform.step(row, state)
    second, _ = transform.step(row, state)
    assert repr(state) == before, "step mutated the state it was given"
    pd.testing.assert_series_equal(first, second)


def check_no_look_ahead(case: Case) -> None:
    """``transform(frame[:t])`` equals ``transform(frame)[:t]`` for every cut tested."""
    transform, frame = fitted(case)
    full = transform.transform(frame)
    for stop in (1, 2, 5, 13, 24, 37, 50, len(frame) - 1):
        try:
            assert_frames_close(transform.transform(frame.iloc[:stop]), full.iloc[:stop])
        except AssertionError as error:
            raise AssertionError(f"rows before {stop} depend on later rows: {error}") from None


def check_fit_uses_train_only(case: Case) -> None:
    """``transform`` changes no fitted parameter; refitting reads only the training rows."""
    transform, frame = fitted(case)
    before = repr(transform.fitted_params())
    reference = transform.transform(frame)
    altered = frame.copy()
    altered.iloc[N_TRAIN:] = altered.iloc[N_TRAIN:] * 7.0 + 100.0  # stays positive
    out = transform.transform(altered)
    assert repr(transform.fitted_params()) == before, "transform changed fitted parameters"
    assert_frames_close(out.iloc[:N_TRAIN], reference.iloc[:N_TRAIN])
    refit = transform.clone().fit(altered.iloc[:N_TRAIN])
    assert repr(refit.fitted_params()) == before, "fit read rows after the training span"


def check_clone_is_unfitted(case: Case) -> None:
    """``clone()`` is unfitted, has the same repr, and fitting it leaves the original alone."""
    transform, frame = fitted(case)
    before = repr(transform.fitted_params())
    clone = transform.clone()
    assert repr(clone) == repr(transform), f"{clone!r} != {transform!r}"
    assert not clone.is_fitted, "clone() kept the fitted state"
    message = expect_error(StateError, lambda: clone.transform(frame), "transform on the clone")
    assert "not fitted" in message, message
    clone.fit(frame.iloc[N_TRAIN:] * 3.0 + 1.0)
    assert repr(transform.fitted_params()) == before, "fitting the clone changed the original"


def check_unfitted_use_raises(case: Case) -> None:
    """``transform``, ``init_state`` and ``step`` before ``fit`` raise StateError."""
    transform, frame = build(case)
    calls = {
        "transform": lambda: transform.transform(frame),
        "init_state": transform.init_state,
        "step": lambda: transform.step(frame.iloc[0], {}),
    }
    for what, call in calls.items():
        message = expect_error(StateError, call, f"unfitted {what}")
        assert "not fitted" in message, message


def check_bad_input_names_the_column(case: Case) -> None:
    """A missing or non-numeric column raises a DataError that names it."""
    transform, frame = build(case)
    if not case.cls.reads_columns:
        message = expect_error(
            DataError, lambda: transform.fit(frame.reset_index(drop=True)), "a RangeIndex"
        )
        assert "DatetimeIndex" in message, message
        return
    transform.fit(frame.iloc[:N_TRAIN])
    column = transform.columns_[0]
    quoted = f"'{column}'"
    as_text = frame.assign(**{column: frame[column].astype(str)})
    calls = {
        "transform without the column": lambda: transform.transform(frame.drop(columns=column)),
        "step without the column": lambda: transform.step(
            frame.drop(columns=column).iloc[0], transform.init_state()
        ),
        "fit on text": lambda: transform.clone().fit(as_text.iloc[:N_TRAIN]),
        "transform of text": lambda: transform.transform(as_text),
        "step on text": lambda: transform.step(as_text.iloc[5], transform.init_state()),
    }
    for what, call in calls.items():
        message = expect_error(DataError, call, what)
        assert quoted in message, f"{what}: the message does not name {quoted}: {message}"


def check_non_finite_input(case: Case) -> None:
    """NaN and +-inf after the training span: identical outputs, or one DataError in both."""
    transform, frame = fitted(case)
    for kind, value in NON_FINITE.items():
        try:
            assert_same_outcome(transform, with_value(frame, value, NON_FINITE_ROWS))
        except AssertionError as error:
            raise AssertionError(f"with {kind} input: {error}") from None


def check_non_finite_training_data(case: Case) -> None:
    """Non-finite training values are rejected with a DataError or fitted consistently."""
    for kind, value in NON_FINITE.items():
        transform, frame = build(case)
        altered = with_value(frame, value, [5, 6, 20])
        _, error = outcome(lambda: transform.fit(altered.iloc[:N_TRAIN]))  # noqa: B023
        if error is not None:
            assert any(f"'{column}'" in str(error) for column in frame.columns), (
                f"with {kind} training data the DataError names no column: {error}"
            )
            continue
        for fitted_value in transform.fitted_params().values():
            if isinstance(fitted_value, dict):
                numbers = [v for v in fitted_value.values() if isinstance(v, float)]
                assert not any(np.isinf(numbers)), f"fitted an infinite parameter: {fitted_value}"
        try:
            assert_same_outcome(transform, altered)
        except AssertionError as failure:
            raise AssertionError(f"with {kind} training data: {failure}") from None


def check_zero_rows(case: Case) -> None:
    """An empty frame (with the fitted columns) transforms to an empty frame, step alike."""
    transform, frame = fitted(case)
    empty = frame.iloc[:0]
    out = transform.transform(empty)
    assert len(out) == 0, f"{len(out)} rows out of an empty frame"
    assert list(run_steps(transform, empty).columns) == list(out.columns)


def check_pickle_round_trip(case: Case) -> None:
    """A pickled fitted transform gives the same frame and the same stepped rows."""
    transform, frame = fitted(case)
    restored = pickle.loads(pickle.dumps(transform))
    assert repr(restored) == repr(transform)
    assert_frames_close(restored.transform(frame), transform.transform(frame))
    assert_frames_close(run_steps(restored, frame.iloc[:24]), transform.transform(frame.iloc[:24]))


def check_unfitted_inverse_raises(case: Case) -> None:
    """``inverse_column`` raises StateError before ``fit`` and for an unknown column."""
    transform, frame = build(case)
    message = expect_error(
        StateError,
        lambda: transform.inverse_column(np.ones(3), "a", last=np.ones(30)),
        "unfitted inverse_column",
    )
    assert "not fitted" in message, message
    transform.fit(frame.iloc[:N_TRAIN])
    message = expect_error(
        StateError,
        lambda: transform.inverse_column(np.ones(3), "zzz", last=np.ones(30)),
        "inverse_column of an unknown column",
    )
    assert "'zzz'" in message, message


#: name -> check, in the order they run.
TRANSFORM_CHECKS = {
    "params": check_params_of_transform,
    "step_equals_transform": check_step_equals_transform,
    "step_leaves_state_alone": check_step_leaves_state_alone,
    "no_look_ahead": check_no_look_ahead,
    "fit_uses_train_only": check_fit_uses_train_only,
    "clone_is_unfitted": check_clone_is_unfitted,
    "unfitted_use_raises": check_unfitted_use_raises,
    "bad_input_names_the_column": check_bad_input_names_the_column,
    "non_finite_input": check_non_finite_input,
    "non_finite_training_data": check_non_finite_training_data,
    "zero_rows": check_zero_rows,
    "pickle_round_trip": check_pickle_round_trip,
    "unfitted_inverse_raises": check_unfitted_inverse_raises,
}


def _default_frame(cls: type[StepTransform]) -> str:
    configs = cls.test_config()
    return configs[0]["frame"] if configs else "gappy"


def yield_transform_checks(
    transform_or_class: StepTransform | type[StepTransform],
) -> Iterator[Check]:
    """Every transform check for each case: each ``test_config()`` item, or the transform given."""
    cases = cases_of(
        transform_or_class,
        StepTransform,
        "a transform",
        read=lambda cls, item: (dict(item["params"]), item["frame"]),
        default_fixture=_default_frame,
    )
    for case in cases:
        for name, function in TRANSFORM_CHECKS.items():
            if name == "unfitted_inverse_raises" and not case.cls.invertible:
                continue
            yield Check(name, case, function)
