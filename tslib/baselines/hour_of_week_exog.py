"""Regressors of a SARIMAX on hourly sensor data: the hour-of-week profile plus covariates.

A weekly season of 168 hours is too long for seasonal ARMA terms, so the weekly
profile enters SARIMAX as a regressor: :func:`hour_of_week_exog` chooses the
hour-of-week terms (167 dummies or K weekly Fourier pairs) by AIC of a least-squares
fit on the SARIMAX's fit window (:func:`~tslib.baselines.hour_of_week.select_hour_of_week`,
with the covariates fitted alongside), and returns one ``profile`` column (the fitted
profile, whose coefficient SARIMAX re-estimates with the covariates and the ARMA part)
followed by the covariates that vary over the window (a covariate constant there
cannot be estimated).

Examples
--------
>>> import numpy as np, pandas as pd
>>> index = pd.date_range("2024-01-01", periods=24 * 7 * 3, freq="h")
>>> y = 100 + 10 * np.sin(2 * np.pi * index.hour / 24)
>>> known = pd.DataFrame({"holiday": 0.0, "rain": np.arange(len(index)) % 5.0}, index=index)
>>> found = hour_of_week_exog(y, known, 168, len(index), candidates=(3, 7))
>>> found.columns, found.exog.shape
(['profile', 'rain'], (504, 2))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tslib.baselines.hour_of_week import HourOfWeekFit, select_hour_of_week
from tslib.errors import InputError

__all__ = ["HourOfWeekExog", "hour_of_week_exog"]


@dataclass(frozen=True)
class HourOfWeekExog:
    """What :func:`hour_of_week_exog` returns.

    Attributes
    ----------
    exog : numpy.ndarray
        (T, 1 + k) regressors on every row: the profile, then the k covariates used.
    columns : list of str
        ``["profile", *covariates used]``.
    fit : HourOfWeekFit
        The selected hour-of-week fit (``spec``, the AIC ``table``).
    """

    exog: np.ndarray
    columns: list[str]
    fit: HourOfWeekFit

    def notes(self) -> dict:
        """A short description: the terms chosen, the regressors and the best AIC."""
        return {
            "hour-of-week terms": self.fit.spec,
            "exog": ", ".join(self.columns),
            "AIC (OLS)": round(float(self.fit.table["aic"].min()), 1),
        }


def hour_of_week_exog(
    y: object,
    known: pd.DataFrame,
    lo: int,
    hi: int,
    candidates: Sequence[str | int] = ("dummies", 3, 7, 14, 21, 28, 42),
) -> HourOfWeekExog:
    """The profile and covariate regressors of one series, chosen on rows ``[lo, hi)``.

    Parameters
    ----------
    y : array_like
        (T,) target in data units, NaN where missing.
    known : pandas.DataFrame
        (T, c) covariates known in advance (finite), with the DatetimeIndex of ``y``.
    lo, hi : int
        The fit window.
    candidates : sequence
        Hour-of-week specifications compared by AIC.

    Returns
    -------
    HourOfWeekExog
    """
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    if values.size != len(known) or not 0 <= lo < hi <= values.size:
        raise InputError(
            f"hour_of_week_exog: y ({values.size},) and known ({len(known)} rows) must agree "
            f"and 0 <= lo < hi <= T, got lo={lo}, hi={hi}"
        )
    window = known.iloc[lo:hi]
    usable = [c for c in known.columns if window[c].std() > 0]
    fit = select_hour_of_week(values[lo:hi], known.index[lo:hi], window[usable], candidates)
    exog = np.column_stack([fit.profile(known.index), known[usable].to_numpy()])
    return HourOfWeekExog(exog, ["profile", *usable], fit)
