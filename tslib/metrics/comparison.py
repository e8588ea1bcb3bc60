r"""Is one forecaster really better than another? The Diebold–Mariano test.

Given the losses of two forecasts of the same targets, :math:`d_t = L^A_t - L^B_t`,
the Diebold–Mariano (1995) statistic is

.. math::
    \mathrm{DM} = \frac{\bar d}{\sqrt{\hat\omega / n}}, \qquad
    \hat\omega = \hat\gamma_0 + 2\sum_{k=1}^{h-1}\hat\gamma_k,

with :math:`\hat\gamma_k` the sample autocovariances of :math:`d_t`: an
:math:`h`-step forecast error is serially correlated up to lag :math:`h - 1`.
With the Harvey, Leybourne & Newbold (1997) small-sample correction the statistic
is multiplied by :math:`\sqrt{(n + 1 - 2h + h(h-1)/n)/n}` and compared with a
Student t with :math:`n - 1` degrees of freedom (two-sided p-value). When the
truncated long-run variance is not positive (possible for h > 1), only
:math:`\hat\gamma_0` is used, and the result says so.

:func:`dm_test` is the one core: it takes the loss differentials :math:`d_t`
and a long-run variance kernel, the truncated one above (``"uniform"``, with the
HLN correction) or Newey-West's Bartlett weights :math:`1 - k / (L + 1)`
(``"bartlett"``, normal p-value), which stay positive for any lag count and suit
losses whose differences are serially correlated for reasons other than the
horizon (volatility clustering: :func:`tslib.metrics.variance.volatility_dm_test`).
:func:`diebold_mariano` applies it to two models' forecast errors.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> y = rng.normal(size=300)
>>> good, bad = y + 0.5 * rng.normal(size=300), y + 1.5 * rng.normal(size=300)
>>> result = diebold_mariano(y - good, y - bad)
>>> result["mean_loss_diff"] < 0, result["pvalue"] < 0.01
(True, True)
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from tslib.errors import InputError
from tslib.validation import as_float_array, check_one_of, check_positive_int, check_same_shape

__all__ = ["dm_test", "diebold_mariano", "LOSSES", "KERNELS"]

#: loss name -> loss of an error array
LOSSES = {"squared": np.square, "absolute": np.abs}

#: long-run variance kernels of :func:`dm_test`
KERNELS = ("uniform", "bartlett")


def dm_test(loss_diff: object, lags: int, kernel: str = "uniform") -> dict:
    r"""Diebold-Mariano test of a zero mean loss differential ``d = L_A - L_B``.

    Parameters
    ----------
    loss_diff : array_like
        (n,) loss differentials in time order.
    lags : int
        Autocovariance lags L in the long-run variance (>= 0).
    kernel : {"uniform", "bartlett"}
        ``"uniform"``: :math:`\hat\gamma_0 + 2 \sum_{k \le L} \hat\gamma_k` (the
        h-step DM test with h = L + 1), falling back to :math:`\hat\gamma_0` when
        not positive, with the Harvey-Leybourne-Newbold correction and a Student t
        (n - 1) p-value. ``"bartlett"``: Newey-West weights
        :math:`1 - k / (L + 1)` and a normal p-value.

    Returns
    -------
    dict
        ``stat`` (negative: A has the lower loss), ``pvalue`` (two-sided),
        ``mean_loss_diff``, ``n`` and ``variance`` (``"long-run"``, or
        ``"gamma0"`` when the uniform kernel fell back).

    Raises
    ------
    InputError
        An unknown kernel, a negative ``lags``, or differentials that are all equal.

    Examples
    --------
    >>> result = dm_test(np.array([-1.0, -2.0, 0.5, -1.5, -0.5, -1.0]), lags=0)
    >>> round(result["stat"], 3), result["variance"]
    (-2.607, 'long-run')
    """
    check_one_of(kernel, KERNELS, "kernel")
    if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 0:
        raise InputError(f"dm_test: lags must be an int >= 0, got {lags!r}")
    d = as_float_array(loss_diff, "loss_diff", ndim=1)
    n = d.size
    if n < lags + 2:
        raise InputError(f"dm_test: {n} loss differentials are too few for {lags} lags")
    centred = d - d.mean()
    gamma = [float(np.dot(centred[k:], centred[: n - k]) / n) for k in range(lags + 1)]
    if gamma[0] == 0.0:
        raise InputError("dm_test: the two forecasts have identical losses everywhere")
    kind = "long-run"
    if kernel == "bartlett":
        weighted = [(1.0 - k / (lags + 1.0)) * gamma[k] for k in range(1, lags + 1)]
        variance = gamma[0] + 2.0 * sum(weighted)
        stat = d.mean() / np.sqrt(variance / n)
        pvalue = 2.0 * stats.norm.sf(abs(stat))
    else:
        variance = gamma[0] + 2.0 * sum(gamma[1:])
        if variance <= 0.0:
            variance, kind = gamma[0], "gamma0"
        horizon = lags + 1
        stat = d.mean() / np.sqrt(variance / n)
        stat *= np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
        pvalue = 2.0 * stats.t.sf(abs(stat), df=n - 1)
    return {
        "stat": float(stat),
        "pvalue": float(pvalue),
        "mean_loss_diff": float(d.mean()),
        "n": int(n),
        "variance": kind,
    }


def diebold_mariano(
    errors_a: object, errors_b: object, horizon: int = 1, loss: str = "squared"
) -> dict:
    """Diebold–Mariano test of equal predictive accuracy, with the HLN correction.

    Parameters
    ----------
    errors_a, errors_b : array_like
        (n,) forecast errors (truth minus forecast) of models A and B on the same
        targets, in time order.
    horizon : int
        Forecast horizon h of the errors (lags up to h - 1 enter the variance).
    loss : {"squared", "absolute"}
        Loss applied to the errors.

    Returns
    -------
    dict
        ``stat`` (negative: A has the lower loss), ``pvalue`` (two-sided),
        ``mean_loss_diff`` (mean of L_A - L_B), ``n``, ``horizon``, ``loss`` and
        ``variance`` (``"long-run"`` or ``"gamma0"`` when the fallback was used).

    Raises
    ------
    InputError
        Arrays of different shapes, fewer than 2 * horizon + 1 points, an unknown
        loss, or two forecasts with identical losses at every point.
    """
    a = as_float_array(errors_a, "errors_a", ndim=1)
    b = as_float_array(errors_b, "errors_b", ndim=1)
    check_same_shape(errors_a=a, errors_b=b)
    horizon = check_positive_int(horizon, "horizon")
    check_one_of(loss, LOSSES, "loss")
    n = a.size
    if n < 2 * horizon + 1:
        raise InputError(f"diebold_mariano: need more than {2 * horizon} errors, got {n}")
    d = LOSSES[loss](a) - LOSSES[loss](b)  # (n,)
    result = dm_test(d, lags=horizon - 1, kernel="uniform")
    return {
        "stat": result["stat"],
        "pvalue": result["pvalue"],
        "mean_loss_diff": result["mean_loss_diff"],
        "n": result["n"],
        "horizon": horizon,
        "loss": loss,
        "variance": result["variance"],
    }
