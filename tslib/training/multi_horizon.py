"""Multi-horizon (direct) training targets: values at several horizons and their weights.

A direct multi-horizon model outputs, at step t, one value per horizon h in
``horizons``: its forecasts of ``y[t + h]``. Targets that do not exist (beyond
the data) or were not observed (a missing reading, imputed for the input) must
not be learnt, so the target tensor carries a weight per value:

* :func:`horizon_targets` builds ``(T, 2 H)`` rows ``[y[t+h] for h] + [w[t+h] for h]``
  with ``w = 1`` where ``y[t+h]`` was observed and 0 elsewhere (the value is then 0);
* :func:`~tslib.training.masked_loss.masked_mse` is the matching loss for
  :func:`tslib.training.fit`: the mean squared error over the weighted entries only;
* ``make_windows(x, length, labels=table, shift=0, segments=..., tail=True)``
  (:func:`~tslib.training.windows.make_windows`) cuts training windows inside
  segments (runs of stepped rows between state resets, see
  :func:`tslib.preprocess.gaps.plan_gaps`), so no window spans a long gap.

Examples
--------
>>> import numpy as np
>>> y = np.arange(6.0)
>>> observed = np.array([1, 1, 1, 0, 1, 1], dtype=bool)
>>> horizon_targets(y, observed, horizons=[1, 2])[:3].tolist()
[[1.0, 2.0, 1.0, 1.0], [2.0, 0.0, 1.0, 0.0], [0.0, 4.0, 0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tslib.errors import InputError

__all__ = ["horizon_targets"]


def _horizons(horizons: Sequence[int]) -> np.ndarray:
    steps = np.asarray(horizons)
    if steps.ndim != 1 or steps.size == 0 or steps.dtype.kind not in "iu" or (steps < 1).any():
        raise InputError(f"horizons must be a non-empty list of ints >= 1, got {horizons!r}")
    return steps.astype(np.int64)


def horizon_targets(y: object, observed: object, horizons: Sequence[int]) -> np.ndarray:
    """Targets and weights for a direct multi-horizon model, (T, 2 H) float32.

    Parameters
    ----------
    y : array_like
        (T,) target series (any value where not observed, NaN included).
    observed : array_like
        (T,) bool, whether ``y[t]`` is a real observation.
    horizons : sequence of int
        The H horizons, each >= 1.

    Returns
    -------
    numpy.ndarray
        Row t: ``y[t + h]`` for each h (0 where unusable), then the weights
        (1 where ``t + h`` exists and was observed, else 0).
    """
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    mask = np.asarray(observed, dtype=bool).reshape(-1)
    if values.size != mask.size:
        raise InputError(f"horizon_targets: y has {values.size} rows, observed {mask.size}")
    steps = _horizons(horizons)
    size = values.size
    targets = np.zeros((size, steps.size), dtype=np.float32)  # (T, H)
    weights = np.zeros((size, steps.size), dtype=np.float32)  # (T, H)
    for j, h in enumerate(steps):
        if h >= size:
            continue
        usable = mask[h:] & np.isfinite(values[h:])  # (T - h,)
        targets[: size - h, j] = np.where(usable, values[h:], 0.0)
        weights[: size - h, j] = usable
    return np.concatenate([targets, weights], axis=1)
