"""Contract suite (:func:`tslib.checks.yield_checks`) over every registered step transform.

Each registered class (pipelines included) runs every transform check on each item of
its ``test_config()``; a failure names the class, the configuration and the check.
"""

from __future__ import annotations

import pytest

from tslib.checks import TRANSFORM_CHECKS, yield_checks
from tslib.preprocess import TRANSFORM_REGISTRY

CHECKS = [
    pytest.param(check, id=f"{name}-{check.case.index}-{check.name}")
    for name, cls in sorted(TRANSFORM_REGISTRY.items())
    for check in yield_checks(cls)
]


def test_registry_holds_every_family():
    expected = {
        "forward_fill", "past_mean_fill", "ewma_fill", "train_value_fill", "hampel",
        "iqr_clip", "ewma", "rolling_median", "standard_scaler", "robust_scaler",
        "minmax_scaler", "difference", "log_return", "calendar", "pipeline",
    }  # fmt: skip
    assert expected <= set(TRANSFORM_REGISTRY)
    for name, cls in TRANSFORM_REGISTRY.items():
        assert cls.test_config(), f"{name} has no test configuration"


def test_every_check_runs_on_every_registered_transform():
    always = set(TRANSFORM_CHECKS) - {"unfitted_inverse_raises"}
    for name, cls in TRANSFORM_REGISTRY.items():
        ran = {c.values[0].name for c in CHECKS if c.values[0].case.cls is cls}
        assert always <= ran, f"{name} skipped {sorted(always - ran)}"
        assert ("unfitted_inverse_raises" in ran) == cls.invertible, name


@pytest.mark.parametrize("check", CHECKS)
def test_contract(check):
    check()
