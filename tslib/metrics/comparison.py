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

__all__ = ["diebold_mariano", "LOSSES"]

#: loss name -> loss of an error array
LOSSES = {"squared": np.square, "absolute": np.abs}


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
    centred = d - d.mean()
    gamma = [float(np.dot(centred[k:], centred[: n - k]) / n) for k in range(horizon)]
    if gamma[0] == 0.0:
        raise InputError("diebold_mariano: the two forecasts have identical losses everywhere")
    variance = gamma[0] + 2.0 * sum(gamma[1:])
    kind = "long-run"
    if variance <= 0.0:
        variance, kind = gamma[0], "gamma0"
    stat = d.mean() / np.sqrt(variance / n)
    stat *= np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    pvalue = 2.0 * stats.t.sf(abs(stat), df=n - 1)
    return {
        "stat": float(stat),
        "pvalue": float(pvalue),
        "mean_loss_diff": float(d.mean()),
        "n": int(n),
        "horizon": horizon,
        "loss": loss,
        "variance": kind,
    }
