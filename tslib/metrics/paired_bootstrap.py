r"""Is model A better than model B on the same cases? A paired bootstrap interval.

Two models scored on the same cases (users, units, days) give paired per-case
values :math:`a_i, b_i`. Resampling the *cases* with replacement, the same cases
for both models, and recomputing a comparison statistic each time gives its
percentile confidence interval (Efron & Tibshirani, 1993, ch. 13) without assuming
anything about the distribution of the values. Two statistics:

* ``"relative_gain"``: :math:`\bar a / \bar b - 1` (a higher-is-better metric such as
  HR@10: +0.1 means A is 10 % above B);
* ``"difference"``: :math:`\bar a - \bar b`;
* any ``f(a, b, axis) -> array`` vectorised over resamples (an RMSE difference of two
  error arrays, say).

Examples
--------
>>> a = np.array([3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
>>> b = np.array([2.0, 2.0, 4.0, 5.0, 5.0, 6.0])
>>> result = paired_bootstrap(a, b, n_resamples=200, seed=0)
>>> result["mean_a"], result["mean_b"], result["estimate"], result["excludes_zero"]
(5.5, 4.0, 0.375, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import stats

from tslib.errors import InputError
from tslib.validation import check_one_of, check_positive_int

__all__ = ["STATISTICS", "relative_gain", "mean_difference", "paired_bootstrap"]


def relative_gain(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """``mean(a) / mean(b) - 1`` along ``axis`` (vectorised over resamples)."""
    return np.mean(a, axis=axis) / np.mean(b, axis=axis) - 1.0


def mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """``mean(a) - mean(b)`` along ``axis`` (vectorised over resamples)."""
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


#: Comparison statistics by name.
STATISTICS = {"relative_gain": relative_gain, "difference": mean_difference}


def paired_bootstrap(
    a: object,
    b: object,
    *,
    statistic: str | Callable[..., np.ndarray] = "relative_gain",
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """Point estimate and paired percentile-bootstrap interval of a comparison of A and B.

    Parameters
    ----------
    a, b : array_like
        (n,) per-case values of models A and B, aligned case by case.
    statistic : {"relative_gain", "difference"} or callable
        What is compared (see the module docstring); a callable takes ``(a, b, axis)``.
    n_resamples : int
        Bootstrap resamples of the cases.
    confidence : float
        Level of the interval, in (0, 1).
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        ``mean_a``, ``mean_b``, ``estimate`` (the statistic on all cases; NaN for a
        relative gain over a zero mean), ``ci_low``, ``ci_high`` (NaN when the
        estimate is, or when every value of both models is constant: no
        resampling can move it), and ``excludes_zero`` (the interval lies
        entirely above or below 0).

    Raises
    ------
    InputError
        ``a`` and ``b`` are not 1-D of one length with at least two finite cases, or
        an option is out of range.
    """
    if not callable(statistic):
        check_one_of(statistic, tuple(STATISTICS), "statistic")
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    if not 0.0 < confidence < 1.0:
        raise InputError(f"paired_bootstrap: confidence must lie in (0, 1), got {confidence!r}")
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise InputError(
            f"paired_bootstrap: a and b must be 1-D of one length >= 2, got {x.shape} and {y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("paired_bootstrap: a and b must be finite")
    function = statistic if callable(statistic) else STATISTICS[statistic]
    result = {"mean_a": float(x.mean()), "mean_b": float(y.mean())}
    defined = not (statistic == "relative_gain" and y.mean() == 0)
    result["estimate"] = float(function(x, y)) if defined else math.nan
    low = high = math.nan
    if defined and not (np.all(x == x[0]) and np.all(y == y[0])):
        boot = stats.bootstrap(
            (x, y),
            function,
            paired=True,
            vectorized=True,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="percentile",
            random_state=seed,
        )
        low, high = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
    result.update(ci_low=low, ci_high=high, excludes_zero=bool(low > 0 or high < 0))
    return result
