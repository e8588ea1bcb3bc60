"""Score table of probability forecasts of a binary event (rain tomorrow, a fault within k steps).

Examples
--------
>>> import numpy as np
>>> truth = np.array([0.0, 1.0, 1.0, 0.0])
>>> table = probability_scores({"sharp": np.array([0.1, 0.9, 0.8, 0.2]),
...                             "flat": np.full(4, 0.5)}, truth, event="rain")
>>> table["model"].tolist(), table.columns.tolist()
(['sharp', 'flat'], ['model', 'n', 'rain share', 'brier', 'auc'])
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.metrics.detection import roc_auc
from tslib.metrics.probability import brier_score

__all__ = ["probability_scores"]


def probability_scores(
    probabilities: Mapping[str, object],
    truth: object,
    observed: object | None = None,
    event: str = "event",
) -> pd.DataFrame:
    """Brier score and ROC AUC of each model's event probabilities, best Brier first.

    Parameters
    ----------
    probabilities : mapping
        Model -> (n,) predicted probabilities of the event, aligned with ``truth``.
    truth : array_like
        (n,) 1.0 where the event happened, 0.0 where not.
    observed : array_like of bool, optional
        (n,) rows whose label was really observed (an imputed label is never scored).
    event : str
        Name of the event, for the ``"<event> share"`` column.

    Returns
    -------
    pandas.DataFrame
        ``model, n, <event> share, brier, auc``, sorted by Brier score (lower is better).

    Raises
    ------
    InputError
        Shapes that disagree, or no model.
    """
    labels = np.asarray(truth, dtype=np.float64).reshape(-1)
    keep = np.ones(labels.size, bool) if observed is None else np.asarray(observed, dtype=bool)
    if keep.shape != labels.shape:
        raise InputError(f"probability_scores: observed {keep.shape} != truth {labels.shape}")
    if not probabilities:
        raise InputError("probability_scores: give at least one model's probabilities")
    rows = []
    for model, values in probabilities.items():
        p = np.asarray(values, dtype=np.float64).reshape(-1)
        if p.shape != labels.shape:
            raise InputError(f"probability_scores: {model!r} has {p.shape}, truth {labels.shape}")
        rows.append(
            {
                "model": model,
                "n": int(keep.sum()),
                f"{event} share": labels[keep].mean(),
                "brier": brier_score(labels[keep], p[keep]),
                "auc": roc_auc(labels[keep], p[keep]),
            }
        )
    return pd.DataFrame(rows).sort_values("brier")
