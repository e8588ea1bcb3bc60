r"""Point, quantile and interval forecast metrics.

All functions take array-likes (numpy, pandas, lists), check them, and return a
plain ``float`` averaged over every entry. Notation: :math:`y` the truth,
:math:`\hat y` the forecast, :math:`n` the number of entries.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from tslib.errors import InputError
from tslib.validation import (
    as_float_array,
    check_positive_int,
    check_same_length,
    check_same_shape,
)

__all__ = [
    "mae",
    "rmse",
    "mase",
    "smape",
    "pinball_loss",
    "crps_from_quantiles",
    "crps_gaussian",
    "interval_coverage",
    "interval_width",
]


def _pair(y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    truth = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_same_shape(y_true=truth, y_pred=pred)
    return truth, pred


def mae(y_true: object, y_pred: object) -> float:
    r"""Mean absolute error, :math:`\frac1n\sum|y-\hat y|`."""
    truth, pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(truth - pred)))


def rmse(y_true: object, y_pred: object) -> float:
    r"""Root mean squared error, :math:`\sqrt{\frac1n\sum(y-\hat y)^2}`."""
    truth, pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((truth - pred) ** 2)))


def mase(y_true: object, y_pred: object, y_train: object, season: int = 1) -> float:
    r"""Mean absolute scaled error (Hyndman & Koehler, 2006).

    .. math::
        \mathrm{MASE} = \frac{\frac1n\sum_t |y_t-\hat y_t|}
                             {\frac1{T-m}\sum_{t=m+1}^{T} |y^{train}_t - y^{train}_{t-m}|}

    The denominator is the in-sample MAE of the seasonal naive forecast with
    period :math:`m` = ``season`` on ``y_train`` (1-D, in time order).

    Raises
    ------
    InputError
        If ``y_train`` has at most ``season`` points, or is constant at lag
        ``season`` (the scale would be zero).
    """
    truth, pred = _pair(y_true, y_pred)
    train = as_float_array(y_train, "y_train", ndim=1)
    season = check_positive_int(season, "season")
    if train.size <= season:
        raise InputError(f"y_train needs more than season={season} points, got {train.size}")
    scale = np.mean(np.abs(train[season:] - train[:-season]))  # seasonal-naive in-sample MAE
    if scale == 0.0:
        raise InputError(f"y_train is constant at lag season={season}: the MASE scale is zero")
    return float(np.mean(np.abs(truth - pred)) / scale)


def smape(y_true: object, y_pred: object) -> float:
    r"""Symmetric mean absolute percentage error, in percent (0 to 200).

    .. math::
        \mathrm{sMAPE} = \frac{100}{n}\sum \frac{2|y-\hat y|}{|y|+|\hat y|}

    (the M4 competition definition). A term with :math:`y=\hat y=0` counts as 0.
    """
    truth, pred = _pair(y_true, y_pred)
    denominator = np.abs(truth) + np.abs(pred)
    ratio = np.divide(
        2.0 * np.abs(truth - pred), denominator, out=np.zeros_like(truth), where=denominator > 0
    )
    return float(100.0 * np.mean(ratio))


def _quantile_inputs(
    y_true: object, q_pred: object, quantiles: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    truth = as_float_array(y_true, "y_true", ndim=1)
    preds = as_float_array(q_pred, "q_pred", ndim=(1, 2))
    levels = as_float_array(quantiles, "quantiles", ndim=1)
    if preds.ndim == 1:
        preds = preds[:, None]  # (n, 1)
    check_same_length(y_true=truth, q_pred=preds)
    if preds.shape[1] != levels.size:
        raise InputError(
            f"q_pred has {preds.shape[1]} columns but {levels.size} quantile levels were given"
        )
    if np.any((levels <= 0.0) | (levels >= 1.0)):
        raise InputError(f"quantiles must lie strictly in (0, 1), got {levels.tolist()}")
    return truth, preds, levels


def pinball_loss(y_true: object, q_pred: object, quantiles: object) -> float:
    r"""Mean pinball (quantile) loss over samples and quantile levels.

    For level :math:`\tau` and quantile forecast :math:`q_\tau`,

    .. math::
        \rho_\tau(y, q_\tau) = \max\bigl(\tau (y-q_\tau),\, (\tau-1)(y-q_\tau)\bigr),

    averaged over the ``n`` samples and the ``Q`` levels. This matches
    :func:`sklearn.metrics.mean_pinball_loss` per level.

    Parameters
    ----------
    y_true : array_like, shape (n,)
    q_pred : array_like, shape (n, Q)
        Column ``j`` is the forecast of quantile ``quantiles[j]``.
    quantiles : array_like, shape (Q,)
        Levels in (0, 1).
    """
    truth, preds, levels = _quantile_inputs(y_true, q_pred, quantiles)
    diff = truth[:, None] - preds  # (n, Q)
    loss = np.maximum(levels * diff, (levels - 1.0) * diff)  # (n, Q)
    return float(np.mean(loss))


def crps_from_quantiles(y_true: object, q_pred: object, quantiles: object) -> float:
    r"""CRPS approximated from quantile forecasts.

    Uses the identity :math:`\mathrm{CRPS}(F, y) = 2\int_0^1 \rho_\tau(y, F^{-1}(\tau))\,d\tau`
    (Gneiting & Raftery, 2007) with the integral replaced by the mean over the
    given levels, i.e. ``2 * pinball_loss``. The approximation is the midpoint
    rule when the levels are :math:`\tau_j = (j - 1/2)/Q`, and it converges to
    the exact CRPS as ``Q`` grows; with few levels it is a coarse lower-resolution
    score (the common "mean weighted quantile loss" of GluonTS/M5 without scaling).
    """
    return 2.0 * pinball_loss(y_true, q_pred, quantiles)


def crps_gaussian(y: object, mu: object, sigma: object) -> float:
    r"""Mean closed-form CRPS of Gaussian forecasts :math:`N(\mu, \sigma^2)`.

    .. math::
        \mathrm{CRPS} = \sigma\Bigl[z\bigl(2\Phi(z)-1\bigr) + 2\varphi(z) - \tfrac{1}{\sqrt\pi}\Bigr],
        \qquad z = \frac{y-\mu}{\sigma}

    (Gneiting et al., 2005). ``mu`` and ``sigma`` broadcast against ``y``;
    ``sigma`` must be strictly positive.
    """
    truth = as_float_array(y, "y")
    mean = as_float_array(mu, "mu")
    scale = as_float_array(sigma, "sigma")
    try:
        truth, mean, scale = np.broadcast_arrays(truth, mean, scale)
    except ValueError as exc:
        raise InputError(
            f"y{truth.shape}, mu{mean.shape}, sigma{scale.shape} do not broadcast"
        ) from exc
    if np.any(scale <= 0.0):
        raise InputError("sigma must be strictly positive")
    z = (truth - mean) / scale
    crps = scale * (
        z * (2.0 * stats.norm.cdf(z) - 1.0) + 2.0 * stats.norm.pdf(z) - 1.0 / np.sqrt(np.pi)
    )
    return float(np.mean(crps))


def _interval(y: object, lower: object, upper: object) -> tuple[np.ndarray, ...]:
    truth = as_float_array(y, "y")
    low = as_float_array(lower, "lower")
    high = as_float_array(upper, "upper")
    check_same_shape(y=truth, lower=low, upper=high)
    if np.any(low > high):
        first = int(np.flatnonzero((low > high).ravel())[0])
        raise InputError(f"lower exceeds upper (first at flat index {first})")
    return truth, low, high


def interval_coverage(y: object, lower: object, upper: object) -> float:
    r"""Fraction of points inside their closed interval, :math:`\frac1n\sum 1\{l\le y\le u\}`."""
    truth, low, high = _interval(y, lower, upper)
    return float(np.mean((truth >= low) & (truth <= high)))


def interval_width(lower: object, upper: object) -> float:
    r"""Mean interval width, :math:`\frac1n\sum (u-l)`; raises if any ``lower > upper``."""
    low = as_float_array(lower, "lower")
    _, low, high = _interval(low, low, upper)
    return float(np.mean(high - low))
