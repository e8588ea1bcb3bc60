"""RUL metrics against hand-computed NASA scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tslib.errors import InputError
from tslib.metrics import nasa_score, rul_rmse


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
