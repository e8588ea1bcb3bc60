"""Multi-horizon forecasts from every origin of gappy streams, on identical test points.

A *direct* multi-horizon model outputs, at each stepped row t, its forecasts of
``y[t + h]`` for every horizon h. :func:`segment_outputs` runs it over each
segment of a :class:`~tslib.preprocess.gaps.GapPlan` from a fresh state (what a
live runner does with ``runner.reset`` after a long gap), one ``forward`` per
segment, which the encoder contract makes equal to stepping row by row.

:func:`scored_points` says which (origin, horizon) pairs are scored: the origin
is a stepped test row with at least ``warmup`` stepped rows since its stream
(re)started, and the target row was *observed*, so imputed targets never count.
Every model is scored on the same pairs. :func:`seasonal_naive_origins` gives the
seasonal naive forecasts from every origin and :func:`horizon_frame` puts
predictions into the tidy frame of :func:`tslib.evaluate.summarize`.

Examples
--------
>>> import numpy as np
>>> filled = np.arange(10.0)
>>> seasonal_naive_origins(filled, horizons=[1, 2], season=2)[4].tolist()
[3.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.preprocess.gaps import GapPlan

__all__ = ["segment_outputs", "scored_points", "seasonal_naive_origins", "horizon_frame"]


def _steps(horizons: Sequence[int]) -> np.ndarray:
    steps = np.asarray(horizons)
    if steps.ndim != 1 or steps.size == 0 or steps.dtype.kind not in "iu" or (steps < 1).any():
        raise InputError(f"horizons must be a non-empty list of ints >= 1, got {horizons!r}")
    return steps.astype(np.int64)


@torch.no_grad()
def segment_outputs(model: StepEncoder, x: object, plan: GapPlan) -> np.ndarray:
    """Model outputs at every stepped row, each segment from a fresh state, (T, O) float64.

    Parameters
    ----------
    model : StepEncoder
        A trained encoder (run in eval mode on its own device).
    x : array_like
        (T, F) inputs of one stream; stepped rows must be finite.
    plan : GapPlan
        The stream's plan (same T).

    Returns
    -------
    numpy.ndarray
        (T, O) raw outputs; NaN on rows that are not stepped.
    """
    inputs = np.asarray(x, dtype=np.float32)
    if inputs.ndim != 2 or len(inputs) != plan.step.size:
        raise InputError(
            f"segment_outputs: x must be (T, F) with T = {plan.step.size}, got {inputs.shape}"
        )
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    out = np.full((len(inputs), model.n_outputs), np.nan)
    try:
        for start, stop in plan.segments:
            chunk = torch.from_numpy(inputs[start:stop]).to(device)[None]  # (1, T_s, F)
            y, _ = model(chunk)  # (1, T_s, O)
            out[start:stop] = y[0].double().cpu().numpy()
    finally:
        model.train(was_training)
    return out


def scored_points(
    plan: GapPlan, horizons: Sequence[int], start: int, warmup: int = 0, stop: int | None = None
) -> np.ndarray:
    """Which (origin, horizon) pairs are scored, (T, H) bool.

    Origin t is scored at horizon h when ``start <= t``, ``t + h < stop``
    (default: the end), t is stepped with ``steps_since_reset[t] >= warmup``, and
    row ``t + h`` was observed (not imputed, not offline).
    """
    steps = _steps(horizons)
    size = plan.step.size
    stop = size if stop is None else int(stop)
    origin_ok = plan.step & (plan.steps_since_reset >= warmup)  # (T,)
    origin_ok[: max(int(start), 0)] = False
    scored = np.zeros((size, steps.size), dtype=bool)
    for j, h in enumerate(steps):
        if h >= stop:
            continue
        scored[: stop - h, j] = origin_ok[: stop - h] & plan.observed[h:stop]
    return scored


def seasonal_naive_origins(filled: object, horizons: Sequence[int], season: int) -> np.ndarray:
    """Seasonal naive forecasts from every origin, (T, H) float64.

    ``[t, j]`` repeats the value one (or more) seasons before ``t + h``, the
    latest one known at t: ``filled[t + h - season * ceil(h / season)]``; NaN
    when that row precedes the data.

    Parameters
    ----------
    filled : array_like
        (T,) series with gaps filled causally (e.g. forward-filled).
    horizons : sequence of int
        Horizons in steps.
    season : int
        Season length in steps.
    """
    values = np.asarray(filled, dtype=np.float64).reshape(-1)
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise InputError(f"seasonal_naive_origins: season must be an int >= 1, got {season!r}")
    steps = _steps(horizons)
    size = values.size
    out = np.full((size, steps.size), np.nan)
    origins = np.arange(size)
    for j, h in enumerate(steps):
        source = origins + h - season * int(np.ceil(h / season))  # (T,) <= origins
        ok = source >= 0
        out[ok, j] = values[source[ok]]
    return out


def horizon_frame(
    predictions: Mapping[str, object],
    y: object,
    scored: np.ndarray,
    index: pd.Index,
    horizons: Sequence[int],
    stream: Hashable | None = None,
) -> pd.DataFrame:
    """Tidy rows ``model, stream, origin, horizon, timestamp, y_true, y_pred`` on scored pairs.

    Parameters
    ----------
    predictions : mapping
        Model name -> (T, H) forecasts made at each origin for each horizon.
    y : array_like
        (T,) observed series (the truth at the scored targets).
    scored : numpy.ndarray
        (T, H) bool from :func:`scored_points`.
    index : pandas.Index
        (T,) timestamps.
    horizons : sequence of int
        The H horizons in steps (the ``horizon`` column).
    stream : hashable, optional
        Value of the ``stream`` column.

    Raises
    ------
    InputError
        A prediction that is NaN on a scored pair (models must share test points).
    """
    steps = _steps(horizons)
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    size = values.size
    if scored.shape != (size, steps.size) or len(index) != size:
        raise InputError(
            f"horizon_frame: scored {scored.shape}, y ({size},) and index ({len(index)},) "
            f"must agree with {steps.size} horizons"
        )
    origin, column = np.nonzero(scored)  # scored pairs, origin-major
    target = origin + steps[column]
    frames = []
    for name, forecast in predictions.items():
        array = np.asarray(forecast, dtype=np.float64)
        if array.shape != (size, steps.size):
            raise InputError(f"horizon_frame: {name!r} is {array.shape}, expected {scored.shape}")
        picked = array[origin, column]
        if np.isnan(picked).any():
            raise InputError(
                f"horizon_frame: {name!r} has no forecast on {int(np.isnan(picked).sum())} "
                "scored pair(s); every model must cover the same test points"
            )
        frames.append(
            pd.DataFrame(
                {
                    "model": name,
                    "stream": stream,
                    "origin": index[origin],
                    "horizon": steps[column],
                    "timestamp": index[target],
                    "y_true": values[target],
                    "y_pred": picked,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
