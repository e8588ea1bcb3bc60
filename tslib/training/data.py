"""The training data format: windows of inputs and per-step targets.

``fit`` trains sequence-to-sequence with teacher forcing. A data set is a pair

* ``x`` (N, T, F): N windows of T steps with F input features, in time order
  along dim 0 when they come from one series (window ``i`` starts before window
  ``i + 1``);
* ``y`` (N, T, n_targets): the target of every step, ``y[:, t]`` being what the
  model output at step ``t`` should predict (for next-step forecasting,
  ``y[:, t] = series[t + 1]``, following the runner convention that the output of
  step t is the prediction for t + 1).

:func:`tslib.training.windows.make_windows` cuts such pairs from a series.

Both may be torch tensors or numpy arrays. Float inputs must be finite; integer
inputs (item ids) and integer targets (class ids) are allowed and kept as they are.

Examples
--------
>>> import numpy as np
>>> series = np.arange(10.0)
>>> x = np.stack([series[i : i + 4] for i in range(6)])[..., None]  # (N=6, T=4, F=1)
>>> y = np.stack([series[i + 1 : i + 5] for i in range(6)])[..., None]  # (6, 4, 1)
>>> (x_train, y_train), (x_val, y_val) = split_windows_by_time(x, y, val_fraction=0.3)
>>> x_train.shape, x_val.shape
(torch.Size([4, 4, 1]), torch.Size([2, 4, 1]))
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch

from tslib.errors import InputError

__all__ = [
    "SequenceData",
    "as_sequence_data",
    "split_windows_by_time",
    "iter_batches",
]

#: A checked data set: inputs (N, T, F) and targets (N, T, n_targets).
SequenceData = tuple[torch.Tensor, torch.Tensor]


def _as_tensor(values: object, name: str) -> torch.Tensor:
    if isinstance(values, np.ndarray):
        if values.dtype.kind not in "fiu":
            raise InputError(f"{name}: expected a numeric array, got numpy dtype {values.dtype}")
        values = torch.from_numpy(np.ascontiguousarray(values))
    if not isinstance(values, torch.Tensor):
        raise InputError(f"{name}: expected a torch.Tensor or numpy array, got {type(values)}")
    if values.dtype == torch.float64:
        values = values.float()
    if values.is_floating_point() and not bool(torch.isfinite(values).all()):
        bad = (~torch.isfinite(values)).nonzero()[0].tolist()
        raise InputError(f"{name}: contains NaN or inf (first at index {bad})")
    if values.is_complex() or values.dtype == torch.bool:
        raise InputError(f"{name}: expected a real numeric tensor, got {values.dtype}")
    return values


def as_sequence_data(
    data: object, name: str, input_size: int | None = None, burn_in: int = 0
) -> SequenceData:
    """Check a ``(x, y)`` pair and return it as tensors (float64 is cast to float32).

    Parameters
    ----------
    data : tuple
        ``(x (N, T, F), y (N, T, n_targets))`` as tensors or numpy arrays.
    name : str
        Name used in error messages (``"train"``, ``"val"``).
    input_size : int, optional
        Expected F (the model's ``input_size``).
    burn_in : int
        Leading steps excluded from the loss; T must exceed it.

    Raises
    ------
    InputError
        Not a pair, wrong number of dimensions, N or T that differ between ``x``
        and ``y``, no windows, a wrong F, T <= burn_in, or NaN / inf values.
    """
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise InputError(f"{name}: expected a pair (x (N, T, F), y (N, T, n_targets))")
    x = _as_tensor(data[0], f"{name} x")
    y = _as_tensor(data[1], f"{name} y")
    if x.ndim != 3:
        raise InputError(f"{name} x: expected (N, T, F), got shape {tuple(x.shape)}")
    if y.ndim != 3:
        raise InputError(f"{name} y: expected (N, T, n_targets), got shape {tuple(y.shape)}")
    if x.shape[:2] != y.shape[:2]:
        raise InputError(
            f"{name}: x {tuple(x.shape)} and y {tuple(y.shape)} differ in windows N or steps T"
        )
    if x.shape[0] == 0:
        raise InputError(f"{name}: no windows (N = 0)")
    if input_size is not None and x.shape[2] != input_size:
        raise InputError(
            f"{name} x: has F={x.shape[2]} features but the model expects {input_size}"
        )
    if x.shape[1] <= burn_in:
        raise InputError(
            f"{name}: windows have T={x.shape[1]} steps, need more than burn_in={burn_in}"
        )
    return x, y


def split_windows_by_time(
    x: object, y: object, val_fraction: float = 0.2, gap: int = 0
) -> tuple[SequenceData, SequenceData]:
    """Split time-ordered windows into an earlier training and a later validation part.

    Parameters
    ----------
    x, y : array_like
        Inputs (N, T, F) and targets (N, T, n_targets), in time order along dim 0.
    val_fraction : float
        Share of the windows, rounded up, that go to validation (0 < fraction < 1).
    gap : int
        Windows dropped between the two parts. Overlapping windows (stride s, T
        steps) share data unless ``gap >= ceil(T / s) - 1``.

    Returns
    -------
    tuple
        ``((x_train, y_train), (x_val, y_val))``; the validation windows come last.
    """
    x, y = as_sequence_data((x, y), "split_windows_by_time")
    if not 0.0 < val_fraction < 1.0:
        raise InputError(
            f"split_windows_by_time: val_fraction must be in (0, 1), got {val_fraction}"
        )
    if gap < 0:
        raise InputError(f"split_windows_by_time: gap must be >= 0, got {gap}")
    count = x.shape[0]
    n_val = math.ceil(val_fraction * count)
    n_train = count - n_val - gap
    if n_train < 1:
        raise InputError(
            f"split_windows_by_time: {count} windows leave no training window "
            f"(val {n_val}, gap {gap})"
        )
    return (x[:n_train], y[:n_train]), (x[count - n_val :], y[count - n_val :])


def iter_batches(
    data: SequenceData, batch_size: int, generator: torch.Generator | None = None
) -> Iterator[SequenceData]:
    """Yield ``(x, y)`` batches; shuffled with ``generator`` when given, else in order."""
    count = data[0].shape[0]
    order = torch.randperm(count, generator=generator) if generator is not None else None
    for start in range(0, count, batch_size):
        if order is None:
            yield data[0][start : start + batch_size], data[1][start : start + batch_size]
        else:
            index = order[start : start + batch_size]  # (B,)
            yield data[0][index], data[1][index]
