"""Evaluation protocols: what :func:`~tslib.evaluate.backtest` and :func:`~tslib.evaluate.replay`
do for each kind of model.

Underneath every domain there is one idea with two verbs: *score forecasts made at
past origins* (``backtest``) and *predict, then observe, live* (``replay``). What
differs between a volatility model, a traffic forecaster, a RUL regressor and a
next-item ranker is only how a model is advanced and read out, and which scorers
apply. An :class:`EvaluationProtocol` holds that difference; the verbs pick the
protocol whose ``accepts(model, data)`` is true (or the one named by ``protocol=``).

Protocols live next to the code they drive, one module each, listed in
:data:`PROTOCOL_MODULES` in the order they are asked (the most specific first);
each module defines a module-level ``PROTOCOL``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from tslib.errors import InputError

__all__ = ["EvaluationProtocol", "PROTOCOL_MODULES", "protocols", "protocol_for"]


@dataclass(frozen=True)
class EvaluationProtocol:
    """How one kind of model is backtested and replayed.

    Attributes
    ----------
    name : str
        Short name, accepted by ``protocol=`` in the verbs.
    accepts : callable
        ``accepts(model, data) -> bool``: whether this protocol evaluates ``model`` on ``data``.
    backtest : callable, optional
        ``backtest(models, data, **options) -> pandas.DataFrame``: tidy predictions of every
        model in ``models`` (a mapping name -> model), one row per scored point, with a
        ``model`` column.
    replay : callable, optional
        ``replay(model_or_runner, data, **options)``: the live predict-then-observe loop;
        returns ``(frame, summary)``.
    group_columns : tuple of str
        The default grouping of scores (``("model", "horizon")``, ``("model", "unit")``...).
    scorers : dict
        Scorers this kind of prediction supports by name: ``name -> f(frame) -> float``.
    """

    name: str
    accepts: Callable[[object, object], bool]
    backtest: Callable[..., pd.DataFrame] | None = None
    replay: Callable[..., tuple] | None = None
    group_columns: tuple[str, ...] = ("model",)
    scorers: dict[str, Callable[[pd.DataFrame], float]] = field(default_factory=dict)


#: Modules defining a ``PROTOCOL``, asked in this order (most specific first; the generic
#: series forecaster last).
PROTOCOL_MODULES = (
    "tslib.evaluate.risk_walk",
    "tslib.evaluate.segments",
    "tslib.evaluate.unit_walk",
    "tslib.evaluate.ranking_walk",
    "tslib.evaluate.forecast_backtest",
)


def protocols() -> dict[str, EvaluationProtocol]:
    """Every protocol by name, in the order they are asked."""
    found = {}
    for module_name in PROTOCOL_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        protocol = getattr(module, "PROTOCOL", None)
        if protocol is not None:
            found[protocol.name] = protocol
    return found


def protocol_for(
    model: object, data: object, verb: str, name: str | None = None
) -> EvaluationProtocol:
    """The protocol that runs ``verb`` (``"backtest"`` or ``"replay"``) for ``model`` on ``data``.

    Raises
    ------
    InputError
        No protocol accepts the model (its type is named), or ``name`` is unknown or
        has no such verb.
    """
    known = protocols()
    if name is not None:
        if name not in known:
            raise InputError(f"{verb}: unknown protocol {name!r}; use one of {sorted(known)}")
        chosen = known[name]
    else:
        chosen = next((p for p in known.values() if p.accepts(model, data)), None)
        if chosen is None:
            raise InputError(
                f"{verb}: no evaluation protocol accepts a {type(model).__name__} on "
                f"{type(data).__name__} data (protocols: {sorted(known)}); pass protocol=NAME "
                "or a model of a supported kind"
            )
    if getattr(chosen, verb) is None:
        raise InputError(f"{verb}: the {chosen.name!r} protocol has no {verb}")
    return chosen
