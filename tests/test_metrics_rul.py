"""RUL metrics against hand-computed NASA scores, and the due cycles of a RUL alarm."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.metrics import nasa_score, rul_rmse
from tslib.metrics.rul import alarm_due_positions


def test_nasa_score_hand_value_is_asymmetric():
    truth = [100.0, 50.0, 30.0]
    pred = [87.0, 60.0, 30.0]  # d = -13 (early), +10 (late), 0
    expected = (math.exp(1.0) - 1.0) + (math.exp(1.0) - 1.0) + 0.0
    assert nasa_score(truth, pred) == pytest.approx(expected)
    # the same absolute error costs more when late
    assert nasa_score([50.0], [60.0]) > nasa_score([50.0], [40.0])
    assert nasa_score([50.0], [40.0]) == pytest.approx(math.exp(10 / 13) - 1)


def test_rul_rmse_hand_value():
    assert rul_rmse([10.0, 20.0, 30.0], [13.0, 16.0, 30.0]) == pytest.approx(
        math.sqrt((9 + 16) / 3)
    )


def test_rul_metrics_reject_bad_input():
    with pytest.raises(InputError, match="shape mismatch"):
        nasa_score([1.0, 2.0], [1.0])
    with pytest.raises(InputError, match="rul_pred contains NaN"):
        rul_rmse([1.0], [np.nan])
    with pytest.raises(InputError, match="rul_true must have 1"):
        rul_rmse(np.ones((2, 2)), np.ones((2, 2)))


def test_alarm_due_positions_first_cycle_within_the_horizon_per_unit():
    index = pd.MultiIndex.from_tuples(
        [(7, 1), (7, 2), (7, 3), (7, 4), (3, 1), (3, 2), (5, 1)], names=["unit", "cycle"]
    )
    rul = pd.Series([40.0, 31.0, 30.0, 29.0, 90.0, 80.0, 12.0], index=index)
    due = alarm_due_positions(rul, 30)
    assert due.tolist() == [2.0, np.inf, 0.0]  # units in the order they appear
    assert alarm_due_positions(rul, 100).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InputError, match=r"\(unit, cycle\)"):
        alarm_due_positions(rul.reset_index(drop=True), 30)
    with pytest.raises(InputError, match="NaN"):
        alarm_due_positions(rul.where(rul < 85), 30)
