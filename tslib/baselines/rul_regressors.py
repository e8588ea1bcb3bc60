"""The classical RUL regressors a C-MAPSS study puts beside its deep models.

Three scikit-learn regressors of the remaining useful life from one feature row per
cycle (for instance :func:`~tslib.baselines.rul_features.window_features`): ridge
regression on standardised features, gradient-boosted trees (the strongest classical
method on window features in the C-MAPSS literature) and the mean predictor (a floor).
They are returned unfitted, so a notebook fits them on its training rows.

Examples
--------
>>> sorted(rul_regressors(gbt_iter=10, seed=0))
['gbt', 'mean', 'ridge']
"""

from __future__ import annotations

from sklearn.base import RegressorMixin
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tslib.validation import check_positive_int

__all__ = ["rul_regressors"]


def rul_regressors(
    gbt_iter: int = 300, seed: int = 0, *, ridge_alpha: float = 1.0, learning_rate: float = 0.05
) -> dict[str, RegressorMixin]:
    """Unfitted ``ridge``, ``gbt`` and ``mean`` regressors, in that order.

    Parameters
    ----------
    gbt_iter : int
        Boosting iterations of :class:`~sklearn.ensemble.HistGradientBoostingRegressor`
        (no early stopping: the iterations are the setting).
    seed : int
        ``random_state`` of the boosted trees.
    ridge_alpha : float
        L2 penalty of the ridge regression (on standardised features).
    learning_rate : float
        Shrinkage of the boosted trees.

    Returns
    -------
    dict of str to regressor
        ``"ridge"`` (standard scaler then ridge), ``"gbt"`` and ``"mean"`` (the mean
        training target).

    Raises
    ------
    InputError
        ``gbt_iter`` is not a positive integer.
    """
    gbt_iter = check_positive_int(gbt_iter, "gbt_iter")
    return {
        "ridge": make_pipeline(StandardScaler(), Ridge(alpha=ridge_alpha)),
        "gbt": HistGradientBoostingRegressor(
            max_iter=gbt_iter, learning_rate=learning_rate, early_stopping=False, random_state=seed
        ),
        "mean": DummyRegressor(strategy="mean"),
    }
