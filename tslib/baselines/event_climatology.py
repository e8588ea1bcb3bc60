"""Climatology of an event: its probability at each point of the seasonal cycle.

The classical reference for a "will it rain at the next step?" classifier: a logistic
regression of the 0/1 event on Fourier terms of the timestamp (day of year with enough
training years, hour of day below a daily step; see
:func:`~tslib.baselines.fourier.seasonal_fourier_orders`), fitted on the rows before
``fit_end`` only. With no cycle to fit it is the training share of the event.

Examples
--------
>>> import numpy as np, pandas as pd
>>> index = pd.date_range("2020-01-01", periods=96, freq="h")
>>> rain = (index.hour >= 12).astype(float)  # rain every afternoon
>>> p = event_climatology(index, rain, fit_end=72)
>>> p.shape, bool(p[86] > 0.9), bool(p[74] < 0.1)
((96,), True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from tslib.baselines.fourier import fourier_terms, seasonal_fourier_orders
from tslib.errors import InputError

__all__ = ["event_climatology"]


def event_climatology(index: pd.DatetimeIndex, events: np.ndarray, fit_end: int) -> np.ndarray:
    """Probability of the event at every timestamp, fitted on ``events[:fit_end]``.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        (T,) regular timestamps; the step is ``index[1] - index[0]``.
    events : numpy.ndarray
        (T,) 0/1 outcomes; only the first ``fit_end`` are used.
    fit_end : int
        Rows before it are the fitting span (the data before the test span).

    Returns
    -------
    numpy.ndarray
        (T,) probabilities of the event (class 1).

    Raises
    ------
    InputError
        Lengths differ, ``fit_end`` is out of range, or the fitting span lacks one class.
    """
    events = np.asarray(events, dtype=float)
    if len(events) != len(index) or len(index) < 2:
        raise InputError(f"events ({len(events)}) and index ({len(index)}) must match, >= 2")
    if not 0 < fit_end <= len(index):
        raise InputError(f"fit_end must be in 1..{len(index)}; got {fit_end}")
    if len(np.unique(events[:fit_end])) != 2:
        raise InputError("the fitting span must hold both outcomes (0 and 1)")
    orders = seasonal_fourier_orders(index[1] - index[0], index[fit_end - 1] - index[0])
    terms = fourier_terms(index, orders).to_numpy() if orders else np.ones((len(index), 1))
    model = LogisticRegression().fit(terms[:fit_end], events[:fit_end])
    return model.predict_proba(terms)[:, 1]  # (T,)
