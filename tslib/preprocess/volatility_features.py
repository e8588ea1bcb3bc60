r"""Causal volatility features of a return series, scaled by a RiskMetrics volatility.

With returns :math:`r_t` (percent) and the exponentially weighted variance

.. math:: \sigma^2_{t+1\mid t} = \lambda\,\sigma^2_{t\mid t-1} + (1-\lambda)\,r_t^2,
          \qquad \sigma^2_{1\mid 0} = \overline{r^2}_{\text{train}},

(RiskMetrics, 1996, :math:`\lambda = 0.94` for daily data), every row ``t`` gets

* ``sigma``: :math:`\sigma_{t+1\mid t}`, the volatility forecast for the *next* row;
* ``z``: :math:`r_t / \sigma_{t\mid t-1}`, the return in units of the forecast made
  the row before (so ``z`` of row ``t + 1`` is the next-day return a model at row
  ``t`` predicts, in units of that row's ``sigma``);
* ``abs_z``: :math:`|z_t|`;
* ``log_vol``: :math:`\log(\sigma_{t+1\mid t} / \sigma_{\text{train}})`, the level of
  volatility against the training span's;
* ``log_vol_ratio``: :math:`\log(\sigma_{t+1\mid t} / \sigma^{\text{long}}_{t+1\mid t})`,
  short against long memory (``long_lam``), a mean-reversion signal;
* ``range_z`` (with ``range_column``): the day's range over :math:`\sigma_{t\mid t-1}`.

A missing return leaves the state unchanged and gives NaN features on that row;
a missing range gives NaN ``range_z`` only. Fitting reads the training span only
(:math:`\overline{r^2}_{\text{train}}`, the starting variance).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError
from tslib.preprocess.base import StepTransform, register_transform

__all__ = ["VolatilityFeatures", "FEATURE_COLUMNS"]

#: Output columns (``range_z`` only with a range column).
FEATURE_COLUMNS = ("sigma", "z", "abs_z", "log_vol", "log_vol_ratio", "range_z")


@register_transform("volatility_features")
class VolatilityFeatures(StepTransform):
    """RiskMetrics-scaled return features (see the module docstring).

    Parameters
    ----------
    return_column : str
        Column of returns (percent log returns for daily data).
    range_column : str or None
        Column of a daily range (e.g. ``100 * log(High / Low)``), or None.
    lam : float
        Decay of the RiskMetrics variance, in (0, 1).
    long_lam : float
        Decay of the long-memory variance, in (0, 1).

    Examples
    --------
    >>> frame = pd.DataFrame({"return": [1.0, -2.0, 0.5]})
    >>> features = VolatilityFeatures(lam=0.5, long_lam=0.9).fit(frame).transform(frame)
    >>> features["sigma"].round(4).tolist()
    [1.1726, 1.6394, 1.2119]
    """

    def __init__(
        self,
        return_column: str = "return",
        range_column: str | None = None,
        lam: float = 0.94,
        long_lam: float = 0.99,
    ) -> None:
        for name, value in (("lam", lam), ("long_lam", long_lam)):
            if not 0.0 < value < 1.0:
                raise InputError(f"VolatilityFeatures: {name} must lie in (0, 1), got {value!r}")
        self.return_column = return_column
        self.range_column = range_column
        self.lam = lam
        self.long_lam = long_lam
        self.columns = [return_column] + ([range_column] if range_column is not None else [])

    @property
    def output_columns(self) -> list[str]:
        """The feature columns this transform adds, in order."""
        names = list(FEATURE_COLUMNS)
        return names if self.range_column is not None else names[:-1]

    def _fit(self, train: pd.DataFrame) -> None:
        squares = train[self.return_column].to_numpy() ** 2  # (T,)
        if not np.isfinite(squares).any():
            raise DataError(
                f"VolatilityFeatures: column {self.return_column!r} has no value in the training span"
            )
        variance = float(np.nanmean(squares))
        if variance <= 0.0:
            raise DataError(
                f"VolatilityFeatures: column {self.return_column!r} is constant zero in training"
            )
        self.train_variance_ = variance

    def _init_state(self) -> dict:
        return {"var": self.train_variance_, "var_long": self.train_variance_}

    def _row(self, value: float, span: float, var: float, var_long: float):
        """Features of one row and the next variances (value is not NaN)."""
        sigma_before = math.sqrt(var)
        var = self.lam * var + (1.0 - self.lam) * value * value
        var_long = self.long_lam * var_long + (1.0 - self.long_lam) * value * value
        z = value / sigma_before
        out = {
            "sigma": math.sqrt(var),
            "z": z,
            "abs_z": abs(z),
            "log_vol": 0.5 * math.log(var / self.train_variance_),
            "log_vol_ratio": 0.5 * math.log(var / var_long),
        }
        if self.range_column is not None:
            out["range_z"] = span / sigma_before
        return out, var, var_long

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        returns = data[self.return_column].to_numpy()  # (T,)
        spans = (
            data[self.range_column].to_numpy()
            if self.range_column is not None
            else np.full(len(data), math.nan)
        )  # (T,)
        values = np.full((len(data), len(self.output_columns)), math.nan)  # (T, K)
        var = var_long = self.train_variance_
        for t, (value, span) in enumerate(zip(returns.tolist(), spans.tolist())):
            if math.isnan(value):
                continue
            out, var, var_long = self._row(value, span, var, var_long)
            values[t] = list(out.values())
        return pd.DataFrame(values, index=data.index, columns=self.output_columns)

    def final_state(self, frame: pd.DataFrame) -> dict:
        """The state after stepping through every row of ``frame`` (a warm start, vectorised).

        Equals the state returned by the last of ``len(frame)`` calls of :meth:`step`.
        """
        self._check_fitted()
        returns = frame[self.return_column].to_numpy(np.float64)  # (T,)
        var = var_long = self.train_variance_
        for value in returns[~np.isnan(returns)].tolist():
            var = self.lam * var + (1.0 - self.lam) * value * value
            var_long = self.long_lam * var_long + (1.0 - self.long_lam) * value * value
        return {"var": var, "var_long": var_long}

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):
        value = x[self.return_column]
        if math.isnan(value):
            return {name: math.nan for name in self.output_columns}, dict(state)
        span = x[self.range_column] if self.range_column is not None else math.nan
        out, var, var_long = self._row(value, span, state["var"], state["var_long"])
        return out, {"var": var, "var_long": var_long}

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"params": {"return_column": "a"}, "frame": "gappy"},
            {"params": {"return_column": "a", "range_column": "b", "lam": 0.8}, "frame": "gappy"},
        ]
