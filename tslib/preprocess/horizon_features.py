"""Inputs of a direct multi-horizon model: the last value, its imputation mask, known covariates.

At row t a direct model forecasts ``y[t + h]`` for every horizon h at once, so
each input row carries, besides the (scaled) value ``y[t]`` and a flag saying it
was imputed, the covariates *known in advance* for every target hour: calendar
terms, holidays and (under a perfect-forecast assumption, stated by the caller)
weather. :func:`known_ahead` shifts them: column ``"c@+h"`` at row t holds
``c[t + h]``. Past the end of the data the last known value is repeated; those
rows only feed forecasts of targets beyond the data, which are never scored.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"c": [1.0, 2.0, 3.0]})
>>> known_ahead(frame, horizons=[1, 2]).to_dict("list")
{'c@+1': [2.0, 3.0, 3.0], 'c@+2': [3.0, 3.0, 3.0]}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.preprocess.gaps import GapPlan

__all__ = ["known_ahead", "stream_inputs"]


def known_ahead(frame: pd.DataFrame, horizons: Sequence[int]) -> pd.DataFrame:
    """Covariates of the target rows ``t + h``, column ``"c@+h"`` for each column c and h.

    Parameters
    ----------
    frame : pandas.DataFrame
        (T, c) known covariates without NaN, on a regular grid.
    horizons : sequence of int
        Horizons in rows, each >= 1.

    Returns
    -------
    pandas.DataFrame
        (T, c * H), horizon-major (all columns at the first horizon, then the next).
    """
    steps = np.asarray(horizons)
    if steps.ndim != 1 or steps.size == 0 or steps.dtype.kind not in "iu" or (steps < 1).any():
        raise InputError(f"known_ahead: horizons must be ints >= 1, got {horizons!r}")
    if frame.isna().any().any():
        column = frame.columns[frame.isna().any()][0]
        raise DataError(f"known_ahead: column {column!r} has NaN; fill covariates first")
    parts = []
    for h in steps:
        shifted = frame.shift(-int(h)).ffill()  # the tail repeats the last known row
        parts.append(shifted.add_suffix(f"@+{int(h)}"))
    return pd.concat(parts, axis=1)


def stream_inputs(y: pd.Series, plan: GapPlan, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model inputs of one stream: ``y`` (forward-filled on imputed rows), ``imputed``, covariates.

    Parameters
    ----------
    y : pandas.Series
        (T,) scaled target on the regular grid, NaN where not observed.
    plan : GapPlan
        The stream's plan; imputed rows take the last observed value (causal,
        at most ``plan.max_gap`` rows after it).
    known : pandas.DataFrame, optional
        (T, k) known covariates (e.g. from :func:`known_ahead`), same index.

    Returns
    -------
    pandas.DataFrame
        (T, 2 + k) float32 columns ``y, imputed, *known``; NaN in ``y`` on rows
        the plan does not step.
    """
    if len(y) != plan.step.size:
        raise InputError(f"stream_inputs: y has {len(y)} rows, the plan {plan.step.size}")
    filled = y.ffill(limit=plan.max_gap) if plan.max_gap > 0 else y.copy()
    value = filled.where(plan.step)
    if np.isnan(value.to_numpy(dtype=float)[plan.step]).any():
        raise DataError(f"stream_inputs: {y.name!r} has a stepped row without a value to fill")
    columns = {"y": value, "imputed": pd.Series(plan.imputed.astype(np.float32), index=y.index)}
    frame = pd.DataFrame(columns, index=y.index)
    if known is not None:
        if not known.index.equals(y.index):
            raise InputError("stream_inputs: known covariates must share y's index")
        frame = pd.concat([frame, known], axis=1)
    return frame.astype(np.float32)
