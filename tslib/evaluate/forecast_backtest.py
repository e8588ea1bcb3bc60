"""Rolling-origin backtests that carry state forward instead of recomputing it.

At every origin ``o`` (observations ``0 .. o-1`` seen) each model forecasts
``y[o .. o + horizon - 1]``. Between two origins a model only *advances*:

* a deep encoder goes through a :class:`~tslib.runner.runner.StepwiseRunner`,
  one ``step`` per new observation, and forecasts with ``runner.forecast``
  (autoregressive roll-out on a copy of the state);
* a classical forecaster (``fit`` / ``update`` / ``forecast``, see
  :class:`~tslib.baselines.base.Forecaster`) is fitted once at the first origin
  and then ``update``-d with the new observations (fixed parameters), unless
  ``refit_every`` asks for a refit every k origins.

So a backtest over T observations costs T steps per model, not O(T^2).

Input layout for deep models, and no look-ahead
-----------------------------------------------
``x[t]`` (F features) is the input observed at time t, aligned with ``y[t]``;
by default ``x = y[:, None]``. A forecast from origin ``o`` never sees a value
after ``o``: with ``horizon > 1`` every input column must either be fed back
from the model's own predictions (``model.feedback_inputs``) or be declared
known in advance with ``known_columns`` (calendar features, planned
covariates). Otherwise :func:`backtest` raises :class:`InputError` saying what
to set. Only the known columns of ``x[o .. o + horizon - 2]`` are passed to the
roll-out; the others are zeroed before the model could see them.

Units
-----
With ``target_transform`` (the fitted scaler or ``Pipeline(target=...)`` of
the target) the frame's ``y_true``, ``y_pred``, ``lower`` and ``upper`` are in
data units, and ``attrs["units"] == "data"``; without it they stay in the
model's units (``"model"``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from tslib.baselines.base import Forecaster
from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.evaluate.look_ahead import check_no_look_ahead, known_column_list
from tslib.evaluate.predictions import check_interval, float_array, head_predictions
from tslib.evaluate.protocols import EvaluationProtocol
from tslib.evaluate.stream_replay import stream_replay
from tslib.evaluate.units import target_inverse, to_data_units
from tslib.runner.runner import StepwiseRunner
from tslib.validation import check_positive_int

__all__ = ["forecast_backtest", "origins_of", "BACKTEST_COLUMNS", "PROTOCOL"]

#: Columns of the frame :func:`backtest` returns (``lower`` / ``upper`` only with ``interval``).
BACKTEST_COLUMNS = ["model", "origin", "horizon", "timestamp", "y_true", "y_pred", "lower", "upper"]


def _as_matrix(values: object, name: str, rows: int) -> np.ndarray:
    array = float_array(values, f"backtest: {name}")  # a writable copy
    array = array[:, None] if array.ndim == 1 else array
    if array.ndim != 2 or array.shape[0] != rows:
        raise InputError(f"backtest: {name} must be ({rows}, k) like y, got {np.shape(values)}")
    if not np.isfinite(array).all():
        raise InputError(f"backtest: {name} contains NaN or inf")
    return array


def origins_of(n_obs: int, start: int, horizon: int, every: int = 1) -> list[int]:
    """Origins ``start, start + every, ...`` whose whole horizon lies inside the data."""
    return list(range(start, n_obs - horizon + 1, every))


def forecast_backtest(
    models: Mapping[str, object],
    y: object,
    *,
    start: int,
    horizon: int = 1,
    every: int = 1,
    x: object | None = None,
    exog: object | None = None,
    refit_every: int | None = None,
    interval: float | None = None,
    output_index: int = 0,
    known_columns: Sequence[int] = (),
    target_transform: object | None = None,
    device: str = "auto",
    fast: bool = True,
) -> pd.DataFrame:
    """Rolling-origin backtest of deep encoders and classical forecasters side by side.

    Parameters
    ----------
    models : mapping
        Name -> a trained :class:`~tslib.encoders.base.StepEncoder` or a forecaster
        with ``fit`` / ``update`` / ``forecast``. Forecasters are fitted in place;
        encoders are moved to ``device`` and put in eval mode (by the runner).
    y : array_like or pandas.Series
        The target series (T,), in time order. A Series' index gives the timestamps.
    start : int
        Observations before the first origin (the forecasters' training length).
    horizon : int
        Steps forecast at each origin.
    every : int
        Distance between origins, in observations.
    x : array_like, optional
        Deep-model inputs (T, F) aligned with ``y``; default ``y[:, None]``.
    exog : array_like, optional
        Exogenous regressors (T, k) for the forecasters, aligned with ``y``.
    refit_every : int, optional
        Refit the forecasters on all data seen every ``refit_every`` origins.
        Deep models are never retrained here.
    interval : float, optional
        Coverage of a central prediction interval (adds ``lower`` / ``upper``).
    output_index : int
        Which point target of a deep model is ``y``.
    known_columns : sequence of int
        Columns of ``x`` known in advance (calendar features, planned covariates);
        their future rows feed the deep models' roll-outs. Needed for every column
        a model does not feed back when ``horizon > 1``.
    target_transform : transform, Pipeline or callable, optional
        The fitted target transform; results are then reported in data units
        (see :func:`~tslib.evaluate.units.target_inverse`).
    device : str
        Device of the deep models' runners (``"auto"``, ``"cpu"``, ``"cuda"``).
    fast : bool
        Let the runner pick a fast step kernel.

    Returns
    -------
    pandas.DataFrame
        Tidy rows ``model, origin, horizon, timestamp, y_true, y_pred[, lower,
        upper]``; ``origin`` is the time of the last observation seen and
        ``timestamp`` the time forecast (``horizon`` steps later). ``attrs`` hold
        ``fits`` (name -> fits made), ``steps`` (name -> observations the runner
        advanced through) and ``units`` (``"data"`` or ``"model"``).

    Raises
    ------
    InputError
        Bad series, shapes, arguments or model types, or a deep model whose
        multi-step forecast would read inputs after its origin.
    """
    if not isinstance(models, Mapping) or not models:
        raise InputError("backtest: models must be a non-empty mapping name -> model")
    index = y.index if isinstance(y, pd.Series) else pd.RangeIndex(np.shape(y)[0])
    values = float_array(y, "backtest: y")  # a writable copy
    if values.ndim != 1 or values.size < 2 or not np.isfinite(values).all():
        raise InputError(
            f"backtest: y must be a finite 1-D series of length >= 2, got {values.shape}"
        )
    start, horizon, every = (
        check_positive_int(v, f"backtest: {n}")
        for v, n in ((start, "start"), (horizon, "horizon"), (every, "every"))
    )
    if refit_every is not None:
        refit_every = check_positive_int(refit_every, "backtest: refit_every")
    interval = check_interval(interval)
    origins = origins_of(values.size, start, horizon, every)
    if not origins:
        raise InputError(
            f"backtest: no origin: start={start} + horizon={horizon} exceeds "
            f"{values.size} observations"
        )
    inverse = target_inverse(target_transform)
    inputs = _as_matrix(values if x is None else x, "x", values.size)
    known = known_column_list(known_columns, inputs.shape[1])
    regressors = None if exog is None else _as_matrix(exog, "exog", values.size)
    frames, fits, steps = [], {}, {}
    for name, model in models.items():
        if isinstance(model, StepEncoder):
            if horizon > 1:
                check_no_look_ahead(name, model, known, inputs.shape[1], x is None)
            counter = {"steps": 0}
            rows = _deep_rows(
                model,
                inputs,
                known,
                origins,
                horizon,
                interval,
                output_index,
                device,
                fast,
                counter,
            )
        elif isinstance(model, Forecaster):  # by kind, not duck typing: a GarchVaR is refused
            counter = {"fits": 0}
            rows = _forecaster_rows(
                model, values, regressors, origins, horizon, interval, refit_every, counter
            )
        else:
            raise InputError(
                f"backtest: model {name!r} ({type(model).__name__}) is neither a StepEncoder "
                "nor a tslib.baselines.Forecaster (risk models, rankers and detectors have "
                "their own evaluations)"
            )
        origin_list, point, lower, upper = zip(*rows)
        frame = _tidy(
            name, index, values, np.array(origin_list), horizon, point, lower, upper, interval
        )
        frames.append(frame)
        fits[name] = counter.get("fits", 0)
        steps[name] = counter.get("steps", 0)
    result = pd.concat(frames, ignore_index=True)
    result.attrs.update(fits=fits, steps=steps)
    return to_data_units(result, inverse)


def _deep_rows(
    model: StepEncoder,
    inputs: np.ndarray,
    known: list[int],
    origins: list[int],
    horizon: int,
    interval: float | None,
    output_index: int,
    device: str,
    fast: bool,
    counter: dict,
) -> Iterator[tuple]:
    """One runner stream advanced observation by observation; a forecast per origin."""
    if inputs.shape[1] != model.input_size:
        raise InputError(
            f"backtest: x has {inputs.shape[1]} columns but {type(model).__name__} "
            f"expects input_size={model.input_size}"
        )
    runner = StepwiseRunner(model, device=device, fast=fast)
    hidden = [c for c in range(inputs.shape[1]) if c not in known]  # never passed as future
    seen = 0
    for origin in origins:
        if origin - seen == 1:
            runner.step((0,), inputs[seen:origin])  # (1, F) -> prediction for origin
        else:
            runner.observe((0,), inputs[None, seen:origin])  # (1, origin - seen, F): one forward
        counter["steps"] += origin - seen
        seen = origin
        future = None
        if horizon > 1:
            future = inputs[None, origin : origin + horizon - 1].copy()  # (1, h-1, F)
            future[..., hidden] = 0.0  # fed back by the roll-out, or (checked) unused
        raw = runner.forecast((0,), horizon, future=future)[0]  # (h, O)
        yield (origin, *head_predictions(runner.model, raw, output_index, interval))


def _forecaster_rows(
    model: object,
    values: np.ndarray,
    regressors: np.ndarray | None,
    origins: list[int],
    horizon: int,
    interval: float | None,
    refit_every: int | None,
    counter: dict,
) -> Iterator[tuple]:
    """Fit once (or every ``refit_every`` origins), ``update`` in between, forecast per origin."""

    def rows(lo: int, hi: int) -> dict:
        return {} if regressors is None else {"exog": regressors[lo:hi]}

    seen = 0
    for number, origin in enumerate(origins):
        if number == 0 or (refit_every is not None and number % refit_every == 0):
            model.fit(values[:origin], **rows(0, origin))
            counter["fits"] += 1
        else:
            model.update(values[seen:origin], **rows(seen, origin))
        seen = origin
        future = rows(origin, origin + horizon)
        point = np.asarray(model.forecast(horizon, **future), dtype=np.float64)
        lower = upper = None
        if interval is not None:
            lower, upper = model.forecast_interval(horizon, alpha=1.0 - interval, **future)
        yield origin, point, lower, upper


def _tidy(
    name: str,
    index: pd.Index,
    values: np.ndarray,
    origins: np.ndarray,
    horizon: int,
    point: tuple,
    lower: tuple,
    upper: tuple,
    interval: float | None,
) -> pd.DataFrame:
    steps = np.arange(1, horizon + 1)  # (h,)
    target = origins[:, None] + steps[None, :] - 1  # (n_origins, h) positions forecast
    columns = {
        "model": name,
        "origin": index[np.repeat(origins - 1, horizon)],
        "horizon": np.tile(steps, origins.size),
        "timestamp": index[target.ravel()],
        "y_true": values[target.ravel()],
        "y_pred": np.concatenate(point).astype(np.float64),
    }
    if interval is not None:
        columns["lower"] = np.concatenate(lower).astype(np.float64)
        columns["upper"] = np.concatenate(upper).astype(np.float64)
    return pd.DataFrame(columns)


def _is_forecaster(model: object, data: object) -> bool:
    return isinstance(model, (StepEncoder, Forecaster))


#: Point and probabilistic forecasters over one series: deep encoders through a runner,
#: classical forecasters through ``fit`` / ``update`` / ``forecast``.
PROTOCOL = EvaluationProtocol(
    name="forecast",
    accepts=_is_forecaster,
    backtest=forecast_backtest,
    replay=stream_replay,
    group_columns=("model", "horizon"),
)
