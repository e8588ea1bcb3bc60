"""RiskMetricsVaR and NormalVaR: recursions by hand, normal VaR / ES, update equals apply."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from tslib.baselines import BASELINE_REGISTRY, NormalVaR, RiskMetricsVaR, RiskModel
from tslib.baselines.riskmetrics import normal_var_es
from tslib.errors import InputError


@pytest.fixture
def returns() -> np.ndarray:
    return np.random.default_rng(0).standard_t(5, size=600)


def test_registered_as_risk_models():
    assert BASELINE_REGISTRY["riskmetrics_var"] is RiskMetricsVaR
    assert BASELINE_REGISTRY["normal_var"] is NormalVaR
    assert RiskMetricsVaR.kind == NormalVaR.kind == "risk"
    assert issubclass(RiskMetricsVaR, RiskModel)


def test_normal_var_es_against_numerical_tail_mean():
    var, es = normal_var_es(0.1, 2.0, 0.01)
    assert var == pytest.approx(-(0.1 + 2.0 * stats.norm.ppf(0.01)))
    q = 0.1 + 2.0 * stats.norm.ppf(0.01)
    tail, _ = integrate.quad(lambda x: x * stats.norm.pdf(x, 0.1, 2.0), -np.inf, q)
    assert es == pytest.approx(-tail / 0.01, rel=1e-6)


def test_riskmetrics_run_is_the_recursion_by_hand(returns):
    model = RiskMetricsVaR(lam=0.94, alpha=0.05).fit(returns[:300])
    frame = model.run(returns[300:])
    variance = np.mean(returns[:300] ** 2)
    for value in returns[:300]:
        variance = 0.94 * variance + 0.06 * value**2
    sigmas = []
    for value in returns[300:]:
        sigmas.append(np.sqrt(variance))
        variance = 0.94 * variance + 0.06 * value**2
    np.testing.assert_allclose(frame["sigma"], sigmas, rtol=1e-12)
    np.testing.assert_allclose(frame["var"], -stats.norm.ppf(0.05) * np.array(sigmas), rtol=1e-12)
    assert (frame["es"] > frame["var"]).all()


def test_update_equals_apply(returns):
    for model in (RiskMetricsVaR(), NormalVaR()):
        stepped = model.clone().fit(returns[:300]).update(returns[300:])
        batch = model.clone().fit(returns[:300]).apply(returns)
        assert stepped.var_es() == pytest.approx(batch.var_es(), rel=1e-12)


def test_normal_is_unconditional(returns):
    model = NormalVaR(alpha=0.01).fit(returns[:300])
    before = model.var_es()
    model.update(returns[300:] * 10.0)
    assert model.var_es() == before
    mu, sd = returns[:300].mean(), returns[:300].std(ddof=1)
    assert before == pytest.approx(normal_var_es(mu, sd, 0.01))


def test_bad_parameters_raise(returns):
    with pytest.raises(InputError, match="lam"):
        RiskMetricsVaR(lam=1.5).fit(returns)
    with pytest.raises(InputError, match="alpha"):
        NormalVaR(alpha=0.0).fit(returns)
    with pytest.raises(InputError, match="returns"):
        RiskMetricsVaR().fit([np.nan, 1.0])
