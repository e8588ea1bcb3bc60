"""Pipeline: fitting order, and inverse_target back to original units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError, StateError
from tslib.preprocess import (
    Difference,
    EWMASmoother,
    ForwardFill,
    LogReturn,
    Pipeline,
    RobustScaler,
    StandardScaler,
)
from tslib.preprocess.testing import make_test_frame

N_TRAIN = 36


def test_later_steps_are_fitted_on_transformed_train():
    frame = make_test_frame("gappy")
    pipe = Pipeline([("diff", Difference()), ("scale", StandardScaler())]).fit(frame.iloc[:N_TRAIN])
    diffs = np.diff(frame["a"].iloc[:N_TRAIN].to_numpy())  # NaN next to each gap
    scaler = pipe.steps[1][1]
    assert scaler.center_["a"] == pytest.approx(np.nanmean(diffs))
    assert scaler.scale_["a"] == pytest.approx(np.nanstd(diffs))


def test_inverse_target_undoes_scaling_and_differencing():
    frame = make_test_frame("gappy")
    pipe = Pipeline(
        [("fill", ForwardFill()), ("diff", Difference(lag=2)), ("scale", StandardScaler())],
        target="a",
    ).fit(frame.iloc[:N_TRAIN])
    transformed = pipe.transform(frame)["a"].to_numpy()
    origin, horizon = 50, 8  # rows 48-57 of "a" are observed, so filling is the identity
    levels = pipe.inverse_target(
        transformed[origin : origin + horizon], history=frame.iloc[:origin]
    )
    np.testing.assert_allclose(levels, frame["a"].iloc[origin : origin + horizon], rtol=1e-10)
    with pytest.raises(InputError, match="'a'"):
        pipe.inverse_target(transformed[origin : origin + horizon])  # no history: no levels


def test_inverse_target_multi_target_with_sample_dim():
    frame = make_test_frame("positive")
    pipe = Pipeline([("ret", LogReturn()), ("scale", RobustScaler())], target=["b", "a"])
    pipe.fit(frame.iloc[:N_TRAIN])
    origin, horizon = 52, 5
    transformed = pipe.transform(frame)[["b", "a"]].to_numpy()[origin : origin + horizon]  # (H, 2)
    samples = np.stack([transformed] * 3)  # (S, H, 2)
    levels = pipe.inverse_target(samples, history=frame.iloc[:origin])
    want = frame[["b", "a"]].to_numpy()[origin : origin + horizon]
    assert levels.shape == (3, horizon, 2)
    for sample in levels:
        np.testing.assert_allclose(sample, want, rtol=1e-10)


def test_inverse_target_skips_unit_preserving_steps_and_recurses_into_pipelines():
    frame = make_test_frame("gappy")
    inner = Pipeline([("diff", Difference()), ("scale", StandardScaler())])
    pipe = Pipeline([("smooth", EWMASmoother(alpha=0.5)), ("inner", inner)], target="b")
    pipe.fit(frame.iloc[:N_TRAIN])
    smoothed = EWMASmoother(alpha=0.5).fit(frame).transform(frame)["b"]
    transformed = pipe.transform(frame)["b"].to_numpy()
    levels = pipe.inverse_target(transformed[52:56], history=frame.iloc[:52])
    np.testing.assert_allclose(levels, smoothed.iloc[52:56], rtol=1e-10)  # smoothed units


def test_pipeline_bad_construction_and_use():
    with pytest.raises(InputError, match="unique"):
        Pipeline([("x", ForwardFill()), ("x", ForwardFill())])
    with pytest.raises(InputError, match="'oops'"):
        Pipeline([("oops", "not a transform")])
    frame = make_test_frame("gappy")
    pipe = Pipeline([("fill", ForwardFill())]).fit(frame)
    with pytest.raises(StateError, match="target"):
        pipe.inverse_target(np.zeros(3))


def test_pipeline_step_output_is_a_series_named_by_timestamp():
    frame = make_test_frame("gappy")
    pipe = Pipeline([("fill", ForwardFill()), ("scale", StandardScaler())]).fit(frame)
    out, _ = pipe.step(frame.iloc[4], pipe.init_state())
    assert isinstance(out, pd.Series) and out.name == frame.index[4]
    assert out["a"] == pytest.approx(pipe.transform(frame.iloc[:5])["a"].iloc[4])
