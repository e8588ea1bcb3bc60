r"""Value-at-Risk and Expected-Shortfall backtests.

Convention
----------
Risk numbers are **positive losses**. With returns :math:`r_t` and loss
:math:`L_t=-r_t`, ``var[t]`` is the forecast :math:`\mathrm{VaR}_t` such that
:math:`P(L_t > \mathrm{VaR}_t) = \alpha`, and ``es[t]`` is
:math:`\mathrm{ES}_t = E[L_t \mid L_t > \mathrm{VaR}_t] \ge \mathrm{VaR}_t`.
``alpha`` is the **tail probability** (0.01 for a 99 % VaR). An *exceedance*
(hit) is :math:`r_t < -\mathrm{VaR}_t`. Negative ``var`` values are rejected,
because they nearly always mean a return quantile was passed instead of a loss;
pass ``-quantile`` in that case.

Tests
-----
* :func:`kupiec_pof` - unconditional coverage (Kupiec, 1995), LR ~ chi2(1);
* :func:`christoffersen_independence` - first-order Markov independence of hits
  (Christoffersen, 1998), LR ~ chi2(1);
* :func:`conditional_coverage` - their sum, LR ~ chi2(2);
* :func:`mcneil_frey_es_test` - exceedance-residual test of ES (McNeil & Frey,
  2000), one-sided bootstrap;
* :func:`acerbi_szekely_z2` - the Z2 statistic of ES (Acerbi & Szekely, 2014).

Variance forecasts (QLIKE, a Diebold-Mariano test) are in :mod:`tslib.metrics.variance`.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from tslib.errors import InputError
from tslib.validation import (
    as_bool_array,
    as_float_array,
    broadcast_to_length,
    check_positive_int,
    check_probability,
)

__all__ = [
    "var_exceedances",
    "exceedance_rate",
    "kupiec_pof",
    "christoffersen_independence",
    "conditional_coverage",
    "mcneil_frey_es_test",
    "acerbi_szekely_z2",
]


def _risk_series(name: str, values: object, length: int) -> np.ndarray:
    series = broadcast_to_length(values, name, length)
    if np.any(series < 0.0):
        first = int(np.flatnonzero(series < 0.0)[0])
        raise InputError(
            f"{name} must be a positive loss (got {series[first]:.6g} at index {first}); "
            "tslib uses the loss convention: pass -quantile for a return quantile"
        )
    return series


def var_exceedances(returns: object, var: object) -> np.ndarray:
    """Boolean hit sequence ``returns < -var`` (loss larger than the VaR).

    Parameters
    ----------
    returns : array_like, shape (T,)
        Realised returns.
    var : array_like, shape (T,) or scalar
        VaR forecasts as positive losses (see the module convention).
    """
    rets = as_float_array(returns, "returns", ndim=1)
    var_array = _risk_series("var", var, rets.size)
    return rets < -var_array


def exceedance_rate(exceedances: object) -> float:
    """Fraction of hits, the empirical counterpart of ``alpha``."""
    return float(np.mean(as_bool_array(exceedances, "exceedances")))


def _bernoulli_loglik(n_zero: float, n_one: float) -> float:
    """Maximised Bernoulli log-likelihood of counts, with 0 log 0 = 0."""
    total = n_zero + n_one
    if total == 0:
        return 0.0
    return float(special.xlogy(n_zero, n_zero / total) + special.xlogy(n_one, n_one / total))


def kupiec_pof(exceedances: object, alpha: float) -> dict:
    r"""Kupiec's proportion-of-failures likelihood-ratio test.

    With :math:`x` hits in :math:`n` days and :math:`\hat\pi = x/n`,

    .. math::
        LR_{pof} = -2\bigl[(n-x)\ln(1-\alpha) + x\ln\alpha
                   - (n-x)\ln(1-\hat\pi) - x\ln\hat\pi\bigr] \sim \chi^2_1 .

    Returns
    -------
    dict
        ``stat``, ``pvalue``, ``n``, ``n_exceedances``, ``expected`` (= n alpha),
        ``rate`` (= x / n) and ``alpha``.
    """
    hits = as_bool_array(exceedances, "exceedances")
    alpha = check_probability(alpha, "alpha")
    n, x = hits.size, int(hits.sum())
    loglik_null = special.xlogy(n - x, 1.0 - alpha) + special.xlogy(x, alpha)
    stat = max(-2.0 * (loglik_null - _bernoulli_loglik(n - x, x)), 0.0)
    return {
        "stat": stat,
        "pvalue": float(stats.chi2.sf(stat, df=1)),
        "n": n,
        "n_exceedances": x,
        "expected": n * alpha,
        "rate": x / n,
        "alpha": alpha,
    }


def christoffersen_independence(exceedances: object) -> dict:
    r"""Christoffersen's Markov independence likelihood-ratio test.

    With :math:`n_{ij}` the number of days in state ``i`` followed by state
    ``j`` (1 = hit), :math:`\pi_{01}=n_{01}/(n_{00}+n_{01})`,
    :math:`\pi_{11}=n_{11}/(n_{10}+n_{11})` and
    :math:`\pi=(n_{01}+n_{11})/\sum n_{ij}`,

    .. math::
        LR_{ind} = -2\bigl[\ln L(\pi) - \ln L(\pi_{01}, \pi_{11})\bigr] \sim \chi^2_1,

    where each likelihood is a product of Bernoulli terms and 0 log 0 = 0.

    Returns
    -------
    dict
        ``stat``, ``pvalue``, the counts ``n00, n01, n10, n11`` and ``pi01, pi11, pi``
        (NaN where a denominator is zero).
    """
    hits = as_bool_array(exceedances, "exceedances").astype(np.int64)
    if hits.size < 2:
        raise InputError("exceedances needs at least 2 observations for transitions")
    prev, nxt = hits[:-1], hits[1:]
    n00 = int(np.sum((prev == 0) & (nxt == 0)))
    n01 = int(np.sum((prev == 0) & (nxt == 1)))
    n10 = int(np.sum((prev == 1) & (nxt == 0)))
    n11 = int(np.sum((prev == 1) & (nxt == 1)))
    loglik_markov = _bernoulli_loglik(n00, n01) + _bernoulli_loglik(n10, n11)
    loglik_iid = _bernoulli_loglik(n00 + n10, n01 + n11)
    stat = max(-2.0 * (loglik_iid - loglik_markov), 0.0)

    def ratio(num: int, den: int) -> float:
        return num / den if den > 0 else float("nan")

    return {
        "stat": stat,
        "pvalue": float(stats.chi2.sf(stat, df=1)),
        "n00": n00,
        "n01": n01,
        "n10": n10,
        "n11": n11,
        "pi01": ratio(n01, n00 + n01),
        "pi11": ratio(n11, n10 + n11),
        "pi": ratio(n01 + n11, n00 + n01 + n10 + n11),
    }


def conditional_coverage(exceedances: object, alpha: float) -> dict:
    r"""Christoffersen's conditional coverage test, :math:`LR_{cc}=LR_{pof}+LR_{ind}\sim\chi^2_2`.

    The sum uses Kupiec's statistic on all ``n`` days (the common convention;
    Christoffersen's original drops the first day in :math:`LR_{pof}`).

    Returns
    -------
    dict
        ``stat``, ``pvalue``, ``stat_pof``, ``stat_ind``.
    """
    pof = kupiec_pof(exceedances, alpha)
    ind = christoffersen_independence(exceedances)
    stat = pof["stat"] + ind["stat"]
    return {
        "stat": stat,
        "pvalue": float(stats.chi2.sf(stat, df=2)),
        "stat_pof": pof["stat"],
        "stat_ind": ind["stat"],
    }


def _es_inputs(
    returns: object, var: object, es: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rets = as_float_array(returns, "returns", ndim=1)
    var_array = _risk_series("var", var, rets.size)
    es_array = _risk_series("es", es, rets.size)
    if np.any(es_array < var_array):
        first = int(np.flatnonzero(es_array < var_array)[0])
        raise InputError(f"es must be >= var (expected shortfall below VaR at index {first})")
    return rets, var_array, es_array


def mcneil_frey_es_test(
    returns: object,
    var: object,
    es: object,
    sigma: object | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict:
    r"""McNeil & Frey (2000) exceedance-residual test of Expected Shortfall.

    On hit days (:math:`L_t > \mathrm{VaR}_t`) the residuals

    .. math:: e_t = (L_t - \mathrm{ES}_t) / \sigma_t

    have mean zero if the ES forecasts are right (``sigma`` = forecast volatility;
    ``None`` uses :math:`\sigma_t=1`, the unstandardised variant). The alternative is
    one-sided: mean > 0, i.e. ES underestimates the tail loss. The statistic is
    :math:`t = \bar e / (s_e/\sqrt{k})` over the :math:`k` residuals; its p-value is
    from a bootstrap of the centred residuals (Efron & Tibshirani, 1993, sec. 16.4),
    and the Student-t p-value is also returned for reference.

    Returns
    -------
    dict
        ``stat``, ``pvalue`` (bootstrap), ``pvalue_t``, ``mean_residual``,
        ``n_exceedances``. With fewer than 2 hits the statistic is undefined and
        ``stat`` and the p-values are NaN.
    """
    rets, var_array, es_array = _es_inputs(returns, var, es)
    scale = np.ones_like(rets) if sigma is None else broadcast_to_length(sigma, "sigma", rets.size)
    if np.any(scale <= 0.0):
        raise InputError("sigma must be strictly positive")
    n_boot = check_positive_int(n_boot, "n_boot")
    losses = -rets
    hits = losses > var_array
    residuals = (losses[hits] - es_array[hits]) / scale[hits]  # (k,)
    k = residuals.size
    nan = float("nan")
    if k < 2 or np.std(residuals, ddof=1) == 0.0:
        mean = float(residuals.mean()) if k else nan
        return {
            "stat": nan,
            "pvalue": nan,
            "pvalue_t": nan,
            "mean_residual": mean,
            "n_exceedances": k,
        }
    stat = residuals.mean() / (residuals.std(ddof=1) / np.sqrt(k))
    centred = residuals - residuals.mean()
    rng = np.random.default_rng(seed)
    draws = centred[rng.integers(0, k, size=(n_boot, k))]  # (n_boot, k)
    boot_sd = draws.std(axis=1, ddof=1)
    boot_stat = np.divide(
        draws.mean(axis=1), boot_sd / np.sqrt(k), out=np.zeros(n_boot), where=boot_sd > 0
    )
    pvalue = (1.0 + np.sum(boot_stat >= stat)) / (n_boot + 1.0)
    pvalue_t = stats.ttest_1samp(residuals, 0.0, alternative="greater").pvalue
    return {
        "stat": float(stat),
        "pvalue": float(pvalue),
        "pvalue_t": float(pvalue_t),
        "mean_residual": float(residuals.mean()),
        "n_exceedances": k,
    }


def acerbi_szekely_z2(returns: object, var: object, es: object, alpha: float) -> float:
    r"""Acerbi & Szekely (2014) Z2 statistic for Expected Shortfall.

    In the loss convention,

    .. math:: Z_2 = 1 - \frac{1}{T\alpha}\sum_{t=1}^T \frac{L_t\,1\{L_t>\mathrm{VaR}_t\}}{\mathrm{ES}_t}.

    :math:`E[Z_2]=0` when VaR and ES are correct; negative values mean the tail
    risk is underestimated (positive: overestimated). Its critical values depend
    weakly on the distribution; Acerbi & Szekely report about -0.70 for a 5 %
    test and -1.8 for 0.01 % at ``alpha = 0.025``. For an exact p-value, simulate
    the statistic under the forecast distributions.
    """
    rets, var_array, es_array = _es_inputs(returns, var, es)
    alpha = check_probability(alpha, "alpha")
    if np.any(es_array == 0.0):
        raise InputError("es must be strictly positive for the Z2 statistic")
    losses = -rets
    hits = losses > var_array
    return float(1.0 - np.sum(losses * hits / es_array) / (rets.size * alpha))
