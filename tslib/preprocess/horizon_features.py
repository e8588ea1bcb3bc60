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
>>> import numpy as np
>>> seasonal_lag_ahead(np.arange(10.0), horizons=[1, 2], season=2)[4].tolist()
[3.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.preprocess.gaps import GapPlan

__all__ = ["known_ahead", "stream_inputs", "seasonal_lag_ahead", "direct_inputs"]


def _steps(horizons: Sequence[int], where: str) -> np.ndarray:
    steps = np.asarray(horizons)
    if steps.ndim != 1 or steps.size == 0 or steps.dtype.kind not in "iu" or (steps < 1).any():
        raise InputError(
            f"{where}: horizons must be a non-empty list of ints >= 1, got {horizons!r}"
        )
    return steps.astype(np.int64)


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
    steps = _steps(horizons, "known_ahead")
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


def seasonal_lag_ahead(filled: object, horizons: Sequence[int], season: int) -> np.ndarray:
    """The latest value one (or more) seasons before each target row, known at the origin.

    ``[t, j]`` is ``filled[t + h - season * ceil(h / season)]`` for ``h = horizons[j]``:
    the value one season before ``t + h`` when ``h <= season``, else the value
    enough seasons before it to be known at t. This is the seasonal naive forecast
    made at origin t (what :class:`~tslib.baselines.SeasonalNaiveForecaster` fitted
    on ``filled[: t + 1]`` forecasts), and a seasonal lag input of a direct model.

    Parameters
    ----------
    filled : array_like
        (T,) series with gaps filled causally (e.g. forward-filled).
    horizons : sequence of int
        Horizons in rows, each >= 1.
    season : int
        Season length in rows.

    Returns
    -------
    numpy.ndarray
        (T, H) float64; NaN where the source row precedes the data.
    """
    values = np.asarray(filled, dtype=np.float64).reshape(-1)
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise InputError(f"seasonal_lag_ahead: season must be an int >= 1, got {season!r}")
    steps = _steps(horizons, "seasonal_lag_ahead")
    size = values.size
    out = np.full((size, steps.size), np.nan)
    origins = np.arange(size)
    for j, h in enumerate(steps):
        source = origins + h - season * int(np.ceil(h / season))  # (T,) <= origins
        ok = source >= 0
        out[ok, j] = values[source[ok]]
    return out


def direct_inputs(
    y: pd.Series,
    plan: GapPlan,
    horizons: Sequence[int],
    lags: Sequence[int] = (),
    profile: object | None = None,
    known: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Inputs of one stream for a direct multi-horizon model, built from the past only.

    Columns, in order: ``y`` and ``imputed`` (:func:`stream_inputs`); for each lag
    L in ``lags`` and horizon h, ``"lagL@+h"``, the latest value L rows before the
    target known at t (:func:`seasonal_lag_ahead` on ``y`` carried forward, 0 before
    the first reading); ``"profile@+h"``, a per-stream profile at the target row
    (e.g. the stream's hour-of-week means fitted on the training span); and the
    ``known`` covariates at the target row (:func:`known_ahead`).

    Parameters
    ----------
    y : pandas.Series
        (T,) scaled target on the regular grid, NaN where not observed.
    plan : GapPlan
        The stream's gap plan.
    horizons : sequence of int
        Horizons in rows.
    lags : sequence of int
        Seasonal lags in rows (24 and 168 on hourly traffic).
    profile : array_like, optional
        (T,) profile of the stream, known in advance.
    known : pandas.DataFrame, optional
        (T, c) covariates known in advance, same index as ``y``, without NaN.

    Returns
    -------
    pandas.DataFrame
        (T, 2 + H * (len(lags) + [profile] + c)) float32.
    """
    carried = y.ffill().fillna(0.0).to_numpy()  # causal; 0 (the mean) before a reading
    own = {}
    for lag in lags:
        table = np.nan_to_num(seasonal_lag_ahead(carried, horizons, lag))
        own.update({f"lag{lag}@+{h}": table[:, j] for j, h in enumerate(horizons)})
    parts = [pd.DataFrame(own, index=y.index)]
    if profile is not None:
        profile_frame = pd.DataFrame({"profile": np.asarray(profile)}, index=y.index)
        parts.append(known_ahead(profile_frame, horizons))
    if known is not None:
        parts.append(known_ahead(known, horizons))
    return stream_inputs(y, plan, pd.concat(parts, axis=1))
