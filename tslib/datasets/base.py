"""Dataset registry: metadata, the loaded-dataset container, ``register``, ``list`` and ``load``.

Every dataset, real or simulated, is a loader function registered under a name
together with a :class:`DatasetInfo`. ``load(name, **kw)`` calls the loader and
returns a :class:`LoadedDataset`:

* ``frame``   the main :class:`pandas.DataFrame`, indexed by time
  (:class:`~pandas.DatetimeIndex`), by ``(unit, cycle)`` for run-to-failure data,
  or by a plain event number for interaction logs;
* ``frames``  every part by name; single-part datasets hold ``{"main": frame}``,
  C-MAPSS holds ``{"train", "test", "rul"}``;
* ``info``    the metadata (targets, units, source, licence, citation, ...);
* ``truth``   the simulator's ground truth (a dict documented by each simulator),
  ``None`` for real data;
* ``repairs`` human-readable messages, one per documented repair applied on
  load (collapsed duplicates, sentinels turned into NaN, ...). Nothing is
  changed or dropped without a message here.

Every loader accepts ``path=None`` so notebooks can always call
``load(DATASET, path=DATA_PATH)``; loaders that read no files reject a path.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tslib.errors import InputError

__all__ = [
    "DatasetInfo",
    "LoadedDataset",
    "Loader",
    "register",
    "list_datasets",
    "info",
    "load",
    "reject_path",
]

#: ``loader(path=None, **kw) -> LoadedDataset``
Loader = Callable[..., "LoadedDataset"]

#: name -> (metadata, loader)
_REGISTRY: dict[str, tuple[DatasetInfo, Loader]] = {}


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of one dataset.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"metro_traffic"``.
    domain : str
        Application area: ``"finance"``, ``"weather"``, ``"traffic"``,
        ``"equipment"``, ``"recsys"`` or ``"generic"``.
    kind : str
        ``"packaged"`` (shipped by an installed package), ``"download"`` (a public
        file, read from ``path=`` or the data cache), ``"user"`` (the user's own
        file) or ``"simulated"``.
    frequency : str or None
        pandas offset alias of the sampling step (``"D"``, ``"h"``, ``"10min"``),
        ``"cycle"`` for run-to-failure cycles, ``"event"`` for interaction logs,
        ``None`` when unknown (user files).
    targets : tuple of str
        Columns of ``frame`` that models usually predict.
    units : Mapping[str, str]
        Physical unit of each column that has one.
    source : str
        Where the data comes from (URL, or package and function).
    licence : str
        Licence or terms of use.
    citation : str
        How to cite the data.
    description : str
        One paragraph on what the data is and its known quirks.
    """

    name: str
    domain: str
    kind: str
    frequency: str | None
    targets: tuple[str, ...]
    units: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    licence: str = ""
    citation: str = ""
    description: str = ""

    def with_targets(self, targets: tuple[str, ...] | list[str]) -> DatasetInfo:
        """Return a copy whose ``targets`` are ``targets`` (used by loaders with options)."""
        return dataclasses.replace(self, targets=tuple(targets))


@dataclass
class LoadedDataset:
    """The result of :func:`load`: frames, metadata, ground truth and repair log.

    Attributes
    ----------
    frame : pandas.DataFrame
        Main frame (time-, cycle- or event-indexed).
    info : DatasetInfo
        Metadata; ``info.targets`` are columns of ``frame``.
    frames : dict of str to pandas.DataFrame
        All parts; defaults to ``{"main": frame}``.
    truth : dict or None
        Simulator ground truth; ``None`` for real data.
    repairs : list of str
        One message per repair applied while loading.
    """

    frame: pd.DataFrame
    info: DatasetInfo
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth: dict[str, Any] | None = None
    repairs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.frames:
            self.frames = {"main": self.frame}

    @property
    def targets(self) -> pd.DataFrame:
        """The target columns of :attr:`frame`."""
        return self.frame[list(self.info.targets)]

    def __repr__(self) -> str:
        parts = ", ".join(f"{key}={frame.shape}" for key, frame in self.frames.items())
        return (
            f"LoadedDataset(name={self.info.name!r}, frames[{parts}], "
            f"targets={list(self.info.targets)}, repairs={len(self.repairs)}, "
            f"truth={'yes' if self.truth is not None else 'no'})"
        )


def register(info: DatasetInfo, loader: Loader | None = None, *, replace: bool = False):
    """Register ``loader`` under ``info.name``; without ``loader``, act as a decorator.

    Parameters
    ----------
    info : DatasetInfo
        Metadata; ``info.name`` is the registry key.
    loader : callable, optional
        ``loader(path=None, **kw) -> LoadedDataset``.
    replace : bool
        Allow replacing an existing registration.

    Raises
    ------
    InputError
        If the name is taken and ``replace`` is False.
    """

    def decorate(function: Loader) -> Loader:
        if info.name in _REGISTRY and not replace:
            raise InputError(f"dataset {info.name!r} is already registered")
        _REGISTRY[info.name] = (info, function)
        return function

    if loader is None:
        return decorate
    decorate(loader)
    return loader


def list_datasets(domain: str | None = None, kind: str | None = None) -> list[str]:
    """Sorted names of registered datasets, optionally filtered by domain and kind.

    Examples
    --------
    >>> "sp500" in list_datasets(domain="finance")
    True
    """
    return sorted(
        name
        for name, (meta, _) in _REGISTRY.items()
        if (domain is None or meta.domain == domain) and (kind is None or meta.kind == kind)
    )


def info(name: str) -> DatasetInfo:
    """Metadata of the dataset registered as ``name`` (nothing is loaded)."""
    return _lookup(name)[0]


def load(name: str, **kwargs: Any) -> LoadedDataset:
    """Load the dataset registered as ``name``; ``kwargs`` go to its loader.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.
    **kwargs
        Loader options, e.g. ``path=``, ``cache_dir=``, ``subset=``, ``seed=``.

    Returns
    -------
    LoadedDataset

    Raises
    ------
    InputError
        If ``name`` is not registered, or an option is not one its loader takes.
    """
    loader = _lookup(name)[1]
    parameters = inspect.signature(loader).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        unknown = sorted(set(kwargs) - set(parameters))
        if unknown:
            raise InputError(
                f"dataset {name!r} has no option(s) {unknown}; its options are "
                f"{', '.join(parameters)}"
            )
    return loader(**kwargs)


def reject_path(name: str, path: object) -> None:
    """Raise :class:`InputError` if a loader that reads no files was given a ``path``."""
    if path is not None:
        raise InputError(
            f"dataset {name!r} reads no files, but path={path!r} was given; "
            "use load('csv', path=...) for your own file"
        )


def _lookup(name: str) -> tuple[DatasetInfo, Loader]:
    if name not in _REGISTRY:
        raise InputError(
            f"unknown dataset {name!r}; registered datasets: {', '.join(list_datasets())}"
        )
    return _REGISTRY[name]
