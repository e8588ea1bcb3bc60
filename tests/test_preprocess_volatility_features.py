"""VolatilityFeatures: the RiskMetrics recursion by hand, NaN rows, and the z / sigma relation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, InputError
from tslib.preprocess import VolatilityFeatures, run_steps


@pytest.fixture
def returns() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    values = rng.standard_t(5, size=300)
    values[[10, 11, 200]] = np.nan
    index = pd.bdate_range("2000-01-03", periods=300)
    span = np.abs(rng.normal(1.0, 0.3, size=300))
    return pd.DataFrame({"r": values, "hl": span}, index=index)


def test_sigma_is_the_riskmetrics_recursion_by_hand(returns):
    features = VolatilityFeatures("r", lam=0.94).fit(returns.iloc[:100]).transform(returns)
    r = returns["r"].to_numpy()
    var = np.nanmean(r[:100] ** 2)
    for t in range(len(r)):
        if math.isnan(r[t]):
            assert math.isnan(features["sigma"].iloc[t])
            continue
        z = r[t] / math.sqrt(var)
        var = 0.94 * var + 0.06 * r[t] ** 2
        assert features["sigma"].iloc[t] == pytest.approx(math.sqrt(var), rel=1e-12)
        assert features["z"].iloc[t] == pytest.approx(z, rel=1e-12)


def test_next_z_is_next_return_over_this_sigma(returns):
    features = VolatilityFeatures("r").fit(returns).transform(returns)
    nxt = features["z"].shift(-1) * features["sigma"]
    both = nxt.notna() & returns["r"].shift(-1).notna()
    np.testing.assert_allclose(nxt[both], returns["r"].shift(-1)[both], rtol=1e-12)


def test_range_feature_and_step_equal_transform(returns):
    transform = VolatilityFeatures("r", range_column="hl").fit(returns.iloc[:100])
    full = transform.transform(returns)
    assert transform.output_columns[-1] == "range_z"
    stepped = run_steps(transform, returns)
    np.testing.assert_allclose(stepped["range_z"], full["range_z"], rtol=1e-12)
    rebuilt = full["range_z"] * full["sigma"].shift(1)  # rows 1..9 follow an observed row
    np.testing.assert_allclose(rebuilt.iloc[1:10], returns["hl"].iloc[1:10], rtol=1e-12)


def test_bad_parameters_and_empty_training_raise(returns):
    with pytest.raises(InputError, match="lam"):
        VolatilityFeatures("r", lam=1.0)
    empty = returns.assign(r=np.nan)
    with pytest.raises(DataError, match="'r'"):
        VolatilityFeatures("r").fit(empty)


def test_final_state_equals_the_stepped_state(returns):
    transform = VolatilityFeatures("r").fit(returns.iloc[:100])
    state = transform.init_state()
    for _, row in returns.iterrows():
        _, state = transform.step(row, state)
    warm = transform.final_state(returns)
    assert warm["var"] == pytest.approx(state["var"], rel=1e-12)
    assert warm["var_long"] == pytest.approx(state["var_long"], rel=1e-12)
