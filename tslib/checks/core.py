"""What every contract suite shares: a case to check, a named check, the parameter checks.

A :class:`Case` is one configuration of one component class (an item of its
``test_config()``, or the hyperparameters of an object the caller hands in); a
:class:`Check` binds one check function to one case, so pytest can parametrize over
them and a failure names both. :func:`check_params` is the part of the contract
that :class:`tslib.base.Base` gives every family: hyperparameters stored unchanged,
read back through ``__init__``'s signature, and a clone that rebuilds them.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tslib.base import Base
from tslib.errors import InputError

__all__ = ["Case", "Check", "cases_of", "check_params", "params_equal", "run_all"]


@dataclass(eq=False)
class Case:
    """One configuration of one component class, shared by the checks that run on it.

    Attributes
    ----------
    cls : type
        The component class.
    params : dict
        Constructor keyword arguments.
    fixture : str or None
        The test data kind the family reads (a frame kind for transforms, a data
        kind for baselines); ``None`` for encoders.
    index : int or None
        Position in ``cls.test_config()``; ``None`` for an object handed in.
    instance : object or None
        The object handed in, if any (encoders are checked with its own weights).
    cache : dict
        Per-case memo, e.g. a baseline fitted once and copied by every check.
    """

    cls: type
    params: dict
    fixture: str | None = None
    index: int | None = None
    instance: Any = None
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """``Class[i]`` for the i-th test configuration, ``Class(instance)`` otherwise."""
        where = "(instance)" if self.index is None else f"[{self.index}]"
        return f"{self.cls.__name__}{where}"


@dataclass(eq=False)
class Check:
    """One named check bound to one case; call it to run it.

    A failure raises :class:`AssertionError` whose message starts with the check's
    name and the case, whatever the check raised underneath (kept as ``__cause__``).
    """

    name: str
    case: Case
    function: Callable[[Case], None] = field(repr=False)
    wrapper: Callable[[Callable[[], None]], None] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """A pytest id: ``Class-i-name``."""
        index = "instance" if self.case.index is None else str(self.case.index)
        return f"{self.case.cls.__name__}-{index}-{self.name}"

    def __call__(self) -> None:
        try:
            if self.wrapper is None:
                self.function(self.case)
            else:
                self.wrapper(lambda: self.function(self.case))
        except Exception as error:
            detail = str(error) or "assertion failed"
            raise AssertionError(
                f"check {self.name!r} failed for {self.case.label}: {type(error).__name__}: "
                f"{detail}"
            ) from error


def cases_of(
    component_or_class: object,
    base: type,
    family: str,
    read: Callable[[type, dict], tuple[dict, str | None]],
    default_fixture: Callable[[type], str | None],
) -> list[Case]:
    """The cases to check for a class (one per ``test_config()`` item) or for one object.

    Parameters
    ----------
    component_or_class : object
        A component class or an instance of one.
    base : type
        The family's base class; anything else raises :class:`~tslib.errors.InputError`.
    family : str
        The family's name, for messages.
    read : callable
        ``read(cls, item) -> (params, fixture)`` for one ``test_config()`` item.
    default_fixture : callable
        ``default_fixture(cls)``: the fixture used for an instance handed in.
    """
    if isinstance(component_or_class, type):
        cls = component_or_class
        if not issubclass(cls, base):
            raise InputError(
                f"{cls.__name__} is not a {base.__name__}; cannot check it as {family}"
            )
        configs = cls.test_config()
        if not configs:
            raise InputError(f"{cls.__name__}.test_config() is empty; give at least one {family}")
        cases = []
        for index, item in enumerate(configs):
            params, fixture = read(cls, item)
            cases.append(Case(cls, params, fixture, index))
        return cases
    if not isinstance(component_or_class, base):
        raise InputError(
            f"{type(component_or_class).__name__} is not a {base.__name__}; "
            f"cannot check it as {family}"
        )
    cls = type(component_or_class)
    params = component_or_class.get_params()
    return [Case(cls, params, default_fixture(cls), None, component_or_class)]


def run_all(checks: Iterator[Check]) -> None:
    """Run every check in order; the first failure raises its AssertionError."""
    for check in checks:
        check()


def params_equal(a: object, b: object) -> bool:
    """Whether two hyperparameter values are equal (``repr`` when ``==`` is ambiguous)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(params_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(params_equal(p, q) for p, q in zip(a, b, strict=True))
        )
    try:
        if bool(a == b):
            return True
    except (TypeError, ValueError, RuntimeError):
        pass
    return type(a) is type(b) and repr(a) == repr(b)


def check_params(make: Callable[[], Base], case: Case) -> None:
    """Hyperparameters are stored unchanged, rebuild the object, and survive clone and pickle.

    Parameters
    ----------
    make : callable
        Builds a fresh, untrained component of the case.
    case : Case
        The case; ``case.params`` are the constructor arguments given.
    """
    component = make()
    params = component.get_params()
    names = [parameter.name for parameter in type(component)._init_parameters()]
    assert list(params) == names, (
        f"get_params() keys {list(params)} differ from the __init__ arguments {names}"
    )
    for name, given in case.params.items():
        assert params_equal(params[name], given), (
            f"hyperparameter {name!r} was given {given!r} but stored as {params[name]!r}; "
            f"__init__ must store hyperparameters unchanged"
        )
    rebuilt = type(component)(**params)
    assert params_equal(rebuilt.get_params(), params), "type(obj)(**obj.get_params()) differs"
    clone = component.clone()
    assert type(clone) is type(component), f"clone() returned a {type(clone).__name__}"
    assert params_equal(clone.get_params(), params), "clone() changed a hyperparameter"
    assert repr(clone) == repr(component), f"repr of the clone {clone!r} != {component!r}"
    assert repr(component).startswith(type(component).__name__), repr(component)
    restored = pickle.loads(pickle.dumps(component))
    assert params_equal(restored.get_params(), params), "pickling changed a hyperparameter"
