"""Gaussian predictive distributions from the interval of a tidy backtest frame.

Every model in a weather backtest gives a Gaussian predictive distribution:
the deep models through a :class:`~tslib.encoders.heads.GaussianHead`, the
classical ones through their standard errors. A backtest frame stores it as the
point forecast (the mean) and one central interval; :func:`gaussian_columns`
recovers the standard deviation from that interval,

.. math:: \\sigma = \\frac{u - l}{2 z_{(1+c)/2}},

and adds intervals at other levels, the closed-form CRPS and the PIT of each row.
It is part of the forecast protocol: ``ts.backtest(..., interval=0.95, levels=(0.8,))``
calls it, and the protocol's scorers (``crps``, ``coverage_80``, ``width_95``...,
see :mod:`tslib.evaluate.forecast_scorers`) read its columns.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"model": "m", "origin": [0, 1], "horizon": 1, "y_true": [0.0, 1.0],
...                       "y_pred": [0.0, 0.0], "lower": [-1.96, -1.96], "upper": [1.96, 1.96]})
>>> scored = gaussian_columns(frame, interval=0.95)
>>> scored["sigma"].round(3).tolist(), scored["lower_80"].round(3).tolist()
([1.0, 1.0], [-1.282, -1.282])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from tslib.errors import InputError

__all__ = ["gaussian_columns", "level_name"]


def level_name(level: float) -> str:
    """Column suffix of a coverage level: ``0.8 -> "80"``, ``0.975 -> "97_5"``."""
    return f"{100 * level:g}".replace(".", "_")


def gaussian_columns(
    frame: pd.DataFrame, interval: float = 0.95, levels: Sequence[float] = (0.8,)
) -> pd.DataFrame:
    """Add ``sigma``, ``lower_<p>`` / ``upper_<p>`` for each level, ``crps`` and ``pit`` per row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Backtest rows with ``y_true``, ``y_pred`` (the Gaussian mean), ``lower``
        and ``upper`` (its central ``interval``).
    interval : float
        Coverage of ``lower`` / ``upper``; they are also copied to
        ``lower_<100 interval>`` / ``upper_<...>``.
    levels : sequence of float
        Further central coverages to add.

    Returns
    -------
    pandas.DataFrame
        A copy with the new columns.

    Raises
    ------
    InputError
        Missing columns, a coverage outside (0, 1), or an interval with ``upper <= lower``.
    """
    missing = [c for c in ("y_true", "y_pred", "lower", "upper") if c not in frame.columns]
    if missing:
        raise InputError(f"gaussian_columns: frame lacks columns {missing} (backtest interval=)")
    if not 0.0 < interval < 1.0 or any(not 0.0 < level < 1.0 for level in levels):
        raise InputError(
            f"gaussian_columns: coverages must lie in (0, 1), got {interval}, {levels}"
        )
    out = frame.copy()
    z = stats.norm.ppf(0.5 + interval / 2.0)
    sigma = (out["upper"] - out["lower"]).to_numpy(np.float64) / (2.0 * z)  # (n,)
    if np.any(sigma <= 0.0) or not np.all(np.isfinite(sigma)):
        raise InputError("gaussian_columns: every interval needs upper > lower")
    out["sigma"] = sigma
    mean, truth = out["y_pred"].to_numpy(np.float64), out["y_true"].to_numpy(np.float64)
    for level in (interval, *levels):
        half = stats.norm.ppf(0.5 + level / 2.0) * sigma  # (n,)
        out[f"lower_{level_name(level)}"] = mean - half
        out[f"upper_{level_name(level)}"] = mean + half
    u = (truth - mean) / sigma  # (n,)
    out["crps"] = sigma * (
        u * (2.0 * stats.norm.cdf(u) - 1.0) + 2.0 * stats.norm.pdf(u) - 1.0 / np.sqrt(np.pi)
    )
    out["pit"] = stats.norm.cdf(u)  # (n,) uniform on [0, 1] when the forecast is calibrated
    return out
