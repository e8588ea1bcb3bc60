"""The classical RUL regressors: three unfitted scikit-learn models with the stated settings."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.baselines.rul_regressors import rul_regressors
from tslib.errors import InputError


def test_three_unfitted_regressors_with_their_settings():
    regressors = rul_regressors(gbt_iter=20, seed=3)
    assert list(regressors) == ["ridge", "gbt", "mean"]
    gbt = regressors["gbt"]
    assert (gbt.max_iter, gbt.random_state, gbt.early_stopping) == (20, 3, False)
    assert not hasattr(regressors["mean"], "constant_")  # unfitted


def test_they_fit_and_the_mean_predicts_the_training_mean():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.uniform(0, 125, size=40)
    regressors = rul_regressors(gbt_iter=5)
    for regressor in regressors.values():
        regressor.fit(x, y)
    assert np.allclose(regressors["mean"].predict(x[:2]), y.mean())
    assert regressors["ridge"].predict(x).shape == (40,)


def test_a_bad_iteration_count_is_refused():
    with pytest.raises(InputError, match="gbt_iter"):
        rul_regressors(gbt_iter=0)
