"""Multi-horizon (direct) training data: targets at several horizons, a mask, windows in segments.

A direct multi-horizon model outputs, at step t, one value per horizon h in
``horizons``: its forecasts of ``y[t + h]``. Targets that do not exist (beyond
the data) or were not observed (a missing reading, imputed for the input) must
not be learnt, so the target tensor carries a weight per value:

* :func:`horizon_targets` builds ``(T, 2 H)`` rows ``[y[t+h] for h] + [w[t+h] for h]``
  with ``w = 1`` where ``y[t+h]`` was observed and 0 elsewhere (the value is then 0);
* :func:`masked_mse` is the matching loss for :func:`tslib.training.fit`:
  the mean squared error over the weighted entries only;
* :func:`segment_windows` cuts training windows inside segments (runs of
  stepped rows between state resets, see :func:`tslib.preprocess.gaps.plan_gaps`),
  so no window spans a long gap.

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
import torch

from tslib.errors import InputError

__all__ = ["horizon_targets", "masked_mse", "segment_windows"]


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


def masked_mse(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the weighted entries: a loss for :func:`tslib.training.fit`.

    Parameters
    ----------
    outputs : torch.Tensor
        (B, T, H) model outputs.
    target : torch.Tensor
        (B, T, 2 H) values then weights, as built by :func:`horizon_targets`.

    Returns
    -------
    torch.Tensor
        Scalar: ``sum(w (out - value)^2) / max(sum(w), 1)``.
    """
    width = outputs.shape[-1]
    if target.shape[-1] != 2 * width:
        raise InputError(
            f"masked_mse: target has {target.shape[-1]} columns, expected 2 x {width} "
            "(values, then weights)"
        )
    values, weights = target[..., :width], target[..., width:]  # (B, T, H) each
    squared = weights * (outputs - values) ** 2  # (B, T, H)
    return squared.sum() / weights.sum().clamp_min(1.0)


def segment_windows(
    x: object,
    target: object,
    segments: Sequence[tuple[int, int]],
    length: int,
    stride: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``length`` rows that lie inside one segment each.

    Window starts are ``start, start + stride, ...`` within every segment
    ``(start, stop)`` long enough, plus one window ending at ``stop`` so the tail
    is used. Segments shorter than ``length`` give no window.

    Parameters
    ----------
    x : array_like
        (T, F) inputs.
    target : array_like
        (T, K) targets aligned with ``x`` (row t: what the output at t should be).
    segments : sequence of (int, int)
        Row ranges ``[start, stop)``.
    length : int
        Rows per window.
    stride : int, optional
        Start-to-start distance; default ``length``.

    Returns
    -------
    tuple
        ``x`` (N, length, F) and ``target`` (N, length, K), float32, in time order.
    """
    inputs = np.asarray(x, dtype=np.float32)
    labels = np.asarray(target, dtype=np.float32)
    if inputs.ndim != 2 or labels.ndim != 2 or len(inputs) != len(labels):
        raise InputError(
            f"segment_windows: need x (T, F) and target (T, K) with the same T, got "
            f"{inputs.shape} and {labels.shape}"
        )
    stride = length if stride is None else stride
    if length < 1 or stride < 1:
        raise InputError(f"segment_windows: length and stride must be >= 1, got {length}, {stride}")
    starts: list[int] = []
    for start, stop in segments:
        if not 0 <= start <= stop <= len(inputs):
            raise InputError(f"segment_windows: segment ({start}, {stop}) outside {len(inputs)}")
        if stop - start < length:
            continue
        firsts = list(range(start, stop - length + 1, stride))
        if firsts[-1] != stop - length:
            firsts.append(stop - length)
        starts.extend(firsts)
    if not starts:
        raise InputError(f"segment_windows: no segment holds a window of {length} rows")
    windows = np.stack([inputs[s : s + length] for s in starts])  # (N, L, F)
    window_targets = np.stack([labels[s : s + length] for s in starts])  # (N, L, K)
    return windows, window_targets
