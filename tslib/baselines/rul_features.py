r"""Causal window features for remaining-useful-life regression baselines.

Classical RUL baselines (ridge regression, gradient-boosted trees) see a fixed
vector per cycle instead of a sequence. :func:`window_features` summarises, for
every cycle :math:`t` of every unit, the last ``window`` cycles
:math:`t-w+1 .. t` of each input column (fewer at the start of a unit, never
crossing into another unit):

* ``<col>_last``  the current value :math:`x_t`;
* ``<col>_mean``  the window mean;
* ``<col>_std``   the window standard deviation (ddof = 0; 0 for one cycle);
* ``<col>_slope`` the least-squares slope of :math:`x` on the cycle number over
  the window (0 for one cycle), the degradation trend;

plus ``cycles_seen``, the number of cycles observed so far in the unit (1, 2, ...).
A feature at cycle :math:`t` uses cycles :math:`\le t` only, so the baselines
predict at every cycle, stepwise, like the recurrent models. Fit scikit-learn's
``Ridge`` or ``HistGradientBoostingRegressor`` on the feature rows of the
training units.

Examples
--------
>>> index = pd.MultiIndex.from_tuples([(1, 1), (1, 2), (1, 3), (2, 1)], names=["unit", "cycle"])
>>> frame = pd.DataFrame({"s": [1.0, 3.0, 5.0, 7.0]}, index=index)
>>> window_features(frame, ["s"], window=2)[["s_mean", "s_slope", "cycles_seen"]].values.tolist()
[[1.0, 0.0, 1.0], [2.0, 2.0, 2.0], [4.0, 2.0, 3.0], [7.0, 0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tslib.errors import DataError
from tslib.validation import check_numeric_columns, check_positive_int

__all__ = ["window_features", "WINDOW_STATISTICS"]

#: the statistics computed for every column, in output order
WINDOW_STATISTICS = ("last", "mean", "std", "slope")


def _unit_positions(frame: pd.DataFrame) -> np.ndarray:
    """0-based position of each row within its unit (rows of a unit must be contiguous)."""
    if not isinstance(frame.index, pd.MultiIndex):
        raise DataError("window_features: the frame needs a (unit, cycle) MultiIndex")
    units = frame.index.get_level_values(0).to_numpy()
    new_unit = np.r_[True, units[1:] != units[:-1]]  # (N,)
    starts = np.flatnonzero(new_unit)
    if len(np.unique(units[starts])) != len(starts):
        raise DataError("window_features: the rows of each unit must be contiguous")
    lengths = np.diff(np.r_[starts, len(units)])
    return np.arange(len(units)) - np.repeat(starts, lengths)


def _unit_statistics(values: np.ndarray, window: int) -> dict[str, np.ndarray]:
    """Trailing-window statistics of one unit's (L, J) rows (two-pass, no cancellation)."""
    length, n_columns = values.shape
    padded = np.concatenate([np.full((window - 1, n_columns), np.nan), values])  # (L+w-1, J)
    x = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)  # (L, J, w)
    t = np.arange(-(window - 1), length, dtype=np.float64)  # cycle number, NaN-padded below
    t = np.lib.stride_tricks.sliding_window_view(np.where(t < 0, np.nan, t), window)  # (L, w)
    mean_x = np.nanmean(x, axis=-1)  # (L, J)
    dx = x - mean_x[..., None]  # (L, J, w)
    dt = t - np.nanmean(t, axis=-1, keepdims=True)  # (L, w)
    var_t = np.nansum(dt**2, axis=-1)  # (L,): 0 for one cycle
    cov = np.nansum(dx * dt[:, None, :], axis=-1)  # (L, J)
    slope = np.divide(cov, var_t[:, None], out=np.zeros_like(cov), where=var_t[:, None] > 0)
    std = np.sqrt(np.nanmean(dx**2, axis=-1))  # (L, J)
    return {"last": values, "mean": mean_x, "std": std, "slope": slope}


def window_features(frame: pd.DataFrame, columns: Sequence[str], window: int = 30) -> pd.DataFrame:
    """Trailing-window statistics of ``columns`` at every cycle (see the module docstring).

    Parameters
    ----------
    frame : pd.DataFrame
        Rows indexed by ``(unit, cycle)``, the cycles of each unit contiguous and
        in order; ``columns`` finite.
    columns : sequence of str
        Input columns (usually the scaled sensors).
    window : int
        Cycles summarised, ``w``.

    Returns
    -------
    pd.DataFrame
        Same index as ``frame``; columns ``<col>_<stat>`` for each column and
        statistic of :data:`WINDOW_STATISTICS`, then ``cycles_seen``.
    """
    window = check_positive_int(window, "window")
    columns = list(columns)
    check_numeric_columns(frame, columns, "window_features")
    values = frame[columns].to_numpy(np.float64)  # (N, J)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise DataError(
            f"window_features: column {columns[col]!r} is not finite at row {frame.index[row]}"
        )
    position = _unit_positions(frame)  # (N,)
    starts = np.flatnonzero(position == 0)
    stats = {name: np.empty_like(values) for name in WINDOW_STATISTICS}
    for start, stop in zip(starts, np.r_[starts[1:], len(frame)]):
        for name, value in _unit_statistics(values[start:stop], window).items():
            stats[name][start:stop] = value
    blocks = {
        f"{column}_{name}": stats[name][:, j]
        for j, column in enumerate(columns)
        for name in WINDOW_STATISTICS
    }
    blocks["cycles_seen"] = position + 1.0
    return pd.DataFrame(blocks, index=frame.index)
