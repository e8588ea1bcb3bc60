"""Contract checks for components of your own, like scikit-learn's ``check_estimator``.

Each family has one entry point that runs its whole contract suite on one component
and raises :class:`AssertionError` naming the first check that fails:

* :func:`check_encoder`: shapes and state layout, ``step`` == ``forward`` to 1e-5 in
  fp32 (from a fresh and a random state), chunked forward, batch rows independent,
  causality, clone is untrained, pickle / deepcopy, seeding is idempotent, device round
  trip (CUDA too when available), NaN and wrong shapes rejected, dropout off in eval;
* :func:`check_transform`: ``step`` == ``transform`` (1e-9, NaNs alike), step leaves
  its state alone, no look-ahead, fit reads the training span only, clone is
  unfitted, unfitted use raises, bad columns named, non-finite inputs, empty frames,
  pickling, inverse checks for invertible transforms;
* :func:`check_baseline`: ``update`` == stepwise updates == refit-free ``apply``, no
  look-ahead, clone is unfitted and independent, unfitted use raises, bad input
  rejected without touching the state, pickling, ``kind`` matches the family.

All three also check the :class:`tslib.base.Base` part: hyperparameters stored
unchanged and read back by ``get_params()``, ``clone()`` and ``repr``.

Pass a class to check it on every item of its ``test_config()``, or an object to check
that object (an encoder keeps its own, possibly trained, weights; a transform or a
baseline is checked through an unfitted clone on its class's test data).
:func:`yield_checks` yields the checks one by one, so pytest can parametrize over
them; the repository's contract tests run it over every registered component.

Examples
--------
>>> from tslib.checks import check_baseline, check_encoder, check_transform, yield_checks
>>> from tslib.encoders import RecurrentEncoder
>>> check_encoder(RecurrentEncoder(input_size=2, hidden_size=4, output_size=1, cell="gru"))
>>> from tslib.preprocess import StandardScaler
>>> check_transform(StandardScaler())
>>> from tslib.baselines import NaiveForecaster
>>> check_baseline(NaiveForecaster)
>>> [check.name for check in yield_checks(StandardScaler())][:4]
['params', 'step_equals_transform', 'step_leaves_state_alone', 'no_look_ahead']

In a test suite, one test per check::

    @pytest.mark.parametrize("check", list(yield_checks(MyEncoder)), ids=lambda c: c.id)
    def test_my_encoder(check):
        check()
"""

from __future__ import annotations

from collections.abc import Iterator

from tslib.baselines.base import Baseline
from tslib.checks.baselines import BASELINE_CHECKS, yield_baseline_checks
from tslib.checks.core import Case, Check, run_all
from tslib.checks.encoders import ENCODER_CHECKS, yield_encoder_checks
from tslib.checks.stepwise_gap import stepwise_gap
from tslib.checks.transforms import TRANSFORM_CHECKS, yield_transform_checks
from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.preprocess.base import StepTransform

__all__ = [
    "check_encoder",
    "check_transform",
    "check_baseline",
    "yield_checks",
    "yield_encoder_checks",
    "yield_transform_checks",
    "yield_baseline_checks",
    "ENCODER_CHECKS",
    "TRANSFORM_CHECKS",
    "BASELINE_CHECKS",
    "Case",
    "Check",
    "stepwise_gap",
]


def check_encoder(encoder_or_class: StepEncoder | type[StepEncoder]) -> None:
    """Run the encoder contract suite; raise AssertionError naming the first failing check.

    Parameters
    ----------
    encoder_or_class : StepEncoder or StepEncoder subclass
        An encoder (checked with its own weights) or a class (checked on each item of
        its ``test_config()``).
    """
    run_all(yield_encoder_checks(encoder_or_class))


def check_transform(transform_or_class: StepTransform | type[StepTransform]) -> None:
    """Run the step-transform contract suite; raise AssertionError naming the failing check.

    Parameters
    ----------
    transform_or_class : StepTransform or StepTransform subclass
        A transform (checked through an unfitted clone) or a class (checked on each
        item of its ``test_config()``).
    """
    run_all(yield_transform_checks(transform_or_class))


def check_baseline(baseline_or_class: Baseline | type[Baseline]) -> None:
    """Run the baseline contract suite; raise AssertionError naming the first failing check.

    Parameters
    ----------
    baseline_or_class : Baseline or Baseline subclass
        A baseline (checked through an unfitted clone) or a class (checked on each
        item of its ``test_config()``).
    """
    run_all(yield_baseline_checks(baseline_or_class))


def yield_checks(component_or_class: object) -> Iterator[Check]:
    """Yield every contract check that applies to an encoder, transform or baseline.

    Each :class:`Check` is called with no argument; its ``name`` says what it checks
    and its ``id`` (``Class-i-name``) makes a pytest id.

    Raises
    ------
    InputError
        When the argument is none of the three families.
    """
    cls = component_or_class if isinstance(component_or_class, type) else type(component_or_class)
    if issubclass(cls, StepEncoder):
        return yield_encoder_checks(component_or_class)
    if issubclass(cls, StepTransform):
        return yield_transform_checks(component_or_class)
    if issubclass(cls, Baseline):
        return yield_baseline_checks(component_or_class)
    raise InputError(
        f"{cls.__name__} is not a StepEncoder, StepTransform or Baseline; nothing to check"
    )
