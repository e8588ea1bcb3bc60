"""OperatingConditionScaler / count_operating_conditions: conditions found on training units only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tslib.datasets as tds
from tslib.datasets.cmapss import SENSORS
from tslib.errors import DataError, InputError
from tslib.preprocess.base import run_steps
from tslib.preprocess.operating_conditions import (
    OperatingConditionScaler,
    count_operating_conditions,
)


@pytest.mark.parametrize("n_regimes", [1, 3, 6])
def test_the_number_of_conditions_is_found(n_regimes):
    frame = tds.load("equipment_sim", n_units=8, n_regimes=n_regimes, seed=2).frame
    assert count_operating_conditions(frame) == n_regimes


def test_conditions_match_the_simulated_regimes_and_remove_their_levels():
    ds = tds.load("equipment_sim", n_units=10, n_regimes=6, seed=3)
    scaler = OperatingConditionScaler(SENSORS).fit(ds.frame)
    out = scaler.transform(ds.frame)
    table = pd.crosstab(out["op_condition"], ds.truth["regime"])
    assert scaler.n_conditions_ == 6
    assert ((table > 0).sum(axis=1) == 1).all()  # one regime per condition, and vice versa
    assert ((table > 0).sum(axis=0) == 1).all()
    # sensors constant within a regime become 0 (up to rounding); the others are standardised
    assert out["sensor_1"].abs().max() < 1e-9
    for _, part in out.groupby("op_condition"):
        assert part["sensor_2"].mean() == pytest.approx(0.0, abs=1e-9)
        assert part["sensor_2"].std(ddof=0) == pytest.approx(1.0)
    assert out["op_setting_1"].equals(ds.frame["op_setting_1"])  # settings pass through


def test_step_equals_transform_and_there_is_no_look_ahead():
    frame = tds.load("equipment_sim", n_units=4, n_regimes=3, seed=4).frame
    scaler = OperatingConditionScaler(SENSORS[:5], n_conditions=3).fit(frame)
    part = frame.loc[[2]].iloc[:40]
    whole = scaler.transform(part)
    stepped = run_steps(scaler, part)
    columns = SENSORS[:5] + ["op_condition"]
    np.testing.assert_allclose(
        stepped[columns].to_numpy(float), whole[columns].to_numpy(float), atol=1e-12
    )
    head = scaler.transform(part.iloc[:10])
    np.testing.assert_allclose(head[columns].to_numpy(), whole[columns].to_numpy()[:10])


def test_fitted_on_train_only_and_numbering_is_stable():
    frame = tds.load("equipment_sim", n_units=6, n_regimes=3, seed=5).frame
    train = frame.loc[[1, 2, 3]]
    first = OperatingConditionScaler(SENSORS, seed=0).fit(train)
    second = OperatingConditionScaler(SENSORS, seed=7).fit(train)
    np.testing.assert_allclose(first.centers_, second.centers_)
    np.testing.assert_allclose(first.mean_, second.mean_)
    shifted = frame.copy()
    shifted.loc[[4, 5, 6], "sensor_2"] += 1e6  # later units do not move the fitted statistics
    again = OperatingConditionScaler(SENSORS).fit(shifted.loc[[1, 2, 3]])
    np.testing.assert_allclose(again.mean_, first.mean_)


def test_missing_settings_give_nan_and_errors_name_the_problem():
    frame = tds.load("equipment_sim", n_units=3, n_regimes=2, seed=6).frame
    scaler = OperatingConditionScaler(SENSORS, n_conditions=2).fit(frame)
    gappy = frame.iloc[:5].copy()
    gappy.iloc[2, gappy.columns.get_loc("op_setting_2")] = np.nan
    out = scaler.transform(gappy)
    assert np.isnan(out["sensor_2"].iloc[2]) and np.isnan(out["op_condition"].iloc[2])
    assert not np.isnan(out["sensor_2"].iloc[3])
    with pytest.raises(DataError, match="sensor_99"):
        OperatingConditionScaler(["sensor_99"]).fit(frame)
    with pytest.raises(InputError, match="disjoint"):
        OperatingConditionScaler(["op_setting_1"]).fit(frame)
    with pytest.raises(InputError, match="n_conditions"):
        OperatingConditionScaler(SENSORS, n_conditions=0).fit(frame)
    one = frame.assign(op_setting_1=0.0, op_setting_2=0.0, op_setting_3=100.0)
    with pytest.raises(DataError, match="distinct"):
        OperatingConditionScaler(SENSORS, n_conditions=2).fit(one)
