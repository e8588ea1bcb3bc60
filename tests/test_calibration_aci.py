"""Adaptive conformal inference: the level recursion, its coverage guarantee on a regime switch."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.calibration import AdaptiveConformal, aci_coverage_bound, calibrate_var
from tslib.errors import InputError
from tslib.evaluate.risk_forecast import EmpiricalForecast, LocationScaleForecast

ALPHA = 0.01


@pytest.fixture(scope="module")
def regime_switch() -> np.ndarray:
    """6000 days: volatility 1, then 3 (a crisis) from day 2000, then 0.5 from day 4000."""
    rng = np.random.default_rng(7)
    sigma = np.r_[np.full(2000, 1.0), np.full(2000, 3.0), np.full(2000, 0.5)]
    return sigma * rng.standard_normal(sigma.size)


def test_level_recursion_by_hand():
    aci = AdaptiveConformal(alpha=0.05, gamma=0.1)
    hits = [True, False, False, True, True, False]
    level = 0.05
    for hit in hits:
        level += 0.1 * (0.05 - hit)
        assert aci.update(hit) == pytest.approx(level, abs=1e-15)
    assert aci.level == pytest.approx(level)
    assert (aci.n_days, aci.n_hits) == (6, 3)
    aci.reset()
    assert aci.level == 0.05 and aci.n_days == 0
    assert repr(aci.clone()) == repr(aci)


@pytest.mark.parametrize("gamma", [0.002, 0.005, 0.02, 0.1])
def test_coverage_guarantee_holds_on_a_regime_switch(regime_switch, gamma):
    stale = LocationScaleForecast(np.zeros(regime_switch.size), np.ones(regime_switch.size))
    raw_rate = np.mean(regime_switch < -stale.var(ALPHA))
    path = calibrate_var(stale, regime_switch, alpha=ALPHA, gamma=gamma)
    rate = path["hit"].mean()
    assert raw_rate > 0.05  # the stale model is far off
    assert abs(rate - ALPHA) <= aci_coverage_bound(ALPHA, gamma, regime_switch.size) + 1e-12
    assert path["level"].between(-gamma - 1e-12, 1 + gamma + 1e-12).all()


@pytest.mark.parametrize("gamma", [0.1, 0.5, 2.0])
def test_log_scale_guarantee_holds_and_level_stays_positive(regime_switch, gamma):
    stale = LocationScaleForecast(np.zeros(regime_switch.size), np.ones(regime_switch.size))
    path = calibrate_var(stale, regime_switch, alpha=ALPHA, gamma=gamma, scale="log")
    bound = aci_coverage_bound(ALPHA, gamma, regime_switch.size, scale="log")
    assert abs(path["hit"].mean() - ALPHA) <= bound + 1e-12
    aci = AdaptiveConformal(ALPHA, gamma, scale="log")
    for hit in path["hit"]:
        aci.update(hit)
        assert aci.level > 0
    assert aci.bound() == pytest.approx(bound)
    assert ((path["level"] == 0) == np.isinf(path["var"])).all()  # below the floor: infinite


def test_log_scale_is_tighter_at_one_percent():
    assert aci_coverage_bound(0.01, 0.5, 3000, scale="log") < 0.2 * aci_coverage_bound(
        0.01, 0.005, 3000
    )


def test_log_scale_floor_quotes_infinite_var():
    aci = AdaptiveConformal(alpha=0.01, gamma=1.0, scale="log", floor=0.005)
    assert aci.quote_level == 0.01
    aci.update(True)  # 0.01 * exp(-0.99) = 0.0037 < floor
    assert 0 < aci.level < 0.005 and aci.quote_level == 0.0


def test_aci_restores_coverage_inside_the_crisis(regime_switch):
    """After adapting, the hit rate in the crisis regime is near 1 %; the raw one is ~22 %."""
    stale = LocationScaleForecast(np.zeros(regime_switch.size), np.ones(regime_switch.size))
    path = calibrate_var(stale, regime_switch, alpha=ALPHA, gamma=0.02)
    crisis = slice(2500, 4000)  # after 500 days of adaptation
    raw = np.mean(regime_switch[crisis] < -stale.var(ALPHA)[crisis])
    calibrated = path["hit"].to_numpy()[crisis].mean()
    n = crisis.stop - crisis.start
    assert raw > 0.15
    assert abs(calibrated - ALPHA) < 4 * np.sqrt(ALPHA * (1 - ALPHA) / n)


def test_works_on_historical_simulation_and_student_t(regime_switch):
    windows = np.lib.stride_tricks.sliding_window_view(regime_switch[:-1], 250)  # (T - 250, 250)
    hs = EmpiricalForecast(windows)  # historical simulation of days 250 ..
    path = calibrate_var(hs, regime_switch[250:], alpha=ALPHA, gamma=0.01)
    assert abs(path["hit"].mean() - ALPHA) <= aci_coverage_bound(ALPHA, 0.01, hs.n)
    t_model = LocationScaleForecast(np.zeros(500), np.ones(500), df=4.0)
    returns = np.random.default_rng(1).standard_t(4, size=500)
    path = calibrate_var(t_model, returns, alpha=0.05, gamma=0.05)
    assert abs(path["hit"].mean() - 0.05) <= aci_coverage_bound(0.05, 0.05, 500)


def test_levels_outside_the_unit_interval_give_infinite_var():
    forecast = EmpiricalForecast(np.arange(10.0)[None, :].repeat(3, axis=0))
    assert forecast.var_at(0, 0.0) == np.inf and forecast.var_at(0, -0.1) == np.inf
    assert forecast.var_at(1, 1.0) == -np.inf
    # one huge loss drives the level below zero: the next VaR is infinite, never exceeded
    stale = LocationScaleForecast(np.zeros(3), np.ones(3))
    path = calibrate_var(stale, np.array([-50.0, -50.0, -50.0]), alpha=0.05, gamma=0.1)
    assert path["level"].iloc[1] < 0 and np.isinf(path["var"].iloc[1])
    assert path["hit"].tolist() == [True, False, False]


def test_bad_input_raises():
    with pytest.raises(InputError, match="gamma"):
        AdaptiveConformal(gamma=0.0)
    with pytest.raises(InputError, match="alpha"):
        AdaptiveConformal(alpha=1.5)
    with pytest.raises(InputError, match="scale"):
        AdaptiveConformal(scale="sqrt")
    with pytest.raises(InputError, match="floor"):
        AdaptiveConformal(alpha=0.01, scale="log", floor=0.02)
    stale = LocationScaleForecast(np.zeros(3), np.ones(3))
    with pytest.raises(InputError, match="n == 4"):
        calibrate_var(stale, np.zeros(4))
