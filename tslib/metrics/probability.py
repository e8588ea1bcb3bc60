r"""Scores of probability forecasts for a binary event (rain tomorrow, a fault next cycle).

* :func:`brier_score`: :math:`\frac1n\sum (p_i - y_i)^2`, lower is better; a
  constant forecast of the base rate :math:`\bar y` scores :math:`\bar y(1-\bar y)`;
* :func:`brier_skill_score`: :math:`1 - \mathrm{BS} / \mathrm{BS}_\mathrm{ref}`;
* :func:`reliability_table`: the reliability diagram's bins (mean forecast
  against observed frequency, with counts).

The ROC AUC lives in :func:`tslib.metrics.roc_auc`.

Examples
--------
>>> brier_score([1, 0, 1, 1], [0.9, 0.2, 0.6, 0.8])
0.0625
>>> reliability_table([0, 1, 1, 0], [0.1, 0.8, 0.9, 0.3], n_bins=2)[["n", "observed"]].values.tolist()
[[2.0, 0.0], [2.0, 1.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.validation import as_bool_array, as_float_array, check_positive_int, check_same_shape

__all__ = ["brier_score", "brier_skill_score", "reliability_table"]


def _outcomes_and_probabilities(y_true: object, prob: object) -> tuple[np.ndarray, np.ndarray]:
    truth = as_bool_array(y_true, "y_true")
    p = as_float_array(prob, "prob", ndim=1)
    check_same_shape(y_true=truth, prob=p)
    if p.size == 0:
        raise InputError("prob is empty")
    if np.any((p < 0.0) | (p > 1.0)):
        first = int(np.flatnonzero((p < 0.0) | (p > 1.0))[0])
        raise InputError(f"prob must lie in [0, 1]; index {first} holds {p[first]}")
    return truth, p


def brier_score(y_true: object, prob: object) -> float:
    r"""Mean squared difference between the forecast probability and the 0/1 outcome.

    Parameters
    ----------
    y_true : array_like
        (n,) outcomes, bool or 0/1.
    prob : array_like
        (n,) forecast probabilities of the event, in [0, 1].
    """
    truth, p = _outcomes_and_probabilities(y_true, prob)
    return float(np.mean((p - truth) ** 2))


def brier_skill_score(y_true: object, prob: object, reference: object) -> float:
    r"""Skill against a reference forecast: :math:`1 - \mathrm{BS}(p)/\mathrm{BS}(p_\mathrm{ref})`.

    Positive when ``prob`` beats ``reference``; 1 is a perfect forecast.
    """
    reference_score = brier_score(y_true, reference)
    if reference_score == 0.0:
        raise InputError("the reference forecast is perfect (Brier score 0); skill is undefined")
    return 1.0 - brier_score(y_true, prob) / reference_score


def reliability_table(y_true: object, prob: object, n_bins: int = 10) -> pd.DataFrame:
    """Bins of a reliability diagram: equal-width probability bins on [0, 1].

    Parameters
    ----------
    y_true : array_like
        (n,) outcomes, bool or 0/1.
    prob : array_like
        (n,) forecast probabilities in [0, 1]; 1.0 falls in the last bin.
    n_bins : int
        Number of bins.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``bin_lower``, ``bin_upper``, ``n`` (forecasts
        in the bin), ``predicted`` (their mean probability) and ``observed`` (the
        event frequency among them). A reliable forecast has observed close to
        predicted in every bin.
    """
    truth, p = _outcomes_and_probabilities(y_true, prob)
    n_bins = check_positive_int(n_bins, "n_bins")
    edges = np.linspace(0.0, 1.0, n_bins + 1)  # (n_bins + 1,)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)  # (n,)
    rows = []
    for b in np.unique(which):
        members = which == b
        rows.append(
            {
                "bin_lower": edges[b],
                "bin_upper": edges[b + 1],
                "n": float(members.sum()),
                "predicted": float(p[members].mean()),
                "observed": float(truth[members].mean()),
            }
        )
    return pd.DataFrame(rows, columns=["bin_lower", "bin_upper", "n", "predicted", "observed"])
