"""Teacher-forcing windows for a training span and the validation span after it.

:func:`train_val_windows` cuts one time-ordered array into the two data sets
:func:`~tslib.training.fit` takes, without letting either reach past its span:

* training windows use rows ``0 .. n_train - 1`` only (inputs and targets);
* validation windows use rows ``n_train - burn_in .. val_end - 1``: their first
  ``burn_in`` steps warm the state on the end of the training span and are left
  out of the loss by ``fit(..., burn_in=burn_in)``; nothing reaches ``val_end``
  (the first test row).

As in :func:`~tslib.training.data.next_step_windows`, the output at step t is
trained to predict row t + 1: some columns of the array, or a separate label.

Examples
--------
>>> import numpy as np
>>> values = np.arange(20.0)[:, None]  # (20, 1)
>>> (x, y), (xv, yv) = train_val_windows(values, 12, 16, length=5, stride=5, burn_in=2)
>>> x.shape, float(y[-1, -1, 0]), xv.shape, float(yv[-1, -1, 0])
(torch.Size([2, 5, 1]), 10.0, torch.Size([1, 5, 1]), 15.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tslib.errors import InputError
from tslib.training.data import SequenceData, next_step_windows

__all__ = ["train_val_windows"]


def train_val_windows(
    values: object,
    n_train: int,
    val_end: int,
    *,
    length: int,
    stride: int,
    targets: Sequence[int] = (0,),
    labels: object | None = None,
    burn_in: int = 0,
) -> tuple[SequenceData, SequenceData]:
    """Training and validation windows of a (T, F) array (see the module docstring).

    Parameters
    ----------
    values : array_like
        (T, F) model inputs in time order, finite.
    n_train : int
        Rows of the training span; validation is ``n_train .. val_end - 1``.
    val_end : int
        First row after the validation span (the first test row).
    length, stride : int
        Steps per window and start-to-start distance. A span shorter than
        ``length + 1`` rows gets one window of the whole span.
    targets : sequence of int
        Columns of ``values`` to predict at the next step.
    labels : array_like, optional
        (T,) values to predict at the next step instead of ``targets``
        (a class id, for example).
    burn_in : int
        Rows of training context before the validation span.

    Returns
    -------
    tuple
        ``((x_train, y_train), (x_val, y_val))`` float32 tensors.
    """
    array = np.asarray(values, dtype=np.float32)
    if array.ndim != 2:
        raise InputError(f"train_val_windows: values must be (T, F), got {array.shape}")
    if not 1 < n_train < val_end <= array.shape[0]:
        raise InputError(
            f"train_val_windows: need 1 < n_train ({n_train}) < val_end ({val_end}) <= "
            f"{array.shape[0]} rows"
        )
    width = array.shape[1]
    columns = list(targets)
    if labels is not None:
        label = np.asarray(labels, dtype=np.float32).reshape(-1, 1)  # (T, 1)
        if label.shape[0] != array.shape[0]:
            raise InputError(
                f"train_val_windows: labels have {label.shape[0]} rows, values {array.shape[0]}"
            )
        array, columns = np.hstack([array, label]), [width]
    parts = []
    for lo, hi in ((0, n_train), (max(n_train - burn_in, 0), val_end)):
        steps = min(length, hi - lo - 1)
        x, y = next_step_windows(array[lo:hi], steps, stride, columns)
        parts.append((x[..., :width], y))  # (N, T, F), (N, T, k)
    return parts[0], parts[1]
