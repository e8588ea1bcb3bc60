"""Forecast errors against the ground truth of the traffic simulator (its `truth`).

:func:`tslib.datasets.traffic_sim.traffic_sim` returns, besides the observations, what
generated them (``LoadedDataset.truth``): the baseline profile, the shared factor and
each sensor's loading on it, and the incident effect. Two questions need it:

* how do the models do *inside incidents* (hours where the true incident effect still
  removes more than 5 % of the volume) against the rest;
* how far are the forecasts from the **noise-free signal**, the volume without the
  AR(1) sensor noise (``baseline * exp(loading * factor) * incident_effect``), the part
  that is in principle forecastable, and how far are the observations themselves from
  it (the noise level).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tslib.errors import InputError

__all__ = ["noise_free_signal", "against_truth"]

_NEEDED = ("baseline", "factor", "loadings", "incident_effect")


def noise_free_signal(truth: Mapping) -> pd.DataFrame:
    """(time x sensor) volume without sensor noise: baseline x shared factor x incident effect."""
    missing = [key for key in _NEEDED if key not in truth]
    if missing:
        raise InputError(f"noise_free_signal: the truth lacks {missing} (traffic_sim has them)")
    baseline = truth["baseline"]
    loadings = truth["loadings"][baseline.columns].to_numpy()  # (S,)
    factor = np.exp(np.outer(truth["factor"].to_numpy(), loadings))  # (T, S)
    return baseline * factor * truth["incident_effect"]


def _at_targets(table: pd.DataFrame, results: pd.DataFrame) -> np.ndarray:
    """Values of a (time x sensor) table at each row's target time and stream."""
    return table.to_numpy()[
        table.index.get_indexer(results["timestamp"]),
        table.columns.get_indexer(results["stream"]),
    ]


def against_truth(
    results: pd.DataFrame, truth: Mapping, models: Sequence[str], threshold: float = 0.95
) -> dict:
    """Errors inside and outside incidents, and against the noise-free signal.

    Parameters
    ----------
    results : pandas.DataFrame
        Tidy predictions with ``model``, ``stream``, ``horizon``, ``timestamp``,
        ``y_true`` and ``y_pred`` (the segments backtest).
    truth : mapping
        ``LoadedDataset.truth`` of ``traffic_sim``.
    models : sequence of str
        Models to report, in this order.
    threshold : float
        A target hour is inside an incident when the true effect is below this.

    Returns
    -------
    dict
        ``incidents``: (horizon, model) rows with ``MAE outside incidents``, ``MAE inside
        incidents`` and ``points inside``; ``noise_free``: (model x horizon) MAE against the
        noise-free signal; ``noise_level``: horizon -> mean |signal - observation|.
    """
    keyed = results[results["model"].isin(models)].assign(
        effect=lambda d: _at_targets(truth["incident_effect"], d),
        signal=lambda d: _at_targets(noise_free_signal(truth), d),
    )
    keyed["abs_error"] = (keyed["y_true"] - keyed["y_pred"]).abs()
    keyed["inside"] = keyed["effect"] < threshold
    keyed["signal_error"] = (keyed["signal"] - keyed["y_pred"]).abs()
    incidents = keyed.pivot_table(
        index=["horizon", "model"], columns="inside", values="abs_error", aggfunc="mean"
    )
    incidents = incidents.rename(
        columns={False: "MAE outside incidents", True: "MAE inside incidents"}
    )
    incidents.columns.name = None
    incidents["points inside"] = keyed[keyed["inside"]].groupby(["horizon", "model"]).size()
    noise_free = keyed.pivot_table(
        index="model", columns="horizon", values="signal_error", aggfunc="mean"
    ).loc[list(models)]
    level = (
        keyed.drop_duplicates(["timestamp", "stream", "horizon"])
        .assign(gap=lambda d: (d["signal"] - d["y_true"]).abs())
        .groupby("horizon")["gap"]
        .mean()
    )
    return {"incidents": incidents, "noise_free": noise_free, "noise_level": level}
