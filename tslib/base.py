"""One base for every tslib component: parameters, clone, repr, registry, test configuration.

Encoders (:class:`~tslib.encoders.base.StepEncoder`), step transforms
(:class:`~tslib.preprocess.base.StepTransform`) and classical baselines
(:class:`~tslib.baselines.base.Baseline`) share one life cycle, taken from river's
``Base``:

* ``__init__`` stores every hyperparameter unchanged, as an attribute of the same
  name; fitted state lives elsewhere (attributes ending with ``_``, weights, buffers);
* :meth:`Base.get_params` reads the hyperparameters back through ``__init__``'s
  signature, so ``type(obj)(**obj.get_params())`` rebuilds the object;
* :meth:`Base.clone` returns an untrained copy, optionally with some hyperparameters
  replaced;
* ``repr`` shows the hyperparameters that differ from their defaults;
* :meth:`Base.test_config` lists small configurations that :mod:`tslib.checks` runs
  through the family's contract suite.

A :class:`Registry` maps short names to the classes of one family; each family keeps
its own (``ENCODER_REGISTRY``, ``TRANSFORM_REGISTRY``, ``BASELINE_REGISTRY``), and
every registered class is checked by the contract tests.

``Base`` is a plain mixin: no metaclass beyond :class:`abc.ABCMeta`, no frame
inspection. ``StepEncoder`` lists it after :class:`torch.nn.Module`, so torch's own
``__repr__``, ``__setattr__`` and ``__getattr__`` keep working unchanged.

Examples
--------
>>> class Smoother(Base):
...     def __init__(self, alpha: float = 0.5, columns: list[str] | None = None) -> None:
...         self.alpha = alpha
...         self.columns = columns
...
...     @classmethod
...     def test_config(cls) -> list[dict]:
...         return [{"params": {"alpha": 0.2}}]
>>> smoother = Smoother(alpha=0.1)
>>> smoother
Smoother(alpha=0.1)
>>> smoother.get_params()
{'alpha': 0.1, 'columns': None}
>>> smoother.clone(columns=["a"])
Smoother(alpha=0.1, columns=['a'])
>>> registry = Registry("smoother", base=Base)
>>> _ = registry.register("smoother")(Smoother)
>>> registry["smoother"] is Smoother
True
"""

from __future__ import annotations

import copy
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from tslib.errors import InputError, StateError

__all__ = ["Base", "Registry", "clone_value"]

T = TypeVar("T", bound=type)
B = TypeVar("B", bound="Base")


def clone_value(value: Any) -> Any:
    """Copy a hyperparameter value; nested components become untrained clones.

    Lists, tuples (named tuples included) and dicts are copied item by item, so a
    pipeline's ``[(name, transform), ...]`` steps come back as fresh transforms;
    anything else is deep-copied, so the clone shares no mutable value with its source.
    """
    if isinstance(value, Base):
        return value.clone()
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(clone_value(item) for item in value))
    if isinstance(value, list | tuple):
        return type(value)(clone_value(item) for item in value)
    if isinstance(value, dict):
        return {key: clone_value(item) for key, item in value.items()}
    return copy.deepcopy(value)


def _is_default(value: Any, default: Any) -> bool:
    """Whether ``value`` equals a signature default (False when equality is ambiguous)."""
    if default is inspect.Parameter.empty:
        return False
    if value is default:
        return True
    try:
        return bool(type(value) is type(default) and value == default)
    except (TypeError, ValueError):  # arrays, tensors: no single truth value
        return False


class Base(ABC):
    """Hyperparameters, clone, repr and test configuration shared by every component.

    Subclasses store each ``__init__`` argument unchanged as an attribute of the same
    name. A class that must keep an argument under another name (an encoder keeps
    the ``head`` argument as ``head_spec`` because ``head`` is its module) overrides
    :meth:`get_params` and returns the arguments as they were given.
    """

    @classmethod
    def _init_parameters(cls) -> list[inspect.Parameter]:
        """The named ``__init__`` arguments, without ``self``."""
        signature = inspect.signature(cls.__init__)
        parameters = list(signature.parameters.values())[1:]
        for parameter in parameters:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise StateError(
                    f"{cls.__name__}.__init__ takes *{parameter.name}; a component needs "
                    f"named hyperparameters so that get_params() and clone() can rebuild it"
                )
        return parameters

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, such that ``type(self)(**self.get_params())`` rebuilds it.

        Read from ``__init__``'s signature: each argument is the attribute of the same
        name. Raises :class:`~tslib.errors.StateError` naming an argument that was not
        stored.
        """
        params = {}
        for parameter in self._init_parameters():
            if not hasattr(self, parameter.name):
                raise StateError(
                    f"{type(self).__name__}: __init__ argument {parameter.name!r} is not "
                    f"stored as self.{parameter.name}; store hyperparameters unchanged "
                    f"or override get_params()"
                )
            params[parameter.name] = getattr(self, parameter.name)
        return params

    def clone(self: B, **overrides: Any) -> B:
        """Return an untrained copy with the same hyperparameters, except ``overrides``.

        Hyperparameter values are copied (nested components are cloned in turn), so
        the copy shares nothing with ``self``; fitted state and trained weights are not
        carried over. An override that is not a constructor argument raises
        :class:`~tslib.errors.InputError`.
        """
        params = self.get_params()
        unknown = sorted(set(overrides) - set(params))
        if unknown:
            raise InputError(
                f"{type(self).__name__}.clone: unknown hyperparameters {unknown}; "
                f"use some of {sorted(params)}"
            )
        params = {key: clone_value(value) for key, value in params.items()}
        params.update(overrides)
        return type(self)(**params)

    def _params_repr(self) -> str:
        """``name=value`` for each hyperparameter that differs from its default."""
        defaults = {p.name: p.default for p in self._init_parameters()}
        return ", ".join(
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not _is_default(value, defaults.get(name, inspect.Parameter.empty))
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._params_repr()})"

    @classmethod
    @abstractmethod
    def test_config(cls) -> list[dict]:
        """Small configurations that :mod:`tslib.checks` runs through the contract suite.

        Each item builds one small, fast instance; what an item holds is the family's:

        * encoders: the constructor keyword arguments;
        * transforms: ``{"params": kwargs, "frame": kind}`` with a kind of
          :func:`tslib.preprocess.testing.make_test_frame`;
        * baselines: ``{"params": kwargs, "data": kind}`` with a kind of
          :func:`tslib.baselines.testing.make_test_data`.

        Returns
        -------
        list of dict
            At least one configuration; registered classes without one fail the
            contract tests.
        """


class Registry(dict[str, type]):
    """Short name -> class, for one family of components.

    A ``dict`` (so ``REGISTRY[name]``, ``sorted(REGISTRY.items())`` and ``name in
    REGISTRY`` work as before) with a :meth:`register` class decorator that checks
    what it registers.

    Parameters
    ----------
    family : str
        What the classes are, used in messages (``"encoder"``, ``"transform"``, ...).
    base : type or None
        Every registered class must be a subclass of it.
    validate : callable or None
        Called with each class before it is registered; raises to refuse it.
    """

    def __init__(
        self,
        family: str,
        base: type | None = None,
        validate: Callable[[type], None] | None = None,
    ) -> None:
        super().__init__()
        self.family = family
        self.base = base
        self.validate = validate

    def register(self, name: str) -> Callable[[T], T]:
        """Class decorator that adds the class to the registry under ``name``.

        Registering another class under a taken name raises
        :class:`~tslib.errors.InputError`; re-running the same class definition (a
        reloaded module, a re-executed notebook cell) replaces the old entry.
        """
        if not isinstance(name, str) or not name:
            raise InputError(f"a {self.family} name must be a non-empty string, got {name!r}")

        def decorate(cls: T) -> T:
            if self.base is not None and not (isinstance(cls, type) and issubclass(cls, self.base)):
                raise InputError(
                    f"{getattr(cls, '__name__', cls)!r} registered as {self.family} "
                    f"{name!r} is not a {self.base.__name__}"
                )
            if self.validate is not None:
                self.validate(cls)
            old = self.get(name)
            if old is not None and old is not cls:
                same = (old.__module__, old.__qualname__) == (cls.__module__, cls.__qualname__)
                if not same:
                    raise InputError(
                        f"{self.family} name {name!r} is taken by "
                        f"{old.__module__}.{old.__qualname__}"
                    )
            self[name] = cls
            return cls

        return decorate

    def __repr__(self) -> str:
        return f"Registry({self.family!r}, {sorted(self)})"
