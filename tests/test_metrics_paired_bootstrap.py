"""Paired bootstrap interval of a relative gain or a difference between two models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tslib.errors import InputError
from tslib.metrics.paired_bootstrap import paired_bootstrap, relative_gain


def test_matches_scipys_paired_percentile_bootstrap():
    rng = np.random.default_rng(0)
    a, b = rng.random(300), rng.random(300) * 0.8
    result = paired_bootstrap(a, b, n_resamples=500, seed=4)
    boot = stats.bootstrap((a, b), relative_gain, paired=True, vectorized=True, n_resamples=500,
                           method="percentile", random_state=4)  # fmt: skip
    assert result["estimate"] == a.mean() / b.mean() - 1
    assert result["ci_low"] == boot.confidence_interval.low
    assert result["ci_high"] == boot.confidence_interval.high
    assert result["ci_low"] < result["estimate"] < result["ci_high"]
    assert result["excludes_zero"] and result["mean_a"] == a.mean()


def test_pairing_narrows_the_interval_of_a_difference():
    rng = np.random.default_rng(1)
    shared = rng.normal(size=400) * 5  # a large per-case effect both models share
    a, b = shared + 0.3 + rng.normal(size=400) * 0.1, shared
    paired = paired_bootstrap(a, b, statistic="difference", n_resamples=400)
    assert paired["estimate"] == pytest.approx(a.mean() - b.mean())
    assert paired["ci_high"] - paired["ci_low"] < 0.1 and paired["excludes_zero"]
    noise = paired_bootstrap(b + rng.normal(size=400) * 0.01, b, statistic="difference")
    assert not noise["excludes_zero"] or abs(noise["estimate"]) < 0.01


def test_degenerate_inputs_give_nan_not_an_error():
    zero = paired_bootstrap([1.0, 0.0], [0.0, 0.0])
    assert math.isnan(zero["estimate"]) and math.isnan(zero["ci_low"]) and not zero["excludes_zero"]
    constant = paired_bootstrap([1.0, 1.0, 1.0], [0.5, 0.5, 0.5])
    assert constant["estimate"] == 1.0 and math.isnan(constant["ci_high"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"a": [1.0], "b": [1.0]}, "one length >= 2"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0, 3.0]}, "one length"),
        ({"a": [1.0, np.nan], "b": [1.0, 2.0]}, "finite"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0], "statistic": "ratio"}, "statistic"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0], "confidence": 1.0}, "confidence"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0], "n_resamples": 0}, "n_resamples"),
    ],
)
def test_bad_inputs_are_named(kwargs, match):
    with pytest.raises(InputError, match=match):
        paired_bootstrap(**kwargs)


def test_a_callable_statistic_is_bootstrapped_as_given():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=100), rng.normal(size=100) * 2

    def rmse_difference(x, y, axis=-1):
        return np.sqrt(np.mean(x**2, axis=axis)) - np.sqrt(np.mean(y**2, axis=axis))

    result = paired_bootstrap(a, b, statistic=rmse_difference, n_resamples=300)
    assert result["estimate"] == rmse_difference(a, b)
    assert result["ci_high"] < 0 and result["excludes_zero"]
