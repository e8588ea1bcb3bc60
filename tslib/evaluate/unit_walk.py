r"""The ``"units"`` protocol: remaining-useful-life (RUL) regressors over a fleet of units.

A RUL model is deployed on each unit (an engine, a pump) from its first cycle and
emits an estimate at every cycle. Its data is a *unit frame*: rows indexed by
``(unit, cycle)``, each unit's cycles contiguous and increasing, with the input
columns and the true RUL column (``target``). :func:`~tslib.evaluate.backtest` with
such a frame runs

* a deep :class:`~tslib.encoders.base.StepEncoder` (any ``nn.Module`` returning
  ``(outputs, state)``) over every unit from a **zero state**, reading ``columns``;
  one batched forward over the right-padded units (padding comes after a unit's
  last cycle, so a causal model never reads it), then the point head;
* a classical regressor (anything with ``predict``, e.g. scikit-learn's boosted
  trees) on one feature row per cycle: ``features``, a frame aligned with the
  data or a function of it (such as causal window features), ``data[columns]`` by
  default;

and returns one tidy row per (model, unit, cycle), columns :data:`UNIT_COLUMNS`:
``last`` marks each unit's last cycle, ``y_true`` is the true RUL as given,
``y_capped`` the truth capped at ``cap`` (the piecewise-linear target of usual
practice; ``y_true`` without ``cap``), ``y_pred`` the estimate, times ``scale``
(model units -> cycles) and raised to ``floor`` (an RUL is never negative).

The scorers (:data:`UNIT_SCORERS`) are the RMSE and the asymmetric NASA score of
:mod:`tslib.metrics.rul` at the **last cycle** of each unit (the C-MAPSS protocol,
``*_last``) and at **every cycle** (``*_all``), against the uncapped and the capped
truth (``*_capped``), plus ``rmse_within_cap``: every cycle whose true RUL is at
most ``cap``. Scores group by ``("model", "unit")`` unless ``by`` says otherwise.

:func:`~tslib.evaluate.replay` streams every unit of the frame through one
runner, one cycle per tick: the estimate read at tick ``t`` (before cycle ``t`` is
observed) is the model's output after cycle ``t - 1``, so its label is the target
of cycle ``t - 1`` (none at tick 0). The frame and summary are those of
:func:`~tslib.evaluate.stream_replay.stream_replay`, one stream per unit.

Examples
--------
>>> from sklearn.dummy import DummyRegressor
>>> index = pd.MultiIndex.from_tuples([(1, 1), (1, 2), (2, 1)], names=["unit", "cycle"])
>>> frame = pd.DataFrame({"s": [0.1, 0.2, 0.3], "rul": [1.0, 0.0, 4.0]}, index=index)
>>> mean = DummyRegressor().fit(frame[["s"]], frame["rul"])
>>> backtest_units({"mean": mean}, frame, columns=["s"])[["unit", "last", "y_pred"]]
   unit   last    y_pred
0     1  False  1.666667
1     1   True  1.666667
2     2   True  1.666667
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from tslib.errors import DataError, InputError
from tslib.evaluate.protocols import EvaluationProtocol
from tslib.evaluate.scoring import score
from tslib.evaluate.stream_replay import ReplayResult, stream_replay
from tslib.metrics.rul import nasa_score, rul_rmse
from tslib.training.windows import make_windows
from tslib.validation import check_numeric_columns, check_positive_int

__all__ = [
    "backtest_units",
    "replay_units",
    "unit_score_table",
    "UNIT_COLUMNS",
    "UNIT_SCORERS",
    "UNIT_TABLE_SCORERS",
    "PROTOCOL",
]

#: Columns of the frame :func:`backtest_units` returns, one row per (model, unit, cycle).
UNIT_COLUMNS = ["model", "unit", "cycle", "last", "y_true", "y_capped", "y_pred"]


def _is_unit_frame(data: object) -> bool:
    return (
        isinstance(data, pd.DataFrame)
        and isinstance(data.index, pd.MultiIndex)
        and data.index.nlevels == 2
    )


def _is_encoder(model: object) -> bool:
    # next-item encoders (item_ids) rank items over event frames: the "ranking" protocol's
    return isinstance(model, nn.Module) and not callable(getattr(model, "item_ids", None))


def _is_regressor(model: object) -> bool:
    return not isinstance(model, nn.Module) and callable(getattr(model, "predict", None))


def _accepts(model: object, data: object) -> bool:
    return _is_unit_frame(data) and (_is_encoder(model) or _is_regressor(model))


def _check_units(data: object, owner: str) -> np.ndarray:
    """``last`` flags (N,) of a unit frame; raises unless units are contiguous, cycles increasing."""
    if not _is_unit_frame(data):
        raise DataError(f"{owner}: data must be a DataFrame indexed by (unit, cycle)")
    if len(data) == 0:
        raise DataError(f"{owner}: the unit frame has no rows")
    units = data.index.get_level_values(0).to_numpy()
    new_unit = np.r_[True, units[1:] != units[:-1]]  # (N,)
    starts = np.flatnonzero(new_unit)
    if len(pd.unique(units[starts])) != len(starts):
        raise DataError(f"{owner}: the rows of each unit must be contiguous")
    cycles = data.index.get_level_values(1).to_numpy()
    if not pd.api.types.is_numeric_dtype(cycles) or np.any(np.diff(cycles)[~new_unit[1:]] <= 0):
        raise DataError(f"{owner}: the cycles of each unit must be numbers in increasing order")
    return np.r_[new_unit[1:], True]  # (N,): the row before a new unit, and the final row


@torch.no_grad()
def _encoder_predictions(
    model: nn.Module, frame: pd.DataFrame, columns: Sequence[str], batch_size: int
) -> np.ndarray:
    """First point output (N,) float64 of ``model`` at every row, each unit from a zero state."""
    data = make_windows(frame, None, columns=list(columns), targets=())  # whole units, padded
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    parts = []
    try:
        for start in range(0, len(data.units), batch_size):
            raw, _ = model(data.x[start : start + batch_size].to(device))  # (B, T, O)
            point = model.point(raw) if hasattr(model, "point") else raw  # (B, T, n)
            lengths = data.lengths[start : start + batch_size]
            parts.extend(point[i, :n, 0].double().cpu().numpy() for i, n in enumerate(lengths))
    finally:
        model.train(was_training)
    return np.concatenate(parts)  # (N,)


def _regressor_inputs(
    data: pd.DataFrame,
    features: pd.DataFrame | Callable[[pd.DataFrame], pd.DataFrame] | None,
    columns: Sequence[str] | None,
) -> pd.DataFrame:
    if features is None:
        if columns is None:
            raise InputError(
                "units backtest: a regressor needs features=FRAME or a function of the data, "
                "or columns=[...]"
            )
        return data[list(columns)]
    table = features(data) if callable(features) else features
    if not isinstance(table, pd.DataFrame) or not table.index.equals(data.index):
        raise InputError(
            "units backtest: features must be a DataFrame with the data's (unit, cycle) index "
            "(or a function returning one)"
        )
    return table


def _scale_of(scale: float | Mapping[str, float], name: str) -> float:
    value = scale.get(name, 1.0) if isinstance(scale, Mapping) else scale
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise InputError(
            f"units backtest: scale of {name!r} must be a finite number, got {value!r}"
        )
    return float(value)


def backtest_units(
    models: Mapping[str, object],
    data: pd.DataFrame,
    *,
    target: str = "rul",
    columns: Sequence[str] | None = None,
    features: pd.DataFrame | Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    scale: float | Mapping[str, float] = 1.0,
    floor: float | None = 0.0,
    cap: float | None = None,
    batch_size: int = 256,
) -> pd.DataFrame:
    """RUL estimates of every model at every cycle of every unit (see the module docstring).

    Parameters
    ----------
    models : mapping
        Name -> step encoder (``nn.Module``) or regressor (``predict``), fitted.
    data : pandas.DataFrame
        The unit frame: rows indexed by ``(unit, cycle)``, units contiguous, cycles
        increasing; ``columns`` and ``target`` numeric.
    target : str
        Column of the true RUL (uncapped, as published).
    columns : sequence of str, optional
        The encoders' inputs, finite (required with an encoder); the regressors'
        too when ``features`` is None.
    features : DataFrame or callable, optional
        The regressors' inputs: a frame with ``data``'s index, or ``f(data) -> frame``.
    scale : float or mapping
        Multiplies the predictions (model units -> cycles): one number for every
        model, or name -> number (missing names: 1).
    floor : float or None
        Predictions below it are raised to it (None: left as they are).
    cap : float, optional
        Cap of the ``y_capped`` truth.
    batch_size : int
        Units per forward pass of an encoder.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNIT_COLUMNS`, the models in the mapping's order and each
        model's rows in the data's order; ``attrs`` hold ``target`` and ``cap``.

    Raises
    ------
    DataError
        Not a unit frame, units split in several blocks, cycles out of order, a
        missing or non-numeric column, non-finite inputs.
    InputError
        No models, a model that is neither an encoder nor a regressor, missing
        ``columns`` or ``features``, a bad ``scale`` or ``cap``.
    """
    if not isinstance(models, Mapping) or not models:
        raise InputError("units backtest: models must be a non-empty mapping name -> model")
    last = _check_units(data, "units backtest")
    check_numeric_columns(data, [target], "units backtest")
    truth = data[target].to_numpy(np.float64)  # (N,)
    if not np.isfinite(truth).all():
        raise DataError(f"units backtest: target {target!r} is not finite")
    if cap is not None and not (isinstance(cap, (int, float)) and cap > 0):
        raise InputError(f"units backtest: cap must be a number > 0, got {cap!r}")
    batch_size = check_positive_int(batch_size, "batch_size")
    regressor_inputs = None
    frames = []
    for name, model in models.items():
        if _is_encoder(model):
            if columns is None:
                raise InputError(
                    f"units backtest: encoder {name!r} needs columns=[...] (its inputs)"
                )
            raw = _encoder_predictions(model, data, columns, batch_size)  # (N,)
        elif _is_regressor(model):
            if regressor_inputs is None:
                regressor_inputs = _regressor_inputs(data, features, columns)
            raw = np.asarray(model.predict(regressor_inputs), dtype=np.float64).reshape(len(data))
        else:
            raise InputError(
                f"units backtest: model {name!r} ({type(model).__name__}) is neither a step "
                "encoder nor a regressor with predict"
            )
        prediction = raw * _scale_of(scale, name)  # (N,) cycles
        if floor is not None:
            prediction = np.clip(prediction, floor, None)
        frames.append(
            pd.DataFrame({
                "model": name,
                "unit": data.index.get_level_values(0),
                "cycle": data.index.get_level_values(1),
                "last": last,
                "y_true": truth,
                "y_capped": truth if cap is None else np.minimum(truth, cap),
                "y_pred": prediction,
            })
        )  # fmt: skip
    result = pd.concat(frames, ignore_index=True)
    result.attrs.update(target=target, cap=cap)
    return result


def replay_units(
    model_or_runner: object,
    data: pd.DataFrame,
    *,
    columns: Sequence[str],
    target: str | None = None,
    **options,
) -> ReplayResult:
    """Stream every unit of ``data`` through one runner, one cycle per tick.

    Parameters
    ----------
    model_or_runner : StepEncoder or StepwiseRunner
        The model (a fresh runner is made) or a runner.
    data : pandas.DataFrame
        The unit frame (see :func:`backtest_units`).
    columns : sequence of str
        The model's inputs.
    target : str, optional
        Column the estimates are scored against, in the model's units; the estimate
        of tick ``t`` is labelled with the target of cycle ``t - 1``. Without it the
        labels are NaN (nothing is scored).
    **options
        Passed to :func:`~tslib.evaluate.stream_replay.stream_replay`
        (``latency_budget_ms``, ``label_delay``, ``device``...).

    Returns
    -------
    ReplayResult
        ``(frame, summary)`` with one stream per unit, ``stream`` holding the unit id.
    """
    _check_units(data, "units replay")
    check_numeric_columns(data, list(columns) + ([target] if target else []), "units replay")
    if "targets" in options:
        raise InputError("units replay: the labels come from target=COLUMN, not targets=")
    streams: dict[Hashable, np.ndarray] = {}
    labels: dict[Hashable, np.ndarray] = {}
    for unit, part in data.groupby(level=0, sort=False):
        streams[unit] = part[list(columns)].to_numpy(np.float32)  # (T_u, F)
        values = part[target].to_numpy(np.float64) if target else np.full(len(part), np.nan)
        labels[unit] = np.r_[np.nan, values[:-1]]  # tick t: the estimate after cycle t - 1
    return stream_replay(model_or_runner, streams, targets=labels, **options)


def _rows(group: pd.DataFrame, where: str) -> pd.DataFrame:
    """The rows a scorer reads: ``"last"`` cycles, ``"all"``, or those ``"within_cap"``."""
    if where == "last":
        return group[group["last"].to_numpy(bool)]
    if where == "within_cap":
        return group[group["y_true"].to_numpy() <= group["y_capped"].to_numpy()]
    return group


def _scorer(name: str, metric: Callable, where: str, truth: str) -> Callable[[pd.DataFrame], float]:
    def scorer(group: pd.DataFrame) -> float:
        rows = _rows(group, where)
        return metric(rows[truth], rows["y_pred"]) if len(rows) else float("nan")

    scorer.__name__ = name
    return scorer


#: Scorers of a units backtest frame, ``f(group) -> float`` (NaN when a group has no
#: row to score): RMSE and NASA score at the last cycle and at every cycle, against the
#: true and the capped RUL, and the RMSE over the cycles whose true RUL is within the cap.
UNIT_SCORERS: dict[str, Callable[[pd.DataFrame], float]] = {
    f"{short}_{where}{suffix}": _scorer(f"{short}_{where}{suffix}", metric, where, truth)
    for where in ("last", "all")
    for suffix, truth in (("", "y_true"), ("_capped", "y_capped"))
    for short, metric in (("rmse", rul_rmse), ("nasa", nasa_score))
}
UNIT_SCORERS["rmse_within_cap"] = _scorer("rmse_within_cap", rul_rmse, "within_cap", "y_true")

#: RUL regressors (step encoders from a zero state per unit, regressors on feature rows)
#: over a ``(unit, cycle)`` frame.
PROTOCOL = EvaluationProtocol(
    name="units",
    accepts=_accepts,
    backtest=backtest_units,
    replay=replay_units,
    group_columns=("model", "unit"),
    scorers=UNIT_SCORERS,
)

#: The columns of a C-MAPSS results table -> the :data:`UNIT_SCORERS` behind them: the
#: standard protocol (last cycle, published truth), the same against the capped truth, and
#: every cycle whose true RUL is within the cap.
UNIT_TABLE_SCORERS = {
    "rmse": "rmse_last",
    "nasa": "nasa_last",
    "rmse_capped_truth": "rmse_last_capped",
    "nasa_capped_truth": "nasa_last_capped",
    "rmse_all_cycles": "rmse_within_cap",
}


def unit_score_table(
    predictions: pd.DataFrame, models: Sequence[str] | None = None
) -> pd.DataFrame:
    """The results table of a units backtest: one row per model, :data:`UNIT_TABLE_SCORERS` columns.

    Parameters
    ----------
    predictions : pandas.DataFrame
        What :func:`backtest_units` returned.
    models : sequence of str, optional
        Rows, in this order (default: the frame's models, in its order).

    Returns
    -------
    pandas.DataFrame
        Indexed by model, columns ``rmse``, ``nasa``, ``rmse_capped_truth``,
        ``nasa_capped_truth``, ``rmse_all_cycles``.

    Raises
    ------
    InputError
        A model that has no predictions.
    """
    known = list(pd.unique(predictions["model"]))
    models = known if models is None else list(models)
    unknown = [m for m in models if m not in known]
    if unknown:
        raise InputError(f"unit_score_table: no predictions of models {unknown}")
    table = score(predictions, UNIT_TABLE_SCORERS, by=["model"], known=UNIT_SCORERS)
    return table.set_index("model").loc[models, list(UNIT_TABLE_SCORERS)]
