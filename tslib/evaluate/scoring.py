"""Scorers: turn a tidy prediction frame into one tidy table of scores.

A scorer is ``f(group: pandas.DataFrame) -> float`` over the rows of one group (one
model, one horizon, one unit...). Names resolve first to the protocol's own scorers
(``qlike``, ``nasa_score``, ``hr@10``...), then to the forecasting ones in
:data:`~tslib.evaluate.forecast_scorers.METRICS` (``mae``, ``rmse``, ``coverage``...).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"model": ["a", "a", "b"], "y_true": [1.0, 3.0, 1.0],
...                       "y_pred": [2.0, 3.0, 1.0]})
>>> score(frame, ["mae"], by=["model"])
  model  n  mae
0     a  2  0.5
1     b  1  0.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from tslib.errors import InputError
from tslib.evaluate.forecast_scorers import METRICS

__all__ = ["score", "resolve_scorers"]

Scorer = Callable[[pd.DataFrame], float]


def resolve_scorers(
    scorers: Sequence[str | Scorer] | Mapping[str, str | Scorer],
    known: Mapping[str, Scorer] | None = None,
) -> dict[str, Scorer]:
    """Name -> scorer, from names, callables (named by ``__name__``) or a mapping."""
    table = {**METRICS, **(known or {})}
    items = (
        scorers.items()
        if isinstance(scorers, Mapping)
        else ((s if isinstance(s, str) else getattr(s, "__name__", repr(s)), s) for s in scorers)
    )
    resolved = {}
    for name, scorer in items:
        if isinstance(scorer, str):
            if scorer not in table:
                raise InputError(f"score: unknown scorer {scorer!r}; use one of {sorted(table)}")
            scorer = table[scorer]
        if not callable(scorer):
            raise InputError(f"score: scorer {name!r} is not callable")
        resolved[name] = scorer
    if not resolved:
        raise InputError("score: give at least one scorer")
    return resolved


def score(
    frame: pd.DataFrame,
    scorers: Sequence[str | Scorer] | Mapping[str, str | Scorer],
    by: Sequence[str] = ("model",),
    known: Mapping[str, Scorer] | None = None,
) -> pd.DataFrame:
    """One row per group of ``by``: the row count ``n`` and each scorer's value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy predictions (from :func:`~tslib.evaluate.backtest` or a replay frame).
        Rows with a NaN ``y_pred`` (no prediction yet), where present, are left out.
    scorers : sequence or mapping
        Scorer names, callables ``f(group) -> float``, or name -> either.
    by : sequence of str
        Grouping columns, all in ``frame``.
    known : mapping, optional
        Extra named scorers (a protocol's own). Default: the scorers of the protocols
        that made ``frame`` (its ``attrs["protocols"]``, set by ``backtest``).

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, n, *scorers``.
    """
    if known is None and frame.attrs.get("protocols"):
        from tslib.evaluate.protocols import protocols  # the protocol modules import this one

        named = protocols()
        used = {name for name in frame.attrs["protocols"].values() if name in named}
        known = {k: v for name in sorted(used) for k, v in named[name].scorers.items()}
    functions = resolve_scorers(scorers, known)
    by = list(by)
    missing = [column for column in by if column not in frame.columns]
    if missing:
        raise InputError(f"score: frame lacks grouping columns {missing}")
    if "y_pred" in frame.columns and frame["y_pred"].dtype.kind == "f":
        frame = frame[frame["y_pred"].notna()]
    rows = []
    groups = frame.groupby(by, sort=True) if by else [((), frame)]
    for key, group in groups:
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row["n"] = len(group)
        row.update({name: float(function(group)) for name, function in functions.items()})
        rows.append(row)
    return pd.DataFrame(rows, columns=[*by, "n", *functions])
