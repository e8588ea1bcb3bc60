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

import time
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from tslib.baselines.base import Forecaster
from tslib.encoders.base import StepEncoder
from tslib.encoders.heads import ClassHead
from tslib.errors import InputError
from tslib.evaluate.baseline_suite import BASELINE_SUITES
from tslib.evaluate.forecast_scorers import FORECAST_SCORERS
from tslib.evaluate.forecast_spec import ForecastSpec
from tslib.evaluate.look_ahead import check_no_look_ahead, known_column_list
from tslib.evaluate.predictions import check_interval, float_array, head_predictions
from tslib.evaluate.probabilistic import gaussian_columns
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
    horizon: int | Sequence[int] = 1,
    every: int | Mapping[int, int] = 1,
    x: object | None = None,
    exog: object | None = None,
    refit_every: int | None = None,
    interval: float | None = None,
    levels: Sequence[float] | None = None,
    event_class: int | None = None,
    output_index: int = 0,
    known_columns: Sequence[int] = (),
    target_transform: object | None = None,
    observed: object | None = None,
    common: bool = False,
    baselines: str | None = None,
    baseline_window: int | None = None,
    baseline_maxiter: int = 50,
    device: str = "auto",
    fast: bool = True,
) -> pd.DataFrame:
    """Rolling-origin backtest of deep encoders and classical forecasters side by side.

    Parameters
    ----------
    models : mapping
        Name -> a trained :class:`~tslib.encoders.base.StepEncoder`, a forecaster
        with ``fit`` / ``update`` / ``forecast``, or a
        :class:`~tslib.evaluate.forecast_spec.ForecastSpec` giving one of them its own
        inputs (``x``, ``known_columns``, ``exog``) and first row. Forecasters are
        fitted in place; encoders are moved to ``device`` and put in eval mode (by the
        runner).
    y : array_like or pandas.Series
        The target series (T,), in time order. A Series' index gives the timestamps.
    start : int
        Observations before the first origin (the forecasters' training length).
    horizon : int or sequence of int
        An int: steps forecast at each origin, every horizon ``1 .. horizon`` is kept.
        A sequence: the horizons kept (each run forecasts up to the largest of them).
    every : int or mapping
        Distance between origins, in observations; a mapping gives each horizon of
        ``horizon`` its own spacing (one run per distinct spacing, so a long horizon
        can be scored on fewer origins than horizon 1).
    x : array_like, optional
        Deep-model inputs (T, F) aligned with ``y``; default ``y[:, None]``.
    exog : array_like, optional
        Exogenous regressors (T, k) for the forecasters, aligned with ``y``.
    refit_every : int, optional
        Refit the forecasters on all data seen every ``refit_every`` origins.
        Deep models are never retrained here.
    interval : float, optional
        Coverage of a central prediction interval (adds ``lower`` / ``upper``).
    levels : sequence of float, optional
        With ``interval``: read every forecast as Gaussian and add ``sigma``,
        ``lower_<p>`` / ``upper_<p>`` for ``interval`` and each level, ``crps`` and
        ``pit`` per row (:func:`~tslib.evaluate.probabilistic.gaussian_columns`); the
        protocol's ``crps``, ``coverage_<p>`` and ``width_<p>`` scorers read them.
    event_class : int, optional
        Event forecasts (rain tomorrow): ``y`` holds 1.0 where the event happened, and a
        deep model with a class head gives, as ``y_pred``, its probability of class
        ``event_class`` (horizon 1 only; no interval). Classical forecasters of the 0/1
        series give their point forecast (persistence: the last label). Scored with the
        protocol's ``brier`` and ``auc``.
    output_index : int
        Which point target of a deep model is ``y``.
    known_columns : sequence of int
        Columns of ``x`` known in advance (calendar features, planned covariates);
        their future rows feed the deep models' roll-outs. Needed for every column
        a model does not feed back when ``horizon > 1``.
    target_transform : transform, Pipeline or callable, optional
        The fitted target transform; results are then reported in data units
        (see :func:`~tslib.evaluate.units.target_inverse`).
    observed : array_like of bool, optional
        (T,) True where ``y`` was really observed; forecasts of other targets (an
        imputed value) are dropped, so a fill is never scored.
    common : bool
        Keep only the targets (``origin``, ``horizon``) every model forecast, so every
        model is scored on identical test points.
    baselines : str, optional
        Add a suite of classical baselines to ``models``: ``"seasonal"`` (persistence,
        seasonal naive, climatology, SARIMAX, ETS, chosen from the timestamps of ``y``,
        a Series with a DatetimeIndex; see :mod:`tslib.evaluate.baseline_suite`).
    baseline_window, baseline_maxiter : int
        SARIMAX / ETS fit on at most ``baseline_window`` recent rows before ``start``,
        with ``baseline_maxiter`` optimiser iterations.
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
        advanced through), ``seconds`` (name -> wall time), ``units`` (``"data"`` or
        ``"model"``) and, with ``baselines``, ``baselines`` (their names) and ``notes``
        (what was chosen or skipped, and why).

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
    start = check_positive_int(start, "backtest: start")
    runs = _runs(horizon, every)
    if refit_every is not None:
        refit_every = check_positive_int(refit_every, "backtest: refit_every")
    interval = check_interval(interval)
    if levels is not None and interval is None:
        raise InputError("backtest: levels= needs interval= (the Gaussian is read from it)")
    if event_class is not None and (interval is not None or max(r[0] for r in runs) > 1):
        raise InputError("backtest: event_class= scores probabilities at horizon 1, no interval")
    models, notes = _with_baselines(
        models, baselines, index, start, baseline_window, baseline_maxiter
    )
    inverse = target_inverse(target_transform)
    inputs = _as_matrix(values if x is None else x, "x", values.size)
    regressors = None if exog is None else _as_matrix(exog, "exog", values.size)
    frames, fits, steps, seconds = [], {}, {}, {}
    for name, entry in models.items():
        spec = entry if isinstance(entry, ForecastSpec) else ForecastSpec(entry)
        first = int(spec.first)
        if first >= start:
            raise InputError(f"backtest: {name}: first row {first} must lie before start={start}")
        own_x = inputs if spec.x is None else _as_matrix(spec.x, f"{name}: x", values.size)
        known = known_column_list(
            known_columns if spec.known_columns is None else spec.known_columns, own_x.shape[1]
        )
        own_exog = regressors
        if spec.exog is not None:
            own_exog = _as_matrix(spec.exog, f"{name}: exog", values.size)
        counter = {"fits": 0, "steps": 0}
        began = time.perf_counter()
        for run_horizon, run_every, kept in runs:
            origins = origins_of(values.size - first, start - first, run_horizon, run_every)
            if not origins:
                raise InputError(
                    f"backtest: no origin: start={start} + horizon={run_horizon} exceeds "
                    f"{values.size} observations"
                )
            if isinstance(spec.model, StepEncoder):
                if run_horizon > 1:
                    check_no_look_ahead(
                        name, spec.model, known, own_x.shape[1], x is None and spec.x is None
                    )
                rows = _deep_rows(
                    spec.model,
                    own_x[first:],
                    known,
                    origins,
                    run_horizon,
                    interval,
                    output_index,
                    device,
                    fast,
                    counter,
                    event_class,
                )
            elif isinstance(spec.model, Forecaster):  # by kind: a GarchVaR is refused
                rows = _forecaster_rows(
                    spec.model,
                    values[first:],
                    None if own_exog is None else own_exog[first:],
                    origins,
                    run_horizon,
                    interval,
                    refit_every,
                    counter,
                )
            else:
                raise InputError(
                    f"backtest: model {name!r} ({type(spec.model).__name__}) is neither a "
                    "StepEncoder nor a tslib.baselines.Forecaster (risk models, rankers and "
                    "detectors have their own evaluations)"
                )
            origin_list, point, lower, upper = zip(*rows)
            frame = _tidy(
                name,
                index[first:],
                values[first:],
                np.array(origin_list),
                run_horizon,
                point,
                lower,
                upper,
                interval,
            )
            frames.append(frame if kept is None else frame[frame["horizon"].isin(kept)])
        fits[name], steps[name] = counter["fits"], counter["steps"]
        seconds[name] = time.perf_counter() - began
    result = to_data_units(pd.concat(frames, ignore_index=True), inverse)
    if levels is not None:
        result = gaussian_columns(result, interval, levels)
    if observed is not None:
        result = _observed_only(result, index, observed, values.size)
    if common:
        result = _common_rows(result)
    result.attrs.update(fits=fits, steps=steps, seconds=seconds)
    if baselines is not None:
        result.attrs.update(baselines=[n for n in models if n in notes[0]], notes=notes[1])
    return result


def _runs(horizon: int | Sequence[int], every: int | Mapping[int, int]) -> list[tuple]:
    """``(horizon, every, horizons kept or None)`` per run: one run per distinct spacing."""
    if isinstance(horizon, (int, np.integer)) and not isinstance(horizon, bool):
        kept_all, horizons = (
            True,
            list(range(1, check_positive_int(horizon, "backtest: horizon") + 1)),
        )
    elif isinstance(horizon, Sequence) and not isinstance(horizon, str) and len(horizon):
        kept_all = False
        horizons = sorted({check_positive_int(h, "backtest: horizon") for h in horizon})
    else:
        raise InputError(f"backtest: horizon must be an int or a sequence of ints, got {horizon!r}")
    if isinstance(every, Mapping):
        missing = [h for h in horizons if h not in every]
        if missing:
            raise InputError(f"backtest: every has no spacing for horizons {missing}")
        spacing = {h: check_positive_int(every[h], "backtest: every") for h in horizons}
    else:
        spacing = dict.fromkeys(horizons, check_positive_int(every, "backtest: every"))
    runs = []
    for step in sorted(set(spacing.values())):
        group = [h for h in horizons if spacing[h] == step]
        kept = None if kept_all and len(runs) == 0 and len(group) == len(horizons) else set(group)
        runs.append((max(group), step, kept))
    return runs


def _with_baselines(
    models: Mapping[str, object],
    suite: str | None,
    index: pd.Index,
    start: int,
    window: int | None,
    maxiter: int,
) -> tuple[dict[str, object], tuple[set, list[str]]]:
    """``models`` plus the baselines of ``suite``; their names and the suite's notes."""
    if suite is None:
        return dict(models), (set(), [])
    if suite not in BASELINE_SUITES:
        raise InputError(
            f"backtest: unknown baselines {suite!r}; use one of {sorted(BASELINE_SUITES)}"
        )
    if not isinstance(index, pd.DatetimeIndex):
        raise InputError("backtest: baselines= needs y as a pandas Series with a DatetimeIndex")
    specs, notes = BASELINE_SUITES[suite](index, start, window=window, maxiter=maxiter)
    clash = sorted(set(specs) & set(models))
    if clash:
        raise InputError(f"backtest: models {clash} clash with the {suite!r} baselines' names")
    return {**models, **specs}, (set(specs), notes)


def _observed_only(
    frame: pd.DataFrame, index: pd.Index, observed: object, size: int
) -> pd.DataFrame:
    """Rows whose target (``timestamp``) was observed."""
    mask = np.asarray(observed)
    if mask.dtype != bool or mask.shape != (size,):
        raise InputError(f"backtest: observed must be a boolean array of shape ({size},)")
    keep = mask[index.get_indexer(frame["timestamp"])]
    return frame[keep].reset_index(drop=True)


def _common_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose ``(origin, horizon)`` every model of ``frame`` forecast."""
    models = frame["model"].nunique()
    counts = frame.groupby(["origin", "horizon"])["model"].transform("nunique")
    return frame[counts == models].reset_index(drop=True)


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
    event_class: int | None = None,
) -> Iterator[tuple]:
    """One runner stream advanced observation by observation; a forecast per origin."""
    if inputs.shape[1] != model.input_size:
        raise InputError(
            f"backtest: x has {inputs.shape[1]} columns but {type(model).__name__} "
            f"expects input_size={model.input_size}"
        )
    head = getattr(model, "head", None)
    if event_class is not None and not (
        isinstance(head, ClassHead) and 0 <= event_class < head.n_classes
    ):
        raise InputError(
            f"backtest: event_class={event_class} needs a class head with that class, "
            f"{type(model).__name__} has a {type(head).__name__}"
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
        if event_class is not None:
            probability = head.probs(raw)[..., event_class]  # (h,) P(event)
            yield origin, probability.double().cpu().numpy(), None, None
        else:
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
    model = model.model if isinstance(model, ForecastSpec) else model
    return isinstance(model, (StepEncoder, Forecaster))


#: Point and probabilistic forecasters over one series: deep encoders through a runner,
#: classical forecasters through ``fit`` / ``update`` / ``forecast``.
PROTOCOL = EvaluationProtocol(
    name="forecast",
    accepts=_is_forecaster,
    backtest=forecast_backtest,
    replay=stream_replay,
    group_columns=("model", "horizon"),
    scorers=FORECAST_SCORERS,
)
