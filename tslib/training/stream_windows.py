"""Training windows of a direct multi-horizon model pooled over many gappy streams in one span.

One model serves every stream (sensor), so the windows of all streams are pooled.
:func:`span_windows` cuts them inside one span of rows ``[lo, hi)`` (the training or
the validation span):

* every window lies inside one segment of its stream's
  :class:`~tslib.preprocess.gaps.GapPlan` (stepped rows between resets) clipped to
  the span, so no window crosses a long gap or the span's edges
  (:func:`~tslib.training.windows.make_windows` with ``segments`` and ``tail``);
* the targets are :func:`~tslib.training.multi_horizon.horizon_targets` with weight 0
  where the target row was not observed or lies at or after ``hi``, so training
  windows never learn validation values and validation windows never see the test
  span (train with ``loss=masked_mse``);
* the stride is ``min_stride`` or larger, so that about ``max_windows`` windows are cut
  in all (long files get a longer stride, not a longer epoch).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import torch

from tslib.errors import DataError, InputError
from tslib.preprocess.gaps import GapPlan
from tslib.training.multi_horizon import horizon_targets
from tslib.training.windows import make_windows
from tslib.validation import check_positive_int

__all__ = ["span_windows"]


def span_windows(
    inputs: Mapping[Hashable, object],
    y: Mapping[Hashable, object],
    plans: Mapping[Hashable, GapPlan],
    horizons: Sequence[int],
    lo: int,
    hi: int,
    length: int,
    min_stride: int = 1,
    max_windows: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows of every stream inside rows ``[lo, hi)``, targets limited to rows before ``hi``.

    Parameters
    ----------
    inputs : mapping
        Stream id -> (T, F) model inputs (finite on stepped rows).
    y : mapping
        Stream id -> (T,) target in model units (NaN where not observed).
    plans : mapping
        Stream id -> its gap plan; streams are taken in this order.
    horizons : sequence of int
        The model's horizons in rows (one output each).
    lo, hi : int
        The span.
    length : int
        Rows per window.
    min_stride : int
        Smallest start-to-start distance.
    max_windows : int, optional
        Windows wanted at most (about: each segment's tail window comes on top).

    Returns
    -------
    tuple
        ``x`` (N, length, F) and ``target`` (N, length, 2 H) float32 tensors, stream by
        stream in time order.

    Raises
    ------
    DataError
        No stream has a segment of ``length`` rows inside the span.
    """
    length = check_positive_int(length, "length")
    stride = check_positive_int(min_stride, "min_stride")
    if not 0 <= lo < hi:
        raise InputError(f"span_windows: need 0 <= lo < hi, got lo={lo}, hi={hi}")
    if max_windows is not None:
        stepped = sum(int(plan.step[lo:hi].sum()) for plan in plans.values())
        stride = max(stride, int(np.ceil(stepped / check_positive_int(max_windows, "max_windows"))))
    xs, targets = [], []
    for stream, plan in plans.items():
        before_hi = np.arange(plan.step.size) < hi
        target = horizon_targets(y[stream], plan.observed & before_hi, horizons)  # (T, 2H)
        spans = [(max(a, lo), min(b, hi)) for a, b in plan.segments]
        spans = [(a, b) for a, b in spans if b - a >= length]
        if spans:
            x, labels = make_windows(
                np.asarray(inputs[stream], dtype=np.float32),
                length,
                stride=stride,
                labels=target,
                shift=0,
                segments=spans,
                tail=True,
            )
            xs.append(x)
            targets.append(labels)
    if not xs:
        raise DataError(
            f"span_windows: no stream has {length} stepped rows in a row in [{lo}, {hi})"
        )
    return torch.cat(xs), torch.cat(targets)
