"""Split-conformal intervals: the textbook quantile, unit weighting, coverage, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tslib.calibration import SplitConformal, conformal_quantile
from tslib.errors import InputError, NotFittedError


def test_quantile_is_the_ceil_n_plus_one_order_statistic():
    scores = np.arange(1.0, 20.0)  # n = 19
    for alpha in (0.1, 0.2, 0.5):
        rank = math.ceil((19 + 1) * (1 - alpha))  # 1-based
        assert conformal_quantile(scores[::-1], alpha) == scores[rank - 1]
    assert conformal_quantile(scores[:5], 0.1) == math.inf  # 5 points cannot give 90 %


def test_groups_weigh_every_unit_once():
    # unit "a" has many small scores, "b" and "c" one large each: without groups
    # "a" dominates; with groups the three units count equally
    scores = np.r_[np.full(97, 0.1), 5.0, 6.0]
    groups = np.array(["a"] * 97 + ["b", "c"])
    assert conformal_quantile(scores, 0.5) == pytest.approx(0.1)
    assert conformal_quantile(scores, 0.5, groups) == 5.0  # ceil(4 * 0.5) = 2nd of 0.1, 5, 6
    # one score per unit: groups change nothing
    values = np.random.default_rng(0).exponential(size=30)
    assert conformal_quantile(values, 0.1, np.arange(30)) == conformal_quantile(values, 0.1)


def test_coverage_on_new_units_reaches_the_level():
    rng = np.random.default_rng(1)
    covered = []
    for _ in range(300):
        offsets = rng.normal(0.0, 2.0, 41)  # one error level per unit (correlated cycles)
        lengths = rng.integers(5, 30, 41)
        errors = [offset + rng.normal(0.0, 0.5, n) for offset, n in zip(offsets, lengths)]
        groups = np.repeat(np.arange(40), lengths[:40])
        residuals = np.concatenate(errors[:40])
        conformal = SplitConformal(alpha=0.1).fit(residuals, np.zeros_like(residuals), groups)
        lower, upper = conformal.interval(np.zeros(1))
        test_error = rng.choice(errors[40])  # a random cycle of a new unit
        covered.append(lower[0] <= test_error <= upper[0])
    assert 0.86 <= np.mean(covered) <= 0.97


def test_scaled_scores_give_proportional_widths():
    truth, pred, scale = np.array([1.0, 4.0, 9.0]), np.zeros(3), np.array([1.0, 2.0, 3.0])
    conformal = SplitConformal(alpha=0.5).fit(truth, pred, scale=scale)
    assert conformal.quantile_ == 2.0  # scores 1, 2, 3
    lower, upper = conformal.interval([0.0, 10.0], scale=[1.0, 4.0])
    np.testing.assert_allclose(lower, [-2.0, 2.0])
    np.testing.assert_allclose(upper, [2.0, 18.0])


def test_errors_name_the_problem():
    with pytest.raises(NotFittedError):
        SplitConformal().interval([1.0])
    with pytest.raises(InputError, match="alpha"):
        SplitConformal(alpha=1.5).fit([1.0], [1.0])
    with pytest.raises(InputError, match="y_pred"):
        SplitConformal().fit([1.0, 2.0], [1.0])
    with pytest.raises(InputError, match="groups"):
        SplitConformal().fit([1.0, 2.0], [1.0, 2.0], groups=[1])
    with pytest.raises(InputError, match="scale"):
        SplitConformal().fit([1.0, 2.0], [1.0, 2.0], scale=[1.0, -1.0])
    with pytest.raises(InputError, match="NaN"):
        SplitConformal().fit([np.nan], [1.0])
