"""Scalers checked against scikit-learn on a training frame with NaNs and outliers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import preprocessing

from tslib.preprocess import MinMaxScaler, RobustScaler, StandardScaler, run_steps
from tslib.preprocess.testing import make_test_frame

N_TRAIN = 36
PAIRS = [
    (StandardScaler(), preprocessing.StandardScaler()),
    (RobustScaler(), preprocessing.RobustScaler()),
    (
        RobustScaler(quantile_range=(10.0, 90.0)),
        preprocessing.RobustScaler(quantile_range=(10, 90)),
    ),
    (MinMaxScaler(), preprocessing.MinMaxScaler()),
    (MinMaxScaler(feature_range=(-1.0, 1.0)), preprocessing.MinMaxScaler(feature_range=(-1, 1))),
]


@pytest.mark.parametrize(
    "ours, theirs", PAIRS, ids=["standard", "robust", "robust-10-90", "minmax", "minmax-pm1"]
)
def test_scaler_matches_sklearn(ours, theirs):
    frame = make_test_frame("gappy")
    train = frame.iloc[:N_TRAIN]
    ours = ours.clone().fit(train)
    theirs.fit(train.to_numpy())  # sklearn ignores NaNs when fitting, keeps them in transform
    want = theirs.transform(frame.to_numpy())  # (T, 2)
    got = ours.transform(frame)
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run_steps(ours, frame).to_numpy(), want, rtol=1e-10, atol=1e-12)
    back = ours.inverse_transform(got)
    np.testing.assert_allclose(back.to_numpy(), theirs.inverse_transform(want), rtol=1e-10)
    np.testing.assert_allclose(back.to_numpy(), frame.to_numpy(), rtol=1e-10)


def test_standard_scaler_fitted_params_are_train_statistics():
    frame = make_test_frame("gappy")
    scaler = StandardScaler().fit(frame.iloc[:N_TRAIN])
    column = frame["a"].iloc[:N_TRAIN].dropna().to_numpy()
    assert scaler.center_["a"] == pytest.approx(column.mean())
    assert scaler.scale_["a"] == pytest.approx(column.std())
    assert scaler.center_["a"] != pytest.approx(frame["a"].mean())  # not the full frame


def test_constant_column_gets_unit_scale():
    frame = make_test_frame("gappy").assign(a=3.0)
    for scaler in (StandardScaler(), RobustScaler()):
        out = scaler.fit(frame).transform(frame)
        assert (out["a"] == 0.0).all()
    assert (MinMaxScaler().fit(frame).transform(frame)["a"] == 0.0).all()
