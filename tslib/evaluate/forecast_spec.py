"""One entry of a forecast backtest: a model and the inputs only it sees.

Most entries of ``ts.backtest({...}, y, ...)`` are bare models, and every model sees
what the call's options give (``x`` for deep models, ``exog`` for forecasters, the
whole of ``y`` before each origin). A :class:`ForecastSpec` gives one entry its own:
a deep model trained on fewer input columns, a SARIMAX with its own Fourier
regressors fitted on a recent window. Every entry is still scored on the same
origins, so one call compares deep models and baselines side by side.

Examples
--------
>>> import numpy as np
>>> from tslib.baselines import NaiveForecaster
>>> spec = ForecastSpec(NaiveForecaster(), first=10)
>>> spec.first, spec.exog is None
(10, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tslib.errors import InputError

__all__ = ["ForecastSpec"]


@dataclass(frozen=True)
class ForecastSpec:
    """A backtest entry: a model with its own inputs and first row.

    Attributes
    ----------
    model : object
        A trained :class:`~tslib.encoders.base.StepEncoder` or a
        :class:`~tslib.baselines.base.Forecaster`.
    exog : array_like, optional
        Exogenous regressors (T, k) of a forecaster, aligned with the whole ``y``;
        replaces the call's ``exog``.
    first : int
        First row of ``y`` the model sees (a forecaster is fitted on
        ``y[first:origin]``); ``0`` is all of it. Must lie before the first origin.
    x : array_like, optional
        Inputs (T, F) of a deep model, aligned with ``y``; replaces the call's ``x``.
    known_columns : sequence of int, optional
        Columns of this entry's ``x`` known in advance; replaces the call's
        ``known_columns``.
    """

    model: object
    exog: np.ndarray | None = None
    first: int = 0
    x: np.ndarray | None = None
    known_columns: Sequence[int] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.first, bool) or not isinstance(self.first, (int, np.integer)):
            raise InputError(f"ForecastSpec: first must be an int >= 0, got {self.first!r}")
        if self.first < 0:
            raise InputError(f"ForecastSpec: first must be an int >= 0, got {self.first}")
