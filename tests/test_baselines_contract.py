"""Contract suite (:func:`tslib.checks.yield_checks`) over every registered baseline.

Each registered class runs every baseline check on each item of its ``test_config()``
(fit / update / apply agree, no look-ahead, clone, unfitted use, bad input, pickling);
a failure names the class, the configuration and the check.
"""

from __future__ import annotations

import pytest

from tslib.baselines import BASELINE_KINDS, BASELINE_REGISTRY, Baseline, Forecaster, GarchVaR
from tslib.checks import BASELINE_CHECKS, yield_checks

CHECKS = [
    pytest.param(check, id=f"{name}-{check.case.index}-{check.name}")
    for name, cls in sorted(BASELINE_REGISTRY.items())
    for check in yield_checks(cls)
]


def test_registry_holds_every_baseline_with_its_family():
    expected = {
        "naive", "seasonal_naive", "sarimax", "ets", "garch_var", "historical_var",
        "popularity", "markov_chain", "item_knn", "threshold", "cusum",
    }  # fmt: skip
    assert expected <= set(BASELINE_REGISTRY)
    for name, cls in BASELINE_REGISTRY.items():
        assert issubclass(cls, Baseline), name
        assert cls.kind in BASELINE_KINDS, name
        assert cls.test_config(), f"{name} has no test configuration"
        ran = {c.values[0].name for c in CHECKS if c.values[0].case.cls is cls}
        assert ran == set(BASELINE_CHECKS), f"{name} skipped {sorted(set(BASELINE_CHECKS) - ran)}"
    # a risk model has fit / update / forecast-like verbs but is not a forecaster
    assert GarchVaR.kind == "risk" and not issubclass(GarchVaR, Forecaster)


def test_registering_a_class_without_a_family_kind_is_refused():
    class Nameless(Baseline):
        kind = "oracle"

    with pytest.raises(TypeError, match="kind must be one of"):
        BASELINE_REGISTRY.register("nameless")(Nameless)
    assert "nameless" not in BASELINE_REGISTRY


@pytest.mark.parametrize("check", CHECKS)
def test_contract(check):
    check()
