"""The baseline contract suite: fit / update / apply agree, no look-ahead, clone, bad input.

Every check takes a :class:`~tslib.checks.core.Case` whose ``fixture`` is a data kind
of :func:`tslib.baselines.testing.make_test_data`. The baseline is fitted on the
kind's training head (once per case, then deep-copied: the statsmodels fits take
seconds) and the rest arrives through ``update``. The read-out compared is the
family's own verb, chosen by ``kind``. A baseline handed in is checked through an
unfitted clone of it, on the data kind of its class's first ``test_config()`` item.
Optimizer convergence warnings are silenced while a check runs (the test
configurations cap ``maxiter`` to stay fast).

Examples
--------
>>> from tslib.baselines import BASELINE_REGISTRY
>>> checks = list(yield_baseline_checks(BASELINE_REGISTRY["seasonal_naive"]))
>>> checks[0].id
'SeasonalNaiveForecaster-0-params'
>>> for check in checks:
...     check()
"""

from __future__ import annotations

import copy
import pickle
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from tslib.base import clone_value
from tslib.baselines.base import BASELINE_KINDS, Baseline, Forecaster
from tslib.baselines.detectors import Detector
from tslib.baselines.ranking import Ranker
from tslib.baselines.testing import make_test_data
from tslib.baselines.volatility import RiskModel
from tslib.checks.core import Case, Check, cases_of, check_params, params_equal
from tslib.errors import InputError, NotFittedError, StateError

__all__ = ["BASELINE_CHECKS", "yield_baseline_checks", "readout", "FAMILIES"]

#: kind -> the family base class a baseline of that kind derives from.
FAMILIES = {"forecaster": Forecaster, "risk": RiskModel, "ranker": Ranker, "detector": Detector}
#: Users scored by the ranker read-out; u6 never appears in the test log.
PROBE_USERS = [f"u{i}" for i in range(7)]
#: Values fed to a detector read-out.
PROBE_VALUES = np.linspace(-4.0, 4.0, 17)


# ----------------------------------------------------------------------- helpers
def build(case: Case) -> tuple[Baseline, object, int]:
    """A fresh, unfitted baseline, its test data and the training length."""
    data, n_train = make_test_data(case.fixture)
    if case.instance is not None:
        return case.instance.clone(), data, n_train
    return case.cls(**clone_value(case.params)), data, n_train


def build_fitted(case: Case) -> tuple[Baseline, object, int]:
    """Like :func:`build`, fitted on the head; each call returns a fresh deep copy."""
    model, data, n_train = build(case)
    if "fitted" not in case.cache:
        case.cache["fitted"] = model.fit(take(data, 0, n_train))
    return copy.deepcopy(case.cache["fitted"]), data, n_train


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


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str = "") -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-7, atol=1e-9, err_msg=what)


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


def expect_input_error(call: Callable[[], object], what: str) -> None:
    try:
        call()
    except InputError:
        return
    raise AssertionError(f"{what}: no InputError")


def quiet(run: Callable[[], None]) -> None:
    """Run a check with statsmodels' convergence and estimation warnings silenced."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", EstimationWarning)
        run()


# ------------------------------------------------------------------------ checks
def check_params_of_baseline(case: Case) -> None:
    """Hyperparameters stored unchanged; ``type(b)(**b.get_params())`` rebuilds it."""
    check_params(lambda: build(case)[0], case)


def check_family_matches_kind(case: Case) -> None:
    """``kind`` is one of BASELINE_KINDS and the class derives from that family's base only."""
    cls = case.cls
    assert cls.kind in BASELINE_KINDS, f"kind {cls.kind!r} is not one of {BASELINE_KINDS}"
    families = {kind for kind, base in FAMILIES.items() if issubclass(cls, base)}
    assert families == {cls.kind}, f"kind {cls.kind!r} but family bases {sorted(families)}"


def check_update_equals_apply(case: Case) -> None:
    """One ``update`` equals stepwise updates, chunked updates and a refit-free ``apply``."""
    model, data, n_train = build_fitted(case)
    fitted = readout(model)
    rest = take(data, n_train)
    stepwise = walk_forward(copy.deepcopy(model), rest)
    assert_close(stepwise[0], fitted, "read-out before any update")
    start = 0 if model.fit_warms_state else n_train  # where the stream that apply reads begins
    for stop in (1, 7, len(rest) // 2, len(rest)):
        batch = copy.deepcopy(model).update(take(rest, 0, stop))
        applied = model.apply(take(data, start, n_train + stop))
        assert_close(readout(batch), stepwise[stop], f"update of {stop} rows != stepwise")
        assert_close(readout(applied), stepwise[stop], f"apply through {stop} rows != stepwise")
    chunked = copy.deepcopy(model).update(take(rest, 0, 5)).update(take(rest, 5))
    assert_close(readout(chunked), stepwise[-1], "chunked updates != stepwise")
    assert_close(readout(model), fitted, "apply changed the source")
    if not model.stateless:
        assert not np.allclose(stepwise[-1], fitted), (
            "update changed no output; set stateless = True on the class if that is intended"
        )


def check_no_look_ahead(case: Case) -> None:
    """Changing data after a point changes no read-out before it (``run`` too)."""
    model, data, n_train = build_fitted(case)
    rest = take(data, n_train)
    reference = walk_forward(copy.deepcopy(model), rest)
    for cut in (0, 3, len(rest) // 2):
        changed = walk_forward(copy.deepcopy(model), perturb(rest, cut))
        # row i is read out before rest[i] is seen, so rows 0..cut ignore rest[cut:]
        np.testing.assert_array_equal(
            changed[: cut + 1], reference[: cut + 1], err_msg=f"read-outs before {cut} moved"
        )
        if not model.stateless:
            assert not np.array_equal(changed, reference), "the perturbation was not seen"
    if model.kind in ("risk", "detector"):  # their batch walk-forward, run(), is causal too
        whole = np.asarray(copy.deepcopy(model).run(rest), dtype=float)
        for cut in (3, len(rest) // 2):
            changed = np.asarray(copy.deepcopy(model).run(perturb(rest, cut)), dtype=float)
            np.testing.assert_array_equal(
                changed[:cut], whole[:cut], err_msg=f"run() outputs before {cut} moved"
            )


def check_clone_is_unfitted(case: Case) -> None:
    """``clone()`` is unfitted, same hyperparameters, and independent of the original."""
    params = build(case)[0].get_params()
    model, data, n_train = build_fitted(case)
    assert model.is_fitted, "is_fitted is False after fit"
    assert params_equal(model.get_params(), params), "fit changed a hyperparameter"
    fitted = readout(model)
    clone = model.clone()
    assert type(clone) is type(model) and repr(clone) == repr(model), f"{clone!r} != {model!r}"
    assert not clone.is_fitted, "clone() kept the fitted state (is_fitted is True)"
    try:
        readout(clone)
    except NotFittedError as error:
        assert "not fitted" in str(error), error
    else:
        raise AssertionError("clone() kept the fitted state: its read-out works without fit")
    clone.fit(take(perturb(data, 0), 0, n_train))
    assert_close(readout(model), fitted, "fitting the clone changed the original")
    rebuilt = type(model)(**model.get_params())
    assert not rebuilt.is_fitted, "a freshly built baseline says it is fitted"


def check_unfitted_use_raises(case: Case) -> None:
    """Read-out, ``update`` and ``apply`` before ``fit`` raise NotFittedError."""
    model, data, _ = build(case)
    assert not model.is_fitted, "a fresh baseline says it is fitted"
    calls = {
        "read-out": lambda: readout(model),
        "update": lambda: model.update(take(data, 0, 3)),
        "apply": lambda: model.apply(data),
    }
    for what, call in calls.items():
        try:
            call()
        except NotFittedError as error:
            assert f"{type(model).__name__} is not fitted" in str(error), error
            assert isinstance(error, InputError) and isinstance(error, StateError), what
        else:
            raise AssertionError(f"unfitted {what}: no NotFittedError")


def check_bad_input_rejected(case: Case) -> None:
    """NaN, inf, wrong shape, empty or wrong type raise InputError and keep the state."""
    model, data, _ = build_fitted(case)
    for what, bad in bad_inputs(data).items():
        expect_input_error(lambda bad=bad: model.clone().fit(bad), f"fit with {what}")
    fitted = readout(model)
    for what, bad in bad_inputs(data).items():
        expect_input_error(lambda bad=bad: model.update(bad), f"update with {what}")
        expect_input_error(lambda bad=bad: model.apply(bad), f"apply with {what}")
        assert_close(readout(model), fitted, f"a rejected update with {what} changed the state")


def check_pickle_round_trip(case: Case) -> None:
    """A pickled fitted baseline reads out and carries on identically."""
    model, data, n_train = build_fitted(case)
    restored = pickle.loads(pickle.dumps(model))
    assert type(restored) is type(model), type(restored)
    np.testing.assert_array_equal(readout(restored), readout(model))
    rest = take(data, n_train)
    np.testing.assert_array_equal(readout(restored.update(rest)), readout(model.update(rest)))
    unfitted = pickle.loads(pickle.dumps(model.clone()))
    assert not unfitted.is_fitted, "a pickled clone says it is fitted"


#: name -> check, in the order they run.
BASELINE_CHECKS = {
    "params": check_params_of_baseline,
    "family_matches_kind": check_family_matches_kind,
    "update_equals_apply": check_update_equals_apply,
    "no_look_ahead": check_no_look_ahead,
    "clone_is_unfitted": check_clone_is_unfitted,
    "unfitted_use_raises": check_unfitted_use_raises,
    "bad_input_rejected": check_bad_input_rejected,
    "pickle_round_trip": check_pickle_round_trip,
}

#: kind -> data kind used for a baseline handed in whose class has no test configuration.
_DEFAULT_DATA = {
    "forecaster": "seasonal",
    "risk": "returns",
    "detector": "residuals",
    "ranker": "interactions",
}


def _default_data(cls: type[Baseline]) -> str:
    configs = cls.test_config()
    return configs[0]["data"] if configs else _DEFAULT_DATA.get(cls.kind, "seasonal")


def yield_baseline_checks(baseline_or_class: Baseline | type[Baseline]) -> Iterator[Check]:
    """Every baseline check for each case: each ``test_config()`` item, or the baseline given."""
    cases = cases_of(
        baseline_or_class,
        Baseline,
        "a baseline",
        read=lambda cls, item: (dict(item["params"]), item["data"]),
        default_fixture=_default_data,
    )
    for case in cases:
        for name, function in BASELINE_CHECKS.items():
            yield Check(name, case, function, wrapper=quiet)
