r"""Split-conformal prediction intervals, with calibration scores grouped by unit.

Split conformal prediction (Vovk et al., 2005; Lei et al., 2018) turns any point
predictor into an interval :math:`\hat y \pm \hat q\,s` with a distribution-free
coverage guarantee: on calibration data the model never trained on, compute the
scores :math:`S_i = |y_i - \hat y_i| / s_i` (``s`` an optional positive scale),
and take :math:`\hat q` as their :math:`\lceil (n+1)(1-\alpha) \rceil`-th
smallest value. For a new exchangeable point, :math:`P(|y - \hat y| \le \hat q s) \ge 1-\alpha`.

Run-to-failure data breaks exchangeability between the *cycles* of one engine
(their errors are strongly correlated), but engines are exchangeable with each
other. Given ``groups`` (one unit id per score), every unit gets total weight 1,
spread evenly over its scores, and

.. math::
    \hat q = \inf\Bigl\{s : \frac{1}{n+1} \sum_{g=1}^{n} \hat F_g(s) \ge 1 - \alpha\Bigr\},

with :math:`n` the number of units and :math:`\hat F_g` the empirical CDF of unit
:math:`g`'s scores (the remaining mass :math:`1/(n+1)` sits at :math:`+\infty`).
With one score per unit this is exactly the split-conformal quantile, whose
guarantee holds for a new unit; pooling every cycle of each unit is the "CDF
pooling" of Dunn, Wasserman & Ramdas (2023, *Distribution-free prediction sets
for two-layer hierarchical models*, JASA), which guarantees at least
:math:`1 - 2\alpha` for a random point of a new unit in the worst case and is
close to :math:`1-\alpha` in practice. Too few units for the level gives
:math:`\hat q = \infty` (an unbounded interval), never a falsely narrow one.

Examples
--------
>>> conformal = SplitConformal(alpha=0.5).fit([0.0, 0.0, 0.0], [1.0, -2.0, 3.0])
>>> conformal.quantile_
2.0
>>> conformal.interval([10.0])
(array([8.]), array([12.]))
"""

from __future__ import annotations

import math

import numpy as np

from tslib.errors import InputError
from tslib.validation import (
    as_float_array,
    check_is_fitted,
    check_probability,
    check_same_length,
)

__all__ = ["SplitConformal", "conformal_quantile"]


def conformal_quantile(scores: object, alpha: float, groups: object | None = None) -> float:
    """The split-conformal quantile of ``scores`` (see the module docstring).

    Parameters
    ----------
    scores : array_like, shape (N,)
        Non-negative calibration scores.
    alpha : float
        Miscoverage level in (0, 1).
    groups : array_like, shape (N,), optional
        Unit id of each score; every unit then weighs 1 in total.

    Returns
    -------
    float
        The quantile; ``inf`` when there are too few units (or points) for ``alpha``.
    """
    alpha = check_probability(alpha, "alpha")
    values = as_float_array(scores, "scores", ndim=1)
    if np.any(values < 0):
        raise InputError("scores must be non-negative (absolute errors, possibly scaled)")
    if groups is None:
        weights = np.ones_like(values)
    else:
        labels = np.asarray(groups)
        check_same_length(scores=values, groups=labels)
        _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        weights = 1.0 / counts[inverse]  # (N,): each unit sums to 1
    n_units = float(weights.sum())
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / (n_units + 1.0)  # (N,)
    reached = np.flatnonzero(cumulative >= (1.0 - alpha) - 1e-12)
    return float(values[order][reached[0]]) if reached.size else math.inf


class SplitConformal:
    """Symmetric split-conformal intervals ``pred ± quantile_ * scale``.

    Parameters
    ----------
    alpha : float
        Miscoverage level: the intervals aim at ``1 - alpha`` coverage.

    Attributes
    ----------
    quantile_ : float
        The fitted score quantile (``inf`` with too little calibration data).
    n_units_ : int
        Calibration units (or points, without groups).
    """

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return hasattr(self, "quantile_")

    def fit(
        self,
        y_true: object,
        y_pred: object,
        groups: object | None = None,
        scale: object | None = None,
    ) -> SplitConformal:
        """Calibrate on held-out predictions (never on the model's training data).

        Parameters
        ----------
        y_true, y_pred : array_like, shape (N,)
            Calibration targets and predictions.
        groups : array_like, shape (N,), optional
            Unit id of each point (see the module docstring).
        scale : array_like, shape (N,), optional
            Positive per-point scale ``s`` of the score ``|y - pred| / s``.
        """
        truth = as_float_array(y_true, "y_true", ndim=1)
        pred = as_float_array(y_pred, "y_pred", ndim=1)
        check_same_length(y_true=truth, y_pred=pred)
        scores = np.abs(truth - pred) / self._scale(scale, truth.size)
        self.quantile_ = conformal_quantile(scores, self.alpha, groups)
        self.n_units_ = truth.size if groups is None else len(np.unique(np.asarray(groups)))
        return self

    def interval(
        self, y_pred: object, scale: object | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` around the predictions, each shaped like ``y_pred``."""
        check_is_fitted(self, "fit(y_true, y_pred, groups)")
        pred = as_float_array(y_pred, "y_pred")
        half_width = self.quantile_ * self._scale(scale, pred.size).reshape(pred.shape)
        return pred - half_width, pred + half_width

    @staticmethod
    def _scale(scale: object | None, size: int) -> np.ndarray:
        if scale is None:
            return np.ones(size)
        values = as_float_array(scale, "scale").ravel()
        if values.size != size or np.any(values <= 0):
            raise InputError(f"scale must hold {size} positive values, got {values.size}")
        return values

    def __repr__(self) -> str:
        fitted = f", quantile_={self.quantile_:.4g}" if self.is_fitted else ""
        return f"SplitConformal(alpha={self.alpha!r}{fitted})"
