r"""Scores of variance (volatility) forecasts against squared returns.

* :func:`qlike_losses` / :func:`qlike` - the QLIKE loss (Patton, 2011), the loss
  that ranks variance forecasts correctly despite the noise of the squared-return
  proxy;
* :func:`volatility_dm_test` - Diebold-Mariano test of two variance forecasts on
  QLIKE or squared-error losses, with a Newey-West long-run variance (the
  Bartlett kernel of :func:`tslib.metrics.comparison.dm_test`).
"""

from __future__ import annotations

import numpy as np

from tslib.errors import InputError
from tslib.metrics.comparison import dm_test
from tslib.validation import as_float_array, broadcast_to_length, check_positive_int

__all__ = ["qlike_losses", "qlike", "volatility_dm_test"]


def _variance_inputs(returns: object, variance: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    rets = as_float_array(returns, "returns", ndim=1)
    forecast = broadcast_to_length(variance, name, rets.size)
    if np.any(forecast <= 0.0):
        first = int(np.flatnonzero(forecast <= 0.0)[0])
        raise InputError(f"{name} must be strictly positive (got {forecast[first]:.6g} at {first})")
    return rets, forecast


def qlike_losses(returns: object, variance: object) -> np.ndarray:
    r"""Per-day QLIKE loss :math:`\log h_t + r_t^2 / h_t` of variance forecasts ``h``.

    This is Patton's (2011) QLIKE, :math:`r^2/h - \log(r^2/h) - 1`, less the term
    :math:`-\log r^2 - 1` that does not depend on the forecast (and is undefined
    on zero-return days), so differences between models and rankings are the
    same. Lower is better; the expected loss is minimised by the true variance.

    Parameters
    ----------
    returns : array_like, shape (T,)
        Realised returns (a zero conditional mean is assumed).
    variance : array_like, shape (T,) or scalar
        Variance forecasts (> 0) made before each return.
    """
    rets, forecast = _variance_inputs(returns, variance, "variance")
    return np.log(forecast) + rets**2 / forecast


def qlike(returns: object, variance: object) -> float:
    """Mean of :func:`qlike_losses`."""
    return float(np.mean(qlike_losses(returns, variance)))


def volatility_dm_test(
    returns: object,
    variance_a: object,
    variance_b: object,
    loss: str = "qlike",
    max_lags: int | None = None,
) -> dict:
    r"""Diebold-Mariano test that variance forecasts A and B are equally accurate.

    With :math:`d_t = L(r_t^2, h^A_t) - L(r_t^2, h^B_t)`, the statistic is the
    t-ratio of the mean of :math:`d_t` with a Newey-West (Bartlett) long-run
    variance over ``max_lags`` lags (default :math:`\lfloor 4 (T/100)^{2/9}\rfloor`):
    volatility clustering makes the loss differences serially correlated even
    for one-day forecasts. Computed by :func:`~tslib.metrics.comparison.dm_test`
    (``kernel="bartlett"``, the HAC t-ratio of a regression on a constant);
    two-sided normal p-value.

    Parameters
    ----------
    returns : array_like, shape (T,)
        Realised returns.
    variance_a, variance_b : array_like, shape (T,)
        The two variance forecasts.
    loss : {"qlike", "mse"}
        QLIKE (:func:`qlike_losses`) or squared error :math:`(r^2 - h)^2`.
    max_lags : int, optional
        Newey-West truncation lag.

    Returns
    -------
    dict
        ``stat`` (negative: A has the lower loss), ``pvalue``, ``mean_loss_diff``,
        ``n``, ``max_lags`` and ``loss``.
    """
    rets, h_a = _variance_inputs(returns, variance_a, "variance_a")
    _, h_b = _variance_inputs(rets, variance_b, "variance_b")
    if loss == "qlike":
        diff = qlike_losses(rets, h_a) - qlike_losses(rets, h_b)  # (T,)
    elif loss == "mse":
        diff = (rets**2 - h_a) ** 2 - (rets**2 - h_b) ** 2  # (T,)
    else:
        raise InputError(f"volatility_dm_test: loss must be 'qlike' or 'mse', got {loss!r}")
    n = diff.size
    if n < 10 or np.all(diff == diff[0]):
        raise InputError("volatility_dm_test: needs at least 10 days with differing losses")
    lags = (
        int(4 * (n / 100.0) ** (2.0 / 9.0))
        if max_lags is None
        else check_positive_int(max_lags, "max_lags")
    )
    result = dm_test(diff, lags=lags, kernel="bartlett")
    return {
        "stat": result["stat"],
        "pvalue": result["pvalue"],
        "mean_loss_diff": result["mean_loss_diff"],
        "n": n,
        "max_lags": lags,
        "loss": loss,
    }
