"""The contract checks catch broken components, and tslib.base gives params, clone, repr, registry.

Each broken component below breaks exactly one promise; the check for that promise
must fail and name itself, so the contract suites cannot pass vacuously.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.base import Base, Registry
from tslib.baselines import NaiveForecaster
from tslib.checks import (
    check_baseline,
    check_encoder,
    check_transform,
    yield_checks,
)
from tslib.encoders import RecurrentEncoder
from tslib.errors import InputError, StateError
from tslib.preprocess import StandardScaler
from tslib.preprocess.base import StepTransform


def failing(component: object) -> dict[str, str]:
    """Check name -> message, for every check the component fails."""
    failures = {}
    for check in yield_checks(component):
        try:
            check()
        except AssertionError as error:
            failures[check.name] = str(error)
    return failures


# ------------------------------------------------------------------ broken encoders
class StepOffEncoder(RecurrentEncoder):
    """``step`` adds 1e-3 to every output, so it no longer equals ``forward``."""

    def step(self, x_t, state):
        y_t, state = super().step(x_t, state)
        return y_t + 1e-3, state  # (B, O)

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"input_size": 2, "hidden_size": 4, "output_size": 1}]


class PeekingEncoder(RecurrentEncoder):
    """``forward`` and ``step`` read the next input: outputs depend on the future."""

    def forward(self, x, state=None):
        ahead = torch.cat([x[:, 1:], x[:, -1:]], dim=1)  # (B, T, F), shifted one step ahead
        return super().forward(x + ahead, state)


class CloneKeepsWeightsEncoder(RecurrentEncoder):
    """``clone`` returns a copy with the trained weights."""

    def clone(self, **overrides):
        return copy.deepcopy(self)


class UnstoredParamEncoder(RecurrentEncoder):
    """Stores ``hidden_size`` doubled: hyperparameters are not kept unchanged."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__(input_size, hidden_size * 2, output_size)

    def get_params(self) -> dict:
        return {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "output_size": self.output_size,
        }


def test_the_checks_pass_on_a_correct_encoder():
    check_encoder(RecurrentEncoder(input_size=2, hidden_size=4, output_size=1, cell="gru"))


def test_step_that_differs_from_forward_fails_forward_equals_step():
    failures = failing(StepOffEncoder)
    assert "forward_equals_step" in failures
    assert "StepOffEncoder[0]" in failures["forward_equals_step"]
    assert "causality" not in failures and "clone_is_untrained" not in failures
    with pytest.raises(AssertionError, match="check 'forward_equals_step' failed"):
        check_encoder(StepOffEncoder)


def test_an_encoder_that_looks_ahead_fails_causality():
    failures = failing(PeekingEncoder(input_size=2, hidden_size=4, output_size=1))
    assert "causality" in failures and "looks ahead" in failures["causality"]


def test_a_clone_that_keeps_weights_fails_clone_is_untrained():
    failures = failing(CloneKeepsWeightsEncoder(input_size=2, hidden_size=4, output_size=1))
    assert set(failures) == {"clone_is_untrained"}, failures
    assert "kept the trained weights" in failures["clone_is_untrained"]


def test_a_changed_hyperparameter_fails_params():
    failures = failing(UnstoredParamEncoder(input_size=2, hidden_size=3, output_size=1))
    assert "params" in failures
    assert "must store hyperparameters unchanged" in failures["params"]


def test_a_trained_encoder_is_checked_with_its_own_weights():
    model = RecurrentEncoder(input_size=2, hidden_size=4, output_size=1)
    with torch.no_grad():
        model.output.bias.fill_(3.0)
    checks = list(yield_checks(model))
    assert all(check.case.instance is model for check in checks)
    check_encoder(model)
    assert float(model.output.bias.detach()[0]) == 3.0  # the checks ran on a copy


# ---------------------------------------------------------------- broken transforms
class LookAheadScaler(StepTransform):
    """Subtracts the mean of the frame it is given: ``transform`` sees the future."""

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        return data - data.mean()

    def _init_state(self) -> dict:
        return {}

    def _step(self, x, timestamp, state):
        return dict(x), state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "frame": "gappy"}]


class MutatingLag(StepTransform):
    """A lag-1 transform whose ``step`` writes into the state it was given."""

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        return data.shift(1)

    def _init_state(self) -> dict:
        return {"last": {column: np.nan for column in self.columns_}}

    def _step(self, x, timestamp, state):
        out = dict(state["last"])
        state["last"] = dict(x)  # mutates the caller's state
        return out, state

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{"params": {}, "frame": "gappy"}]


def test_the_checks_pass_on_a_correct_transform():
    check_transform(StandardScaler(columns=["a"]))


def test_a_transform_that_looks_ahead_fails_no_look_ahead():
    failures = failing(LookAheadScaler)
    assert "no_look_ahead" in failures and "depend on later rows" in failures["no_look_ahead"]
    assert "step_equals_transform" in failures
    with pytest.raises(AssertionError, match="check 'step_equals_transform' failed"):
        check_transform(LookAheadScaler())


def test_a_step_that_mutates_its_state_fails_step_leaves_state_alone():
    failures = failing(MutatingLag)
    assert set(failures) == {"step_leaves_state_alone"}, failures


# ----------------------------------------------------------------- broken baselines
class CloneKeepsFitNaive(NaiveForecaster):
    """``clone`` returns a fitted copy."""

    def clone(self, **overrides):
        return copy.deepcopy(self)


class StaleUpdateNaive(NaiveForecaster):
    """``update`` ignores new data: the forecast never moves after ``fit``."""

    def _update(self, y, exog):
        return None


def test_the_checks_pass_on_a_correct_baseline():
    check_baseline(NaiveForecaster())


def test_a_clone_that_keeps_the_fit_fails_clone_is_unfitted():
    failures = failing(CloneKeepsFitNaive)
    assert "clone_is_unfitted" in failures
    assert set(failures) <= {"clone_is_unfitted", "pickle_round_trip"}, failures
    assert "kept the fitted state" in failures["clone_is_unfitted"]
    with pytest.raises(AssertionError, match="check 'clone_is_unfitted' failed"):
        check_baseline(CloneKeepsFitNaive())


def test_an_update_that_ignores_data_fails_update_equals_apply():
    failures = failing(StaleUpdateNaive)
    assert "update_equals_apply" in failures


def test_a_check_of_the_wrong_family_is_refused():
    with pytest.raises(InputError, match="not a StepEncoder"):
        check_encoder(StandardScaler())
    with pytest.raises(InputError, match="nothing to check"):
        list(yield_checks(object()))


def test_check_ids_name_class_configuration_and_check():
    ids = [check.id for check in yield_checks(NaiveForecaster)]
    assert "NaiveForecaster-0-clone_is_unfitted" in ids


# ------------------------------------------------------------------------ tslib.base
class Toy(Base):
    def __init__(self, alpha: float = 0.5, inner: Base | None = None, sizes=(1, 2)) -> None:
        self.alpha = alpha
        self.inner = inner
        self.sizes = sizes
        self.fitted_ = None

    @classmethod
    def test_config(cls) -> list[dict]:
        return [{}]


def test_get_params_reads_the_signature_and_repr_shows_non_defaults():
    toy = Toy(alpha=0.1)
    assert toy.get_params() == {"alpha": 0.1, "inner": None, "sizes": (1, 2)}
    assert repr(toy) == "Toy(alpha=0.1)"
    assert repr(Toy()) == "Toy()"


def test_clone_is_fresh_deep_and_takes_overrides():
    inner = Toy(alpha=0.2)
    inner.fitted_ = "fitted"
    toy = Toy(inner=inner, sizes=[3])
    toy.fitted_ = "fitted"
    twin = toy.clone(alpha=0.9)
    assert twin.alpha == 0.9 and twin.fitted_ is None
    assert twin.inner is not inner and twin.inner.fitted_ is None and twin.inner.alpha == 0.2
    assert twin.sizes == [3] and twin.sizes is not toy.sizes
    with pytest.raises(InputError, match="unknown hyperparameters"):
        toy.clone(beta=1.0)


def test_an_unstored_argument_is_named():
    class Forgetful(Toy):
        def __init__(self, gamma: float = 1.0) -> None:
            super().__init__()

    with pytest.raises(StateError, match="'gamma' is not stored"):
        Forgetful().get_params()


def test_registry_checks_the_base_and_name_clashes():
    registry = Registry("toy", base=Toy)
    registry.register("toy")(Toy)
    assert registry["toy"] is Toy and dict(registry) == {"toy": Toy}
    registry.register("toy")(Toy)  # registering the same class again is fine
    with pytest.raises(InputError, match="is not a Toy"):
        registry.register("other")(int)
    with pytest.raises(InputError, match="taken by"):
        registry.register("toy")(type("Toy2", (Toy,), {}))
    with pytest.raises(InputError, match="non-empty string"):
        registry.register("")
