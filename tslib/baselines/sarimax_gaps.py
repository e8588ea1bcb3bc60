"""SARIMAX on a series with gaps, fitted once on a recent window and advanced with ``extend``.

Missing observations are NaN and the Kalman filter skips them (statsmodels
treats a NaN ``endog`` as missing), so a gap is neither imputed nor bridged by
interpolation: the state is predicted through it and its uncertainty grows.
Exogenous regressors must be finite (they are known in advance: calendar terms,
holidays, weather inputs).

Forecasts from every origin at once
-----------------------------------
:meth:`GapSarimaxForecaster.forecast_origins` advances the state over new rows
with ``results.extend`` (fixed parameters, O(new rows)) and returns, for every
new row ``i`` and horizon ``h``, the forecast of row ``i + h`` made after
observing rows up to ``i``. With the filter's one-step predicted state
``a[i+1|i]`` (statsmodels' ``predicted_state``), transition ``T``, state
intercept ``c``, design ``Z`` and observation intercept ``d`` (the regression
part ``exog @ beta``),

.. math::
    a_{i+h|i} = T\\,a_{i+h-1|i} + c, \\qquad \\hat y_{i+h|i} = Z\\,a_{i+h|i} + d_{i+h},

which is what ``get_forecast`` computes from that origin (tested to 1e-8), for
all origins in one pass of small matrix products.

The optimiser and the filter run with BLAS limited to one thread: on these small
state matrices more threads only add overhead (a fit was ~5x slower on 2 shared cores).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from tslib.baselines.base import as_exog, register_baseline
from tslib.baselines.statespace import SarimaxForecaster
from tslib.errors import InputError

__all__ = ["GapSarimaxForecaster"]


def _with_gaps(values: object, name: str, allow_missing: bool) -> np.ndarray:
    """A 1-D float array in which NaN marks a missing observation (inf is rejected)."""
    if isinstance(values, (str, bytes)):
        raise InputError(f"{name} must be a numeric series, got {type(values).__name__}")
    try:
        array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError) as error:
        raise InputError(f"{name} must be numeric: {error}") from error
    if array.ndim != 1 or array.size == 0:
        raise InputError(f"{name} must be a non-empty 1-D series, got shape {array.shape}")
    if np.isinf(array).any():
        raise InputError(f"{name} contains inf (use NaN for a missing observation)")
    if not allow_missing and np.isnan(array).any():
        raise InputError(
            f"{name} contains NaN; pass allow_missing=True to treat NaN as a missing observation"
        )
    return array


@register_baseline("sarimax_gaps")
class GapSarimaxForecaster(SarimaxForecaster):
    """Seasonal ARIMA with exogenous regressors on data with missing observations (NaN).

    Parameters
    ----------
    order : tuple of int
        ``(p, d, q)``.
    seasonal_order : tuple of int
        ``(P, D, Q, s)``; ``(1, 0, 0, 24)`` is a daily seasonal AR for hourly data.
    trend : str or None
        Deterministic trend (``None`` when the exog holds the level, e.g. a profile).
    maxiter : int
        Optimiser iterations of the one maximum-likelihood fit.
    allow_missing : bool
        Treat NaN in ``y`` as a missing observation (the point of this class);
        with False, NaN raises :class:`~tslib.errors.InputError` like every other
        forecaster.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(np.arange(120) / 3.0) + 5.0
    >>> y[40:44] = np.nan
    >>> model = GapSarimaxForecaster(order=(2, 0, 0), seasonal_order=(0, 0, 0, 0), trend="c")
    >>> model.fit(y[:100]).forecast_origins(y[100:], horizons=[1, 3]).shape
    (20, 2)
    >>> model.n_obs
    120
    """

    def __init__(
        self,
        order: tuple[int, int, int] = (2, 0, 0),
        seasonal_order: tuple[int, int, int, int] = (1, 0, 0, 24),
        trend: str | None = None,
        maxiter: int = 50,
        allow_missing: bool = True,
    ) -> None:
        super().__init__(order=order, seasonal_order=seasonal_order, trend=trend, maxiter=maxiter)
        self.allow_missing = allow_missing

    @classmethod
    def test_config(cls) -> list[dict]:
        """AR(2) with a constant, and an AR(1) x seasonal AR(1)_12.

        The contract suite checks that NaN is rejected, so these use
        ``allow_missing=False``; the missing-data path has its own tests.
        """
        common = {"trend": "c", "allow_missing": False}
        return [
            {
                "params": {"order": (2, 0, 0), "seasonal_order": (0, 0, 0, 0), **common},
                "data": "seasonal",
            },
            {
                "params": {"order": (1, 0, 0), "seasonal_order": (1, 0, 0, 12), **common},
                "data": "seasonal",
            },
        ]

    # -- life cycle: NaN is a missing observation -----------------------------------------
    def fit(self, y_train: object, exog: object | None = None) -> GapSarimaxForecaster:
        """Estimate the parameters once on ``y_train`` (NaN = missing)."""
        y = _with_gaps(y_train, "y_train", self.allow_missing)
        if np.isfinite(y).sum() < 10:
            raise InputError(f"y_train has {int(np.isfinite(y).sum())} observations; need >= 10")
        with threadpool_limits(1):
            self._fit(y, as_exog(exog, y.size, "exog"))
        self._fitted = True
        return self

    def update(self, y_new: object, exog: object | None = None) -> GapSarimaxForecaster:
        """Filter new rows (NaN = missing) with the fitted parameters (``results.extend``)."""
        self._require_fitted()
        y = _with_gaps(y_new, "y_new", self.allow_missing)
        with threadpool_limits(1):
            self._update(y, as_exog(exog, y.size, "exog"))
        return self

    def apply(self, y: object, exog: object | None = None) -> GapSarimaxForecaster:
        """A fitted copy whose state is the fitted parameters filtered over ``y`` (NaN = missing)."""
        self._require_fitted()
        values = _with_gaps(y, "y", self.allow_missing)
        other = copy.deepcopy(self)
        with threadpool_limits(1):
            other._apply(values, as_exog(exog, values.size, "exog"))
        return other

    # -- every origin at once -----------------------------------------------------------
    def forecast_origins(
        self, y_new: object, exog: object | None = None, horizons: Sequence[int] = (1,)
    ) -> np.ndarray:
        """Advance over ``y_new`` and return the forecasts made after each of its rows.

        Parameters
        ----------
        y_new : array_like
            (n,) new rows, NaN = missing.
        exog : array_like, optional
            (n, k) regressors of the new rows (required when fitted with exog).
        horizons : sequence of int
            Steps ahead, each >= 1.

        Returns
        -------
        numpy.ndarray
            (n, H): ``[i, j]`` forecasts row ``i + horizons[j]`` from the rows up
            to ``i``; NaN where ``i + horizons[j]`` lies beyond ``y_new`` (its
            regressors are not known). The model is left advanced over ``y_new``.
        """
        steps = np.asarray(horizons)
        if steps.ndim != 1 or steps.size == 0 or steps.dtype.kind not in "iu" or (steps < 1).any():
            raise InputError(f"horizons must be a list of ints >= 1, got {horizons!r}")
        self.update(y_new, exog)
        rows = int(np.asarray(y_new).size)
        filtered = self._results.filter_results
        transition = filtered.transition[:, :, -1]  # (m, m), time-invariant
        design = filtered.design[0, :, -1]  # (m,)
        state_intercept = filtered.state_intercept[:, -1]  # (m,)
        obs_intercept = (
            filtered.obs_intercept[0, -rows:]
            if filtered.obs_intercept.shape[1] > 1
            else (np.full(rows, filtered.obs_intercept[0, 0]))
        )  # (n,)
        state = filtered.predicted_state[:, -rows:]  # (m, n): a[i+1|i] for the new rows
        out = np.full((rows, steps.size), np.nan)
        for h in range(1, int(steps.max()) + 1):
            if h > 1:
                state = transition @ state + state_intercept[:, None]  # (m, n): a[i+h|i]
            columns = np.flatnonzero(steps == h)
            if columns.size == 0 or h >= rows:
                continue
            mean = design @ state[:, : rows - h] + obs_intercept[h:]  # (n - h,)
            out[: rows - h, columns] = mean[:, None]
        return out
