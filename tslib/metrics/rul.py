r"""Remaining-useful-life (RUL) metrics, as used on NASA C-MAPSS.

The error of a prediction is :math:`d = \widehat{\mathrm{RUL}} - \mathrm{RUL}`:
positive :math:`d` is a *late* prediction (the engine fails before the model
expects), which the NASA score penalises more than an early one (Saxena et al.,
2008, PHM'08 challenge).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.validation import as_float_array, check_same_shape

__all__ = ["rul_rmse", "nasa_score", "alarm_due_positions"]


def _errors(rul_true: object, rul_pred: object) -> np.ndarray:
    truth = as_float_array(rul_true, "rul_true", ndim=1)
    pred = as_float_array(rul_pred, "rul_pred", ndim=1)
    check_same_shape(rul_true=truth, rul_pred=pred)
    return pred - truth  # d = predicted - true


def rul_rmse(rul_true: object, rul_pred: object) -> float:
    r"""Root mean squared RUL error, :math:`\sqrt{\frac1n\sum d_i^2}` (one value per unit).

    Pass the targets exactly as they should be scored: C-MAPSS papers usually
    score against the uncapped ``RUL_FD00k`` values, while training targets are
    often capped at 125.
    """
    errors = _errors(rul_true, rul_pred)
    return float(np.sqrt(np.mean(errors**2)))


def nasa_score(rul_true: object, rul_pred: object) -> float:
    r"""The asymmetric NASA / PHM'08 scoring function (lower is better, 0 is perfect).

    .. math::
        S = \sum_{i:\,d_i<0} \bigl(e^{-d_i/13} - 1\bigr) + \sum_{i:\,d_i\ge 0} \bigl(e^{d_i/10} - 1\bigr),
        \qquad d_i = \widehat{\mathrm{RUL}}_i - \mathrm{RUL}_i .

    It is a **sum** over units, so it grows with the number of test units.
    """
    errors = _errors(rul_true, rul_pred)
    early = errors < 0
    penalties = np.where(early, np.expm1(-errors / 13.0), np.expm1(errors / 10.0))
    return float(np.sum(penalties))


def alarm_due_positions(rul_by_unit: pd.Series, horizon: float) -> np.ndarray:
    """Position of the first cycle of each unit whose true RUL is at most ``horizon``.

    The event of a "RUL <= horizon" alarm: from that cycle on the alarm is due.
    Positions count a unit's observed cycles from 0 (the input
    :func:`tslib.metrics.unit_alarm_summary` takes as ``events``).

    Parameters
    ----------
    rul_by_unit : pandas.Series
        True RUL indexed by ``(unit, cycle)``, each unit's cycles contiguous and in order.
    horizon : float
        Alarm horizon in cycles.

    Returns
    -------
    numpy.ndarray
        (n_units,) float positions, in the order the units first appear; ``inf``
        for a unit whose observed cycles never come that close to failure.

    Examples
    --------
    >>> index = pd.MultiIndex.from_tuples([(1, 1), (1, 2), (1, 3), (2, 1)])
    >>> alarm_due_positions(pd.Series([5.0, 3.0, 2.0, 9.0], index=index), 3).tolist()
    [1.0, inf]
    """
    if not isinstance(rul_by_unit, pd.Series) or not isinstance(rul_by_unit.index, pd.MultiIndex):
        raise InputError(
            "alarm_due_positions: rul_by_unit must be a Series indexed by (unit, cycle)"
        )
    positions = []
    for _, part in rul_by_unit.groupby(level=0, sort=False):
        due = np.flatnonzero(as_float_array(part.to_numpy(), "rul_by_unit", ndim=1) <= horizon)
        positions.append(float(due[0]) if due.size else np.inf)
    return np.asarray(positions, dtype=np.float64)
