"""SARIMAX regressors: the AIC-selected hour-of-week profile plus the covariates that vary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.baselines.hour_of_week import select_hour_of_week
from tslib.baselines.hour_of_week_exog import hour_of_week_exog
from tslib.errors import InputError


def test_profile_and_varying_covariates_are_chosen_on_the_window_only():
    index = pd.date_range("2024-01-01", periods=24 * 7 * 4, freq="h")
    rng = np.random.default_rng(0)
    rain = rng.random(len(index))
    hour = index.hour.to_numpy()
    y = 100 + 30 * np.sin(2 * np.pi * hour / 24) - 5 * rain + rng.normal(size=len(index))
    y[50:60] = np.nan
    holiday = np.zeros(len(index))
    holiday[-24:] = 1.0  # only after the window: constant inside it, left out
    known = pd.DataFrame({"holiday": holiday, "rain": rain}, index=index)
    lo, hi = 24 * 7, 24 * 7 * 3
    found = hour_of_week_exog(y, known, lo, hi, candidates=("dummies", 3))
    assert found.columns == ["profile", "rain"]
    expected = select_hour_of_week(
        y[lo:hi], index[lo:hi], known[["rain"]].iloc[lo:hi], ("dummies", 3)
    )
    np.testing.assert_allclose(found.exog[:, 0], expected.profile(index))
    np.testing.assert_array_equal(found.exog[:, 1], rain)
    assert found.notes()["exog"] == "profile, rain"
    assert found.notes()["hour-of-week terms"] == expected.spec
    # rows after the window do not change the fit
    later = y.copy()
    later[hi:] += 50
    np.testing.assert_allclose(
        hour_of_week_exog(later, known, lo, hi, candidates=("dummies", 3)).exog, found.exog
    )


def test_bad_windows_are_refused():
    index = pd.date_range("2024-01-01", periods=10, freq="h")
    with pytest.raises(InputError, match="lo < hi"):
        hour_of_week_exog(np.zeros(10), pd.DataFrame(index=index), 5, 5)
