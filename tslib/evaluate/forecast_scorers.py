"""Scorers of point and probabilistic forecasts: ``f(group) -> float`` over tidy rows.

* :data:`METRICS`: point and interval scorers every protocol understands (``mae``,
  ``rmse``, ``smape``, ``coverage`` and ``width`` of the ``lower`` / ``upper`` interval);
* :data:`FORECAST_SCORERS`: the forecast protocol's own, over the Gaussian columns
  that ``ts.backtest(..., interval=c, levels=(...))`` adds
  (:func:`~tslib.evaluate.probabilistic.gaussian_columns`): ``crps``, ``pit_mean``,
  and ``coverage_<p>`` / ``width_<p>`` at the usual levels (50, 80, 90, 95, 99); and, for
  event forecasts (``event_class=``: ``y_pred`` a probability, ``y_true`` 0/1), ``brier``,
  ``auc`` and ``event_share``;
* :func:`forecast_scorers`: the table a weather-style comparison shows, in its column
  order (MAE, RMSE, MASE against a training series, coverage and width per level, CRPS).

Examples
--------
>>> import pandas as pd
>>> group = pd.DataFrame({"y_true": [0.0, 2.0], "y_pred": [1.0, 1.0],
...                       "lower_80": [-1.0, -1.0], "upper_80": [1.5, 1.5]})
>>> FORECAST_SCORERS["coverage_80"](group), FORECAST_SCORERS["width_80"](group)
(0.5, 2.5)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.evaluate.probabilistic import level_name
from tslib.metrics.detection import roc_auc
from tslib.metrics.forecasting import interval_coverage, interval_width, mae, mase, rmse, smape
from tslib.metrics.probability import brier_score

__all__ = ["METRICS", "FORECAST_SCORERS", "forecast_scorers"]

Scorer = Callable[[pd.DataFrame], float]

#: Metric name -> ``function(group) -> float`` over a frame with ``y_true`` / ``y_pred``
#: (and ``lower`` / ``upper`` for the interval metrics).
METRICS: dict[str, Scorer] = {
    "mae": lambda g: mae(g["y_true"], g["y_pred"]),
    "rmse": lambda g: rmse(g["y_true"], g["y_pred"]),
    "smape": lambda g: smape(g["y_true"], g["y_pred"]),
    "coverage": lambda g: interval_coverage(g["y_true"], g["lower"], g["upper"]),
    "width": lambda g: interval_width(g["lower"], g["upper"]),
}


def _columns(group: pd.DataFrame, scorer: str, *columns: str) -> list[np.ndarray]:
    missing = [c for c in columns if c not in group.columns]
    if missing:
        raise InputError(
            f"scorer {scorer!r}: the frame lacks columns {missing}; backtest with interval= "
            "and levels=(...) to add the Gaussian columns"
        )
    return [group[c].to_numpy(np.float64) for c in columns]


def _coverage(level: float) -> Scorer:
    name = level_name(level)

    def coverage(group: pd.DataFrame) -> float:
        truth, low, high = _columns(group, f"coverage_{name}", "y_true", *_bounds(name))
        return float(np.mean((truth >= low) & (truth <= high)))

    return coverage


def _width(level: float) -> Scorer:
    name = level_name(level)

    def width(group: pd.DataFrame) -> float:
        low, high = _columns(group, f"width_{name}", *_bounds(name))
        return float(np.mean(high - low))

    return width


def _bounds(name: str) -> tuple[str, str]:
    return f"lower_{name}", f"upper_{name}"


def _crps(group: pd.DataFrame) -> float:
    return float(_columns(group, "crps", "crps")[0].mean())


def _pit_mean(group: pd.DataFrame) -> float:
    return float(_columns(group, "pit_mean", "pit")[0].mean())


def _mase(y_train: object, season: int) -> Scorer:
    def scaled(group: pd.DataFrame) -> float:
        return mase(group["y_true"].to_numpy(), group["y_pred"].to_numpy(), y_train, season)

    return scaled


#: The forecast protocol's own scorers (``ts.backtest(..., scorers=["crps", "coverage_95"])``).
FORECAST_SCORERS: dict[str, Scorer] = {
    "crps": _crps,
    "pit_mean": _pit_mean,
    "brier": lambda g: brier_score(g["y_true"].to_numpy(), g["y_pred"].to_numpy()),
    "auc": lambda g: roc_auc(g["y_true"].to_numpy(), g["y_pred"].to_numpy()),
    "event_share": lambda g: float(g["y_true"].mean()),
    **{f"coverage_{level_name(p)}": _coverage(p) for p in (0.5, 0.8, 0.9, 0.95, 0.99)},
    **{f"width_{level_name(p)}": _width(p) for p in (0.5, 0.8, 0.9, 0.95, 0.99)},
}


def forecast_scorers(
    levels: Sequence[float] = (0.8, 0.95), y_train: object | None = None, season: int = 1
) -> dict[str, Scorer]:
    """MAE, RMSE[, MASE], coverage and width per level, and CRPS, as name -> scorer.

    Parameters
    ----------
    levels : sequence of float
        Central coverages reported; the frame needs their ``lower_<p>`` / ``upper_<p>``
        columns (``ts.backtest(..., interval=c, levels=...)``).
    y_train : array_like, optional
        Training series in data units; gives ``mase`` (scaled by the in-sample naive
        MAE of period ``season``, Hyndman & Koehler 2006). Without it, no ``mase``.
    season : int
        Period of the naive forecast that scales MASE.

    Returns
    -------
    dict
        Name -> scorer, for ``ts.score`` or ``ts.backtest(scorers=...)``.
    """
    scorers: dict[str, Scorer] = {"mae": METRICS["mae"], "rmse": METRICS["rmse"]}
    if y_train is not None:
        scorers["mase"] = _mase(y_train, season)
    for level in levels:
        if not 0.0 < level < 1.0:
            raise InputError(f"forecast_scorers: levels must lie in (0, 1), got {level}")
        scorers[f"coverage_{level_name(level)}"] = _coverage(level)
        scorers[f"width_{level_name(level)}"] = _width(level)
    scorers["crps"] = _crps
    return scorers
