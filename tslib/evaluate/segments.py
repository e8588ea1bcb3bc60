"""The "segments" protocol: direct multi-horizon forecasts over gappy streams, scored alike.

Sensor networks (road traffic, for one) give many streams on one regular grid, each
with gaps. A :class:`~tslib.preprocess.gaps.GapPlan` says, causally, what a live system
does at each row of a stream: step on an observation, step on an imputed value (a
short gap), stay offline (a long gap), or reset the state when readings come back.
:class:`Segments` bundles the streams, their plans and the models' inputs; it is what
the verbs recognise:

* ``ts.backtest(models, segments, horizons=..., start=...)`` scores forecasts from
  every origin of the test span at every horizon, one tidy row per (model, stream,
  origin, horizon), on identical points for every model;
* ``ts.replay(model_or_runner, segments, ...)`` replays the streams live through one
  :class:`~tslib.runner.runner.StepwiseRunner` (see :mod:`tslib.evaluate.sensor_replay`).

How ``accepts`` decides: the data must be a :class:`Segments` and the model a
:class:`~tslib.encoders.base.StepEncoder` or a :class:`~tslib.baselines.base.Forecaster`.
A plain series, array or frame never is a :class:`Segments`, so this protocol never
takes plain series from the "forecast" protocol; a Forecaster it cannot run on gappy
streams is refused with an error naming what it supports, not passed on to a protocol
that would misread the data.

Models, and how each forecasts from every origin
------------------------------------------------
* a *direct* multi-horizon encoder outputs, at each stepped row t, one value per
  horizon h: its forecast of ``y[t + h]``. It runs over each segment of the plan from
  a fresh state (what a live runner does with ``runner.reset`` after a long gap), one
  ``forward`` per segment, which the encoder contract makes equal to stepping row by
  row; ``Segments.to_data`` maps its outputs to data units;
* :class:`~tslib.baselines.SeasonalNaiveForecaster`: the value ``season`` rows before
  the target, the latest one known at the origin, on the series carried forward
  causally (:func:`~tslib.preprocess.horizon_features.seasonal_lag_ahead`);
* a forecaster with ``forecast_origins`` (:class:`~tslib.baselines.GapSarimaxForecaster`):
  a copy per stream is fitted once on the ``fit_window`` rows before ``start`` (NaN =
  missing, the Kalman filter skips it) with the stream's ``exog``, then advanced over
  the test rows with fixed parameters.

Scored points
-------------
Origin t is scored at horizon h when ``start <= t``, ``t + h < stop``, t is stepped
with at least ``warmup`` stepped rows since its stream (re)started, and row ``t + h``
was *observed* (imputed targets never count). Every model must forecast every scored
point, or :class:`~tslib.errors.InputError` says which one does not.

Scorers: ``mae``, ``rmse`` and ``mase`` (needs ``mase_season``: each row's absolute
error divided by its stream's in-sample MAE of the seasonal naive forecast with that
season, over the rows before ``mase_stop``, default ``start``), grouped by model and
horizon.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from tslib.baselines import SeasonalNaiveForecaster
>>> from tslib.preprocess.gaps import plan_gaps
>>> y = pd.DataFrame({"s": np.arange(12.0)}, index=pd.date_range("2024", periods=12, freq="h"))
>>> data = Segments(y, {"s": plan_gaps(np.ones(12, dtype=bool), 2)})
>>> frame = backtest_segments({"naive": SeasonalNaiveForecaster(season=2)}, data,
...                           horizons=[1, 2], start=9)
>>> frame[["origin", "horizon", "y_true", "y_pred"]].values.tolist()
[[Timestamp('2024-01-01 09:00:00'), 1, 10.0, 8.0], [Timestamp('2024-01-01 09:00:00'), 2, 11.0, 9.0], [Timestamp('2024-01-01 10:00:00'), 1, 11.0, 9.0]]
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from tslib.baselines.base import Forecaster
from tslib.baselines.naive import SeasonalNaiveForecaster
from tslib.encoders.base import StepEncoder
from tslib.errors import InputError
from tslib.evaluate.protocols import EvaluationProtocol
from tslib.evaluate.sensor_replay import sensor_replay
from tslib.preprocess.gaps import GapPlan
from tslib.preprocess.horizon_features import seasonal_lag_ahead

__all__ = ["Segments", "backtest_segments", "PROTOCOL", "SEGMENT_SCORERS", "SEGMENT_COLUMNS"]

#: Columns of the frame :func:`backtest_segments` returns (``mase_scale`` with ``mase_season``).
SEGMENT_COLUMNS = ["model", "stream", "origin", "horizon", "timestamp", "y_true", "y_pred"]


@dataclass(frozen=True)
class Segments:
    """Gappy streams on one regular grid: what the "segments" protocol evaluates.

    Attributes
    ----------
    y : pandas.DataFrame
        (T, S) observed target of every stream in data units, one column per stream
        id, NaN where there is no reading; the index gives the timestamps.
    plans : mapping
        Stream id -> its :class:`~tslib.preprocess.gaps.GapPlan` (T rows).
    inputs : mapping
        Input set name -> {stream id -> (T, F) inputs of the deep models}; rows a
        plan steps must be finite. A deep model reads the set its name maps to in the
        verbs' ``inputs_of`` (default: the first set). May be empty for baselines only.
    to_data : callable, optional
        ``to_data(outputs, stream) -> array``: a deep model's (T, H) outputs for one
        stream in data units (e.g. ``expm1`` of the inverse scaling); identity if None.
    exog : mapping, optional
        Stream id -> (T, k) regressors known in advance, for the forecasters that take
        them (SARIMAX); must be finite.
    """

    y: pd.DataFrame
    plans: Mapping[Hashable, GapPlan]
    inputs: Mapping[str, Mapping[Hashable, object]] = field(default_factory=dict)
    to_data: Callable[[np.ndarray, Hashable], np.ndarray] | None = None
    exog: Mapping[Hashable, object] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.y, pd.DataFrame) or self.y.shape[1] == 0:
            raise InputError("Segments: y must be a (T, S) DataFrame, one column per stream")
        if list(self.y.columns) != list(self.plans):
            raise InputError(
                f"Segments: plans must cover the streams of y in order, got {list(self.plans)} "
                f"for columns {list(self.y.columns)}"
            )
        rows = len(self.y)
        for stream, plan in self.plans.items():
            if not isinstance(plan, GapPlan) or plan.step.size != rows:
                raise InputError(f"Segments: stream {stream!r} needs a GapPlan of {rows} rows")
        for name, streams in self.inputs.items():
            if set(streams) != set(self.plans):
                raise InputError(f"Segments: input set {name!r} must hold every stream")
            for stream, x in streams.items():
                if np.ndim(x) != 2 or len(x) != rows:
                    raise InputError(
                        f"Segments: input set {name!r}, stream {stream!r} is "
                        f"{np.shape(x)}, expected ({rows}, F)"
                    )
        for stream, x in (self.exog or {}).items():
            if stream not in self.plans or len(np.asarray(x)) != rows:
                raise InputError(f"Segments: exog of stream {stream!r} must have {rows} rows")

    @property
    def streams(self) -> list[Hashable]:
        """Stream ids, in column order."""
        return list(self.y.columns)

    def input_set(self, name: str | None = None) -> Mapping[Hashable, object]:
        """The inputs of set ``name`` (default: the first set)."""
        if not self.inputs:
            raise InputError("Segments: no input sets; deep models need inputs")
        name = next(iter(self.inputs)) if name is None else name
        if name not in self.inputs:
            raise InputError(f"Segments: no input set {name!r}; have {list(self.inputs)}")
        return self.inputs[name]


def _steps(horizons: Sequence[int]) -> np.ndarray:
    steps = np.asarray(horizons)
    if steps.ndim != 1 or steps.size == 0 or steps.dtype.kind not in "iu" or (steps < 1).any():
        raise InputError(f"horizons must be a non-empty list of ints >= 1, got {horizons!r}")
    return steps.astype(np.int64)


@torch.no_grad()
def _segment_outputs(model: StepEncoder, x: object, plan: GapPlan) -> np.ndarray:
    """Model outputs at every stepped row, each segment from a fresh state, (T, O) float64.

    NaN on rows that are not stepped. The model runs in eval mode on its own device.
    """
    inputs = np.asarray(x, dtype=np.float32)
    if inputs.ndim != 2 or len(inputs) != plan.step.size:
        raise InputError(
            f"segments: inputs must be (T, F) with T = {plan.step.size}, got {inputs.shape}"
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


def _scored_points(
    plan: GapPlan, steps: np.ndarray, start: int, warmup: int = 0, stop: int | None = None
) -> np.ndarray:
    """Which (origin, horizon) pairs are scored, (T, H) bool (see the module docstring)."""
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


def _horizon_frame(
    predictions: Mapping[str, np.ndarray],
    y: np.ndarray,
    scored: np.ndarray,
    index: pd.Index,
    steps: np.ndarray,
    stream: Hashable,
) -> pd.DataFrame:
    """Tidy rows of :data:`SEGMENT_COLUMNS` on the scored pairs (origin-major)."""
    origin, column = np.nonzero(scored)  # scored pairs, origin-major
    target = origin + steps[column]
    frames = []
    for name, forecast in predictions.items():
        picked = forecast[origin, column]
        if np.isnan(picked).any():
            raise InputError(
                f"backtest: {name!r} has no forecast on {int(np.isnan(picked).sum())} scored "
                f"point(s) of stream {stream!r}; every model must cover the same test points"
            )
        frames.append(
            pd.DataFrame(
                {
                    "model": name,
                    "stream": stream,
                    "origin": index[origin],
                    "horizon": steps[column],
                    "timestamp": index[target],
                    "y_true": y[target],
                    "y_pred": picked,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _converged(forecaster: object) -> bool:
    results = getattr(forecaster, "results", None)
    retvals = getattr(results, "mle_retvals", None) or {}
    return bool(retvals.get("converged", True))


def _classical_origins(
    model: Forecaster,
    y: np.ndarray,
    exog: np.ndarray | None,
    steps: np.ndarray,
    start: int,
    fit_window: int,
) -> tuple[np.ndarray, dict | None]:
    """(T, H) forecasts of a classical model from every origin, and its fit notes."""
    size = y.size
    if isinstance(model, SeasonalNaiveForecaster):
        carried = pd.Series(y).ffill().to_numpy()  # causal: a gap repeats the last reading
        return seasonal_lag_ahead(carried, steps, int(model.season)), None
    if not hasattr(model, "forecast_origins"):
        raise InputError(
            f"backtest: the segments protocol runs SeasonalNaiveForecaster and forecasters with "
            f"forecast_origins (GapSarimaxForecaster) on gappy streams, not {type(model).__name__}"
        )
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    lo = start - fit_window
    fitted = copy.deepcopy(model)
    fit_exog = None if exog is None else exog[lo:start]
    with warnings.catch_warnings():  # convergence is reported in attrs["fits"] instead
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(y[lo:start], fit_exog)
    notes = {  # read before forecasting: advancing the state replaces the fit's results
        "fit rows": fit_window,
        "observed": int(np.isfinite(y[lo:start]).sum()),
        "MLE converged": _converged(fitted),
    }
    out = np.full((size, steps.size), np.nan)
    out[start:] = fitted.forecast_origins(y[start:], None if exog is None else exog[start:], steps)
    return out, notes


def backtest_segments(
    models: Mapping[str, object],
    data: Segments,
    *,
    horizons: Sequence[int],
    start: int,
    warmup: int = 0,
    stop: int | None = None,
    fit_window: int | None = None,
    inputs_of: Mapping[str, str] | None = None,
    mase_season: int | None = None,
    mase_stop: int | None = None,
) -> pd.DataFrame:
    """Forecasts of every model from every scored origin of every stream, one tidy frame.

    Parameters
    ----------
    models : mapping
        Name -> a trained direct multi-horizon :class:`StepEncoder` (one output per
        horizon), a :class:`SeasonalNaiveForecaster` or a forecaster with
        ``forecast_origins``. Classical models are copied per stream, not changed.
    data : Segments
        The streams, their plans and the deep models' inputs.
    horizons : sequence of int
        Horizons in rows (the ``horizon`` column); a deep model's outputs in this order.
    start : int
        First test row (origins before it are not scored; forecasters fit before it).
    warmup : int
        Stepped rows since a stream (re)started before its origins are scored.
    stop : int, optional
        Targets must lie before this row (default: the end).
    fit_window : int, optional
        Rows before ``start`` the forecasters fit on (default: all of them).
    inputs_of : mapping, optional
        Deep model name -> input set of ``data`` (default: the first set).
    mase_season : int, optional
        Season of the MASE scale; adds the ``mase_scale`` column the ``mase`` scorer needs.
    mase_stop : int, optional
        The MASE scale is fitted on the rows before this one (default: ``start``).

    Returns
    -------
    pandas.DataFrame
        Rows of :data:`SEGMENT_COLUMNS` (plus ``mase_scale``), stream by stream, the
        models in the given order, origin-major; ``attrs["fits"]`` maps each fitted
        forecaster to {stream -> fit rows, observed rows, whether the MLE converged}.
    """
    if not isinstance(data, Segments):
        raise InputError(f"backtest: the segments protocol needs Segments, got {type(data)}")
    steps = _steps(horizons)
    size = len(data.y)
    if not 0 < int(start) < size:
        raise InputError(f"backtest: start must lie in (0, {size}), got {start}")
    start = int(start)
    fit_window = start if fit_window is None else min(int(fit_window), start)
    inputs_of = dict(inputs_of or {})
    frames, fits = [], {}
    for stream in data.streams:
        plan = data.plans[stream]
        y = data.y[stream].to_numpy(dtype=float)
        exog = (data.exog or {}).get(stream)
        exog = None if exog is None else np.asarray(exog, dtype=float)
        table = {}
        for name, model in models.items():
            if isinstance(model, StepEncoder):
                x = data.input_set(inputs_of.get(name))[stream]
                raw = _segment_outputs(model, x, plan)
                table[name] = raw if data.to_data is None else data.to_data(raw, stream)
            else:
                table[name], notes = _classical_origins(model, y, exog, steps, start, fit_window)
                if notes is not None:
                    fits.setdefault(name, {})[stream] = notes
        scored = _scored_points(plan, steps, start, warmup, stop)
        frame = _horizon_frame(table, y, scored, data.y.index, steps, stream)
        if mase_season is not None:
            history = y[: start if mase_stop is None else int(mase_stop)]
            season = int(mase_season)
            frame["mase_scale"] = float(np.nanmean(np.abs(history[season:] - history[:-season])))
        frames.append(frame)
    result = pd.concat(frames, ignore_index=True)
    result.attrs["fits"] = fits
    return result


def _mase(group: pd.DataFrame) -> float:
    if "mase_scale" not in group.columns:
        raise InputError("score: mase needs the mase_scale column; backtest with mase_season=")
    return float(((group["y_true"] - group["y_pred"]).abs() / group["mase_scale"]).mean())


#: The protocol's own scorers (``mae`` and ``rmse`` come from :data:`~tslib.evaluate.METRICS`);
#: pass them to :func:`~tslib.evaluate.score` as ``known`` to score a saved backtest frame.
SEGMENT_SCORERS = {"mase": _mase}


def _accepts(model: object, data: object) -> bool:
    return isinstance(data, Segments) and isinstance(model, (StepEncoder, Forecaster))


#: Direct multi-horizon encoders and classical forecasters over gappy streams with gap plans.
PROTOCOL = EvaluationProtocol(
    name="segments",
    accepts=_accepts,
    backtest=backtest_segments,
    replay=sensor_replay,
    group_columns=("model", "horizon"),
    scorers=SEGMENT_SCORERS,
)
