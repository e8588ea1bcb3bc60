"""Contract tests run over every registered baseline (each class's ``test_config``).

For every baseline: fit on the training head, then

* one ``update`` with the rest equals updating one observation at a time, and
  equals ``apply``, a refit-free batch pass of the fitted parameters over the data,
  at every point (not just the end);
* no look-ahead: changing data after a point changes no output before it;
* ``clone`` is unfitted and independent; unfitted use raises NotFittedError;
* bad input (NaN, inf, wrong shape, empty, wrong type) raises InputError and
  leaves the state alone; a pickled baseline carries on identically.

The read-out compared is the family's own verb, chosen by ``kind``.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning

from tslib.baselines import (
    BASELINE_KINDS,
    BASELINE_REGISTRY,
    Baseline,
    Detector,
    Forecaster,
    GarchVaR,
    Ranker,
    RiskModel,
)
from tslib.baselines.testing import make_test_data
from tslib.errors import InputError, NotFittedError, StateError

CASES = [
    pytest.param(name, config, id=f"{name}-{i}")
    for name, cls in sorted(BASELINE_REGISTRY.items())
    for i, config in enumerate(cls.test_config())
]
FAMILIES = {"forecaster": Forecaster, "risk": RiskModel, "ranker": Ranker, "detector": Detector}
PROBE_USERS = [f"u{i}" for i in range(7)]  # u6 never appears in the test log
PROBE_VALUES = np.linspace(-4.0, 4.0, 17)


@pytest.fixture(autouse=True)
def _quiet_optimizers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # small maxiter keeps tests fast
        warnings.simplefilter("ignore", EstimationWarning)
        yield


def build(name: str, config: dict) -> tuple[Baseline, object, int]:
    """A fresh baseline, its test data and the training length."""
    data, n_train = make_test_data(config["data"])
    return BASELINE_REGISTRY[name](**config["params"]), data, n_train


_FITTED: dict[tuple[str, str], Baseline] = {}


def build_fitted(name: str, config: dict) -> tuple[Baseline, object, int]:
    """Like :func:`build`, fitted on the head; each call returns a fresh deep copy.

    The fit is made once per case (the statsmodels ones take seconds).
    """
    model, data, n_train = build(name, config)
    key = (name, repr(config))
    if key not in _FITTED:
        _FITTED[key] = model.fit(take(data, 0, n_train))
    return copy.deepcopy(_FITTED[key]), data, n_train


def take(data: object, start: int, stop: int | None = None) -> object:
    """Rows ``start:stop`` of a series or an interactions frame."""
    return data.iloc[start:stop] if isinstance(data, pd.DataFrame) else data[start:stop]


def perturb(data: object, start: int) -> object:
    """A copy of ``data`` changed from row ``start`` on (values still valid)."""
    if isinstance(data, pd.DataFrame):
        changed = data.copy()
        changed.iloc[start:, changed.columns.get_loc("item")] = (
            changed["item"].iloc[start:] + 3
        ) % 8
        return changed
    changed = data.copy()
    changed[start:] = changed[start:] * 1.7 + 2.0
    return changed


def readout(model: Baseline) -> np.ndarray:
    """What the baseline tells a caller now, through its family's verbs, as floats."""
    if model.kind == "forecaster":  # mean and standard error through one forecast call
        return model.forecast_quantiles(3, [0.1, 0.5, 0.9]).ravel()
    if model.kind == "risk":
        return np.array(model.var_es())
    if model.kind == "ranker":
        scores = model.score(PROBE_USERS).ravel()
        return np.concatenate([scores, model.seen_mask(PROBE_USERS).ravel()])
    if model.kind == "detector":
        alarms = copy.deepcopy(model).run(PROBE_VALUES).astype(float)
        state = [v for k, v in sorted(vars(model).items()) if k.endswith("_")]
        return np.concatenate([alarms, np.asarray(state, dtype=float)])
    raise AssertionError(f"unknown kind {model.kind!r}")


def walk_forward(model: Baseline, rest: object) -> np.ndarray:
    """Read out, then update with one observation, for each row of ``rest``; then read out.

    Row i is the read-out after ``rest[:i]``: shape (len(rest) + 1, k).
    """
    outputs = []
    for i in range(len(rest)):
        outputs.append(readout(model))
        model.update(take(rest, i, i + 1))
    outputs.append(readout(model))
    return np.stack(outputs)


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-7, atol=1e-9)


def test_registry_holds_every_baseline_with_its_family():
    expected = {
        "naive", "seasonal_naive", "sarimax", "ets", "garch_var", "historical_var",
        "popularity", "markov_chain", "item_knn", "threshold", "cusum",
    }  # fmt: skip
    assert expected <= set(BASELINE_REGISTRY)
    for name, cls in BASELINE_REGISTRY.items():
        assert issubclass(cls, Baseline), name
        assert cls.kind in BASELINE_KINDS, name
        families = {kind for kind, base in FAMILIES.items() if issubclass(cls, base)}
        assert families == {cls.kind}, f"{name}: kind {cls.kind!r} but bases {families}"
        assert cls.test_config(), f"{name} has no test configuration"
    # a risk model has fit / update / forecast-like verbs but is not a forecaster
    assert GarchVaR.kind == "risk" and not issubclass(GarchVaR, Forecaster)


@pytest.mark.parametrize("name, config", CASES)
def test_update_equals_stepwise_updates_and_refit_free_apply(name, config):
    model, data, n_train = build_fitted(name, config)
    fitted = readout(model)
    rest = take(data, n_train)
    stepwise = walk_forward(copy.deepcopy(model), rest)
    assert_close(stepwise[0], fitted)
    start = 0 if model.fit_warms_state else n_train  # where the stream that apply reads begins
    for stop in (1, 7, len(rest) // 2, len(rest)):
        batch = copy.deepcopy(model).update(take(rest, 0, stop))
        applied = model.apply(take(data, start, n_train + stop))
        assert_close(readout(batch), stepwise[stop])
        assert_close(readout(applied), stepwise[stop])
    chunked = copy.deepcopy(model).update(take(rest, 0, 5)).update(take(rest, 5))
    assert_close(readout(chunked), stepwise[-1])
    assert_close(readout(model), fitted)  # apply left the source alone
    if not model.stateless:
        assert not np.allclose(stepwise[-1], fitted), (
            "update changed no output; set stateless = True on the class if that is intended"
        )


@pytest.mark.parametrize("name, config", CASES)
def test_no_look_ahead(name, config):
    model, data, n_train = build_fitted(name, config)
    rest = take(data, n_train)
    reference = walk_forward(copy.deepcopy(model), rest)
    for cut in (0, 3, len(rest) // 2):
        changed = walk_forward(copy.deepcopy(model), perturb(rest, cut))
        # row i is read out before rest[i] is seen, so rows 0..cut ignore rest[cut:]
        np.testing.assert_array_equal(changed[: cut + 1], reference[: cut + 1])
        if not model.stateless:
            assert not np.array_equal(changed, reference), "the perturbation was not seen"
    if model.kind in ("risk", "detector"):  # their batch walk-forward, run(), is causal too
        whole = np.asarray(copy.deepcopy(model).run(rest), dtype=float)
        for cut in (3, len(rest) // 2):
            changed = np.asarray(copy.deepcopy(model).run(perturb(rest, cut)), dtype=float)
            np.testing.assert_array_equal(changed[:cut], whole[:cut])


@pytest.mark.parametrize("name, config", CASES)
def test_clone_is_unfitted_and_independent(name, config):
    params = build(name, config)[0].get_params()
    model, data, n_train = build_fitted(name, config)
    assert model.is_fitted
    assert model.get_params() == params, "fit changed a hyperparameter"
    fitted = readout(model)
    clone = model.clone()
    assert type(clone) is type(model) and repr(clone) == repr(model)
    assert clone.get_params() == params and not clone.is_fitted
    with pytest.raises(NotFittedError, match="not fitted"):
        readout(clone)
    clone.fit(take(perturb(data, 0), 0, n_train))
    assert_close(readout(model), fitted)  # fitting the clone left the original alone
    rebuilt = type(model)(**model.get_params())
    assert rebuilt.get_params() == params and not rebuilt.is_fitted


@pytest.mark.parametrize("name, config", CASES)
def test_unfitted_use_raises_input_and_state_error(name, config):
    model, data, _ = build(name, config)
    assert not model.is_fitted
    calls = {
        "read-out": lambda: readout(model),
        "update": lambda: model.update(take(data, 0, 3)),
        "apply": lambda: model.apply(data),
    }
    for what, call in calls.items():
        with pytest.raises(NotFittedError, match=f"{type(model).__name__} is not fitted") as info:
            call()
        assert isinstance(info.value, InputError) and isinstance(info.value, StateError), what


def bad_inputs(data: object) -> dict[str, object]:
    """Invalid versions of ``data``'s first rows, by what is wrong with them."""
    if isinstance(data, pd.DataFrame):
        head = data.iloc[:10]
        missing_item = head.astype({"item": float})
        missing_item.iloc[4, missing_item.columns.get_loc("item")] = np.nan
        return {
            "missing value": missing_item,
            "missing column": head.drop(columns="item"),
            "unknown item": head.assign(item=99),
            "not a frame": head.to_numpy(),
        }
    head = np.asarray(data[:10], dtype=float)
    with_nan, with_inf = head.copy(), head.copy()
    with_nan[4], with_inf[2] = np.nan, np.inf
    return {
        "NaN": with_nan,
        "inf": with_inf,
        "2-D": np.c_[head, head],
        "empty": np.array([]),
        "text": "1.0",
    }


def expect_input_error(call, what: str) -> None:
    try:
        call()
    except InputError:
        return
    pytest.fail(f"{what}: no InputError")


@pytest.mark.parametrize("name, config", CASES)
def test_bad_input_raises_input_error_and_keeps_the_state(name, config):
    model, data, n_train = build_fitted(name, config)
    for what, bad in bad_inputs(data).items():
        expect_input_error(lambda bad=bad: model.clone().fit(bad), f"fit with {what}")
    fitted = readout(model)
    for what, bad in bad_inputs(data).items():
        expect_input_error(lambda bad=bad: model.update(bad), f"update with {what}")
        expect_input_error(lambda bad=bad: model.apply(bad), f"apply with {what}")
        assert_close(readout(model), fitted)  # a rejected update changes nothing


@pytest.mark.parametrize("name, config", CASES)
def test_pickle_round_trip_carries_on_identically(name, config):
    model, data, n_train = build_fitted(name, config)
    restored = pickle.loads(pickle.dumps(model))
    assert type(restored) is type(model) and restored.get_params() == model.get_params()
    np.testing.assert_array_equal(readout(restored), readout(model))
    rest = take(data, n_train)
    np.testing.assert_array_equal(readout(restored.update(rest)), readout(model.update(rest)))
    unfitted = pickle.loads(pickle.dumps(model.clone()))
    assert not unfitted.is_fitted
