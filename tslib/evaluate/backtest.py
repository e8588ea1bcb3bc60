"""``backtest``: score forecasts made at past origins, for any kind of model.

One verb for every domain. Each model is evaluated by the
:class:`~tslib.evaluate.protocols.EvaluationProtocol` that accepts it (point and
probabilistic forecasters, VaR/ES models, segment-wise multi-horizon forecasters,
RUL regressors, rankers), models of several kinds may share a call, and the result is
one tidy frame: the predictions, or with ``scorers`` the scores per group. Darts'
``historical_forecasts`` / ``backtest`` pair is the model; here both are one call.

Examples
--------
>>> import numpy as np
>>> from tslib.baselines import NaiveForecaster
>>> y = np.arange(10.0)
>>> backtest({"naive": NaiveForecaster()}, y, start=8, scorers=["mae"])
   model  horizon  n  mae
0  naive        1  2  1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tslib.errors import InputError
from tslib.evaluate.protocols import protocol_for
from tslib.evaluate.scoring import score

__all__ = ["backtest"]


def backtest(
    models: Mapping[str, object],
    data: object,
    *,
    scorers: Sequence | Mapping | None = None,
    by: Sequence[str] | None = None,
    protocol: str | None = None,
    **options,
) -> pd.DataFrame:
    """Rolling-origin evaluation of ``models`` on ``data``, one tidy frame back.

    Parameters
    ----------
    models : mapping
        Name -> model. Each goes to the protocol that accepts it; see
        :func:`~tslib.evaluate.protocols.protocols` for the kinds.
    data : object
        What the protocol evaluates on: a series (forecasters), returns (risk
        models), a segment plan, a unit frame, user histories.
    scorers : sequence or mapping, optional
        Scorer names (the protocol's own, then ``mae``/``rmse``/``coverage``...),
        callables ``f(group) -> float``, or name -> either. Without them the
        predictions are returned.
    by : sequence of str, optional
        Grouping of the scores (default: the protocol's, e.g. model and horizon).
    protocol : str, optional
        Force a protocol by name instead of asking each one.
    **options
        The protocol's own options (``start``, ``horizon``, ``x``, ``interval``...).

    Returns
    -------
    pandas.DataFrame
        Tidy predictions (``model`` column plus the protocol's), or with ``scorers``
        one row per group with ``n`` and a column per scorer. ``attrs["protocols"]``
        maps each model to its protocol's name.

    Raises
    ------
    InputError
        Empty ``models``, a model no protocol accepts, or the protocol's own checks.
    """
    if not isinstance(models, Mapping) or not models:
        raise InputError("backtest: models must be a non-empty mapping name -> model")
    by_protocol: dict[str, tuple] = {}
    for name, model in models.items():
        chosen = protocol_for(model, data, "backtest", protocol)
        by_protocol.setdefault(chosen.name, (chosen, {}))[1][name] = model
    frames, attrs = [], {}
    for chosen, members in by_protocol.values():
        frame = chosen.backtest(members, data, **options)
        for key, value in frame.attrs.items():
            attrs[key] = {**attrs.get(key, {}), **value} if isinstance(value, dict) else value
        frames.append(frame)
    result = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    result.attrs.update(attrs)
    result.attrs["protocols"] = {
        name: chosen.name for chosen, members in by_protocol.values() for name in members
    }
    if scorers is None:
        return result
    protocols_used = [chosen for chosen, _ in by_protocol.values()]
    group = list(by) if by is not None else list(protocols_used[0].group_columns)
    known = {k: v for chosen in protocols_used for k, v in chosen.scorers.items()}
    table = score(result, scorers, by=group, known=known)
    table.attrs.update(result.attrs)
    return table
