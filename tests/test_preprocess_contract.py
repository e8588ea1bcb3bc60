"""Contract tests run over every registered step transform (pipelines included)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, StateError
from tslib.preprocess import TRANSFORM_REGISTRY, run_steps
from tslib.preprocess.testing import make_test_frame

N_TRAIN = 36
CASES = [
    pytest.param(name, config, id=f"{name}-{i}")
    for name, cls in sorted(TRANSFORM_REGISTRY.items())
    for i, config in enumerate(cls.test_config())
]


def build(name: str, config: dict):
    """A fresh transform and its test frame (60 hourly rows, NaNs and outliers)."""
    transform = TRANSFORM_REGISTRY[name](**config["params"])
    return transform, make_test_frame(config["frame"])


def assert_frames_close(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns and index; values allclose 1e-9 with NaNs in the same places."""
    assert list(actual.columns) == list(expected.columns)
    assert actual.index.equals(expected.index)
    for column in expected.columns:
        got = actual[column].to_numpy(np.float64)
        want = expected[column].to_numpy(np.float64)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=column)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=column)


def test_registry_holds_every_family():
    expected = {
        "forward_fill", "past_mean_fill", "ewma_fill", "train_value_fill", "hampel",
        "iqr_clip", "ewma", "rolling_median", "standard_scaler", "robust_scaler",
        "minmax_scaler", "difference", "log_return", "calendar", "pipeline",
    }  # fmt: skip
    assert expected <= set(TRANSFORM_REGISTRY)


@pytest.mark.parametrize("name, config", CASES)
def test_step_equals_transform(name, config):
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    expected = transform.transform(frame)
    assert not expected.equals(frame), "the test configuration should change the frame"
    assert_frames_close(run_steps(transform, frame), expected)


@pytest.mark.parametrize("name, config", CASES)
def test_step_leaves_its_input_state_alone(name, config):
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    state = transform.init_state()
    for _, row in frame.iloc[:20].iterrows():
        _, state = transform.step(row, state)
    before = repr(state)
    row = frame.iloc[20]
    first, _ = transform.step(row, state)
    second, _ = transform.step(row, state)
    assert repr(state) == before
    pd.testing.assert_series_equal(first, second)


@pytest.mark.parametrize("name, config", CASES)
def test_no_look_ahead(name, config):
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    full = transform.transform(frame)
    for stop in (1, 2, 5, 13, 24, 37, 50, len(frame) - 1):
        assert_frames_close(transform.transform(frame.iloc[:stop]), full.iloc[:stop])


@pytest.mark.parametrize("name, config", CASES)
def test_fit_uses_train_only(name, config):
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    fitted = repr(transform.fitted_params())
    reference = transform.transform(frame)
    altered = frame.copy()
    altered.iloc[N_TRAIN:] = altered.iloc[N_TRAIN:] * 7.0 + 100.0  # stays positive
    out = transform.transform(altered)
    assert repr(transform.fitted_params()) == fitted, "transform changed fitted parameters"
    assert_frames_close(out.iloc[:N_TRAIN], reference.iloc[:N_TRAIN])
    refit = transform.clone().fit(altered.iloc[:N_TRAIN])
    assert repr(refit.fitted_params()) == fitted


@pytest.mark.parametrize("name, config", CASES)
def test_clone_is_unfitted_and_independent(name, config):
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    fitted = repr(transform.fitted_params())
    clone = transform.clone()
    assert repr(clone) == repr(transform)
    assert not clone.is_fitted
    with pytest.raises(StateError, match="not fitted"):
        clone.transform(frame)
    clone.fit(frame.iloc[N_TRAIN:] * 3.0 + 1.0)
    assert repr(transform.fitted_params()) == fitted, "fitting the clone changed the original"


@pytest.mark.parametrize("name, config", CASES)
def test_unfitted_use_raises_state_error(name, config):
    transform, frame = build(name, config)
    with pytest.raises(StateError, match="not fitted"):
        transform.transform(frame)
    with pytest.raises(StateError, match="not fitted"):
        transform.init_state()
    with pytest.raises(StateError, match="not fitted"):
        transform.step(frame.iloc[0], {})


@pytest.mark.parametrize("name, config", CASES)
def test_bad_input_names_the_column(name, config):
    transform, frame = build(name, config)
    if not TRANSFORM_REGISTRY[name].reads_columns:
        with pytest.raises(DataError, match="DatetimeIndex"):
            transform.fit(frame.reset_index(drop=True))
        return
    transform.fit(frame.iloc[:N_TRAIN])
    column = transform.columns_[0]
    quoted = f"'{column}'"
    with pytest.raises(DataError, match=quoted):
        transform.transform(frame.drop(columns=column))
    with pytest.raises(DataError, match=quoted):
        transform.step(frame.drop(columns=column).iloc[0], transform.init_state())
    as_text = frame.assign(**{column: frame[column].astype(str)})
    with pytest.raises(DataError, match=quoted):
        transform.clone().fit(as_text.iloc[:N_TRAIN])
    with pytest.raises(DataError, match=quoted):
        transform.transform(as_text)
    with pytest.raises(DataError, match=quoted):
        transform.step(as_text.iloc[5], transform.init_state())


# ------------------------------------------------------------ non-finite inputs
#: Rows after the training span that receive the non-finite value (an isolated row,
#: a run of two, and one row near the end).
NON_FINITE_ROWS = [38, 43, 44, 55]
NON_FINITE = {"nan": np.nan, "+inf": np.inf, "-inf": -np.inf}


def with_value(frame: pd.DataFrame, value: float, rows: list[int]) -> pd.DataFrame:
    """``frame`` with ``value`` written into every column at the given row positions."""
    altered = frame.copy()
    altered.iloc[rows, :] = value
    return altered


def outcome(run):
    """``(result, None)``, or ``(None, error)`` when ``run`` raised a DataError."""
    try:
        return run(), None
    except DataError as error:
        return None, error


def assert_same_outcome(transform, frame: pd.DataFrame) -> None:
    """Step and transform agree: the same frame, or a DataError from both naming a column."""
    expected, transform_error = outcome(lambda: transform.transform(frame))
    stepped, step_error = outcome(lambda: run_steps(transform, frame))
    assert (transform_error is None) == (step_error is None), (transform_error, step_error)
    if transform_error is None:
        assert_frames_close(stepped, expected)
        return
    for error in (transform_error, step_error):
        assert any(f"'{column}'" in str(error) for column in frame.columns), error


@pytest.mark.parametrize("kind", list(NON_FINITE))
@pytest.mark.parametrize("name, config", CASES)
def test_step_equals_transform_on_non_finite_input(name, config, kind):
    """NaN and +-inf after the training span: identical outputs, or one DataError in both."""
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    assert_same_outcome(transform, with_value(frame, NON_FINITE[kind], NON_FINITE_ROWS))


@pytest.mark.parametrize("kind", list(NON_FINITE))
@pytest.mark.parametrize("name, config", CASES)
def test_non_finite_training_data_fits_or_raises_a_data_error(name, config, kind):
    """Non-finite training values are either rejected with DataError or fitted consistently."""
    transform, frame = build(name, config)
    altered = with_value(frame, NON_FINITE[kind], [5, 6, 20])
    _, error = outcome(lambda: transform.fit(altered.iloc[:N_TRAIN]))
    if error is not None:
        assert any(f"'{column}'" in str(error) for column in frame.columns), error
        return
    for value in transform.fitted_params().values():
        if isinstance(value, dict):
            numbers = [v for v in value.values() if isinstance(v, float)]
            assert not any(np.isinf(numbers)), f"fitted an infinite parameter: {value}"
    assert_same_outcome(transform, altered)


@pytest.mark.parametrize("name, config", CASES)
def test_zero_rows(name, config):
    """An empty frame (with the fitted columns) transforms to an empty frame."""
    transform, frame = build(name, config)
    transform.fit(frame.iloc[:N_TRAIN])
    empty = frame.iloc[:0]
    out = transform.transform(empty)
    assert len(out) == 0
    assert list(run_steps(transform, empty).columns) == list(out.columns)


INVERTIBLE = [case for case in CASES if TRANSFORM_REGISTRY[case.values[0]].invertible]


@pytest.mark.parametrize("name, config", INVERTIBLE)
def test_unfitted_inverse_raises_state_error(name, config):
    """``inverse_column`` follows the rule of every other method: no use before ``fit``."""
    transform, frame = build(name, config)
    with pytest.raises(StateError, match="not fitted"):
        transform.inverse_column(np.ones(3), "a", last=np.ones(30))
    transform.fit(frame.iloc[:N_TRAIN])
    with pytest.raises(StateError, match="'zzz'"):
        transform.inverse_column(np.ones(3), "zzz", last=np.ones(30))
