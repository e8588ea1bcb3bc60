"""Hour-of-week effects for regression baselines: dummies or Fourier terms, chosen by AIC.

Hourly traffic repeats every week (168 h), with sharp rush hours that differ
between weekdays and weekends. Two ways to write that effect as regressors:

* ``"dummies"``: one indicator per hour of the week (167 columns, hour 0 of
  Monday being the reference level absorbed by the intercept);
* an int ``K``: the first K Fourier pairs of the weekly period
  (:func:`tslib.baselines.fourier.fourier_terms` with ``{"7D": K}``);
  harmonics 7, 14, 21 ... are the daily cycle and its harmonics.

:func:`select_hour_of_week` fits ``y ~ 1 + terms + covariates`` by ordinary
least squares (statsmodels, rows with a missing value dropped) for every
candidate and keeps the lowest AIC. :meth:`HourOfWeekFit.profile` is the fitted
hour-of-week component (intercept plus terms, covariates excluded) at any
timestamps, so a state-space model can take it as one known exogenous column
and re-estimate the covariates' effects jointly with its ARMA part.

Examples
--------
>>> import numpy as np, pandas as pd
>>> index = pd.date_range("2024-01-01", periods=24 * 7 * 4, freq="h")
>>> week = (index.day_of_week * 24 + index.hour).to_numpy()
>>> y = 100.0 + 50.0 * np.sin(2 * np.pi * 7 * week / 168)
>>> fit = select_hour_of_week(y, index, candidates=(3, 7))
>>> fit.spec, bool(np.allclose(fit.profile(index[:3]), y[:3]))
(7, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from tslib.baselines.fourier import fourier_terms
from tslib.errors import DataError, InputError

__all__ = [
    "HOURS_PER_WEEK",
    "week_position",
    "hour_of_week_terms",
    "HourOfWeekFit",
    "select_hour_of_week",
]

#: Length of the weekly cycle in hours.
HOURS_PER_WEEK = 168


def week_position(index: pd.DatetimeIndex) -> np.ndarray:
    """Hours since Monday 00:00 of each timestamp, (T,) float in [0, 168)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"week_position: need a DatetimeIndex, got {type(index).__name__}")
    return (
        index.day_of_week.to_numpy() * 24.0
        + index.hour.to_numpy()
        + index.minute.to_numpy() / 60.0
        + index.second.to_numpy() / 3600.0
    )


def _check_spec(spec: object) -> str | int:
    if spec == "dummies":
        return "dummies"
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if 1 <= spec <= HOURS_PER_WEEK // 2:
            return int(spec)
    raise InputError(
        f"hour-of-week spec must be 'dummies' or an int in [1, {HOURS_PER_WEEK // 2}], got {spec!r}"
    )


def hour_of_week_terms(index: pd.DatetimeIndex, spec: str | int) -> pd.DataFrame:
    """Hour-of-week regressors (no intercept) at ``index`` for ``spec`` (see the module)."""
    spec = _check_spec(spec)
    position = week_position(index)  # (T,)
    if spec == "dummies":
        hours = np.floor(position).astype(np.int64)  # (T,)
        values = (hours[:, None] == np.arange(1, HOURS_PER_WEEK)[None, :]).astype(np.float64)
        names = [f"how_{h}" for h in range(1, HOURS_PER_WEEK)]
        return pd.DataFrame(values, index=index, columns=names)
    return fourier_terms(index, {"7D": spec})  # (T, 2K), weekly period


@dataclass(frozen=True)
class HourOfWeekFit:
    """The selected hour-of-week specification and its least-squares fit.

    Attributes
    ----------
    spec : str or int
        ``"dummies"`` or the Fourier order K.
    table : pandas.DataFrame
        One row per candidate: ``spec``, ``n_params``, ``aic``, ``selected``.
    intercept : float
        Fitted intercept.
    coefficients : numpy.ndarray
        Fitted coefficients of the hour-of-week terms.
    covariate_coefficients : pandas.Series
        Fitted coefficients of the covariates (empty without covariates).
    """

    spec: str | int
    table: pd.DataFrame
    intercept: float
    coefficients: np.ndarray
    covariate_coefficients: pd.Series

    def profile(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Intercept plus the hour-of-week effect at ``index``, (T,) float."""
        terms = hour_of_week_terms(index, self.spec).to_numpy()  # (T, k)
        return self.intercept + terms @ self.coefficients


def select_hour_of_week(
    y: object,
    index: pd.DatetimeIndex,
    covariates: pd.DataFrame | np.ndarray | None = None,
    candidates: Sequence[str | int] = ("dummies", 3, 7, 14, 21, 28, 42),
) -> HourOfWeekFit:
    """Choose the hour-of-week terms by AIC of an OLS fit and return the best fit.

    Parameters
    ----------
    y : array_like
        (T,) target; NaN rows are left out of every fit.
    index : pandas.DatetimeIndex
        Timestamps of ``y``.
    covariates : DataFrame or array, optional
        (T, c) regressors fitted alongside (weather, holiday); NaN rows are left out.
    candidates : sequence
        Specifications to compare (``"dummies"`` and / or Fourier orders).

    Returns
    -------
    HourOfWeekFit
    """
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    if values.size != len(index):
        raise InputError(f"select_hour_of_week: y has {values.size} rows, index {len(index)}")
    if not candidates:
        raise InputError("select_hour_of_week: candidates is empty")
    if covariates is None:
        extra = pd.DataFrame(index=index)
    elif isinstance(covariates, pd.DataFrame):
        extra = covariates.set_axis(index)
    else:
        extra = pd.DataFrame(np.asarray(covariates, dtype=np.float64), index=index)
        extra.columns = [f"x{k}" for k in range(extra.shape[1])]
    if len(extra) != values.size:
        raise InputError(f"select_hour_of_week: covariates have {len(extra)} rows, y {values.size}")
    rows, fits = [], {}
    for spec in candidates:
        spec = _check_spec(spec)
        design = pd.concat([hour_of_week_terms(index, spec), extra], axis=1)
        design.insert(0, "const", 1.0)
        keep = np.isfinite(values) & np.isfinite(design.to_numpy(dtype=np.float64)).all(axis=1)
        if keep.sum() <= design.shape[1]:
            raise DataError(
                f"select_hour_of_week: {int(keep.sum())} complete rows for {design.shape[1]} "
                f"parameters (spec {spec!r}); use a longer window or fewer terms"
            )
        result = sm.OLS(values[keep], design.to_numpy()[keep]).fit()
        fits[spec] = (result.params, list(design.columns))
        rows.append({"spec": str(spec), "n_params": design.shape[1], "aic": float(result.aic)})
    table = pd.DataFrame(rows)
    best = int(table["aic"].to_numpy().argmin())
    table["selected"] = np.arange(len(table)) == best
    spec = _check_spec(candidates[best])
    params, names = fits[spec]
    n_terms = len(names) - 1 - extra.shape[1]
    return HourOfWeekFit(
        spec=spec,
        table=table,
        intercept=float(params[0]),
        coefficients=np.asarray(params[1 : 1 + n_terms], dtype=np.float64),
        covariate_coefficients=pd.Series(params[1 + n_terms :], index=names[1 + n_terms :]),
    )
