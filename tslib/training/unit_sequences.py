"""Whole run-to-failure trajectories as training data: right-padded units and a masked loss.

A recurrent RUL model is deployed on each engine from its first cycle, with a
zero state, emitting an estimate at every cycle. Training on the same thing,
whole trajectories from cycle 1, needs sequences of different lengths in one
batch. :func:`unit_sequences` right-pads every unit to the longest one and
stores a mask next to the target, ``y[..., 0]`` = target and ``y[..., 1]`` = 1
on real cycles, 0 on padding. Padding comes *after* a unit's last cycle, so a
causal model's outputs on real cycles never depend on it, and
:func:`masked_mse` ignores the padded steps. Pass ``data.pair`` to
:func:`tslib.training.fit` with ``loss=masked_mse``.

:func:`unit_predictions` runs a model over every unit of a frame the same way
(one batched forward) and returns the point predictions aligned with the
frame's rows.

Examples
--------
>>> index = pd.MultiIndex.from_tuples([(1, 1), (1, 2), (1, 3), (2, 1)], names=["unit", "cycle"])
>>> frame = pd.DataFrame({"s": [0.1, 0.2, 0.3, 0.4], "rul": [2.0, 1.0, 0.0, 5.0]}, index=index)
>>> data = unit_sequences(frame, ["s"], "rul")
>>> tuple(data.x.shape), data.y[1, :, 1].tolist(), data.lengths.tolist()
((2, 3, 1), [1.0, 0.0, 0.0], [3, 1])
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from torch import nn

from tslib.errors import DataError, InputError
from tslib.validation import check_numeric_columns

__all__ = ["UnitSequences", "unit_sequences", "masked_mse", "unit_predictions"]


class UnitSequences(NamedTuple):
    """Right-padded trajectories of the units of a ``(unit, cycle)`` frame."""

    #: inputs (N_units, T_max, F), float32, padding repeats each unit's last row
    x: torch.Tensor
    #: targets and mask (N_units, T_max, 2), float32; None without a target
    y: torch.Tensor | None
    #: cycles per unit (N_units,)
    lengths: np.ndarray
    #: unit ids in the frame's order
    units: list[Hashable]

    @property
    def pair(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, y)``, the data format of :func:`tslib.training.fit`."""
        if self.y is None:
            raise InputError("unit_sequences was built without a target: there is no (x, y) pair")
        return self.x, self.y


def _unit_blocks(frame: pd.DataFrame, owner: str) -> tuple[np.ndarray, list[Hashable]]:
    """Row starts of each unit (contiguous blocks, in frame order) and the unit ids."""
    if not isinstance(frame.index, pd.MultiIndex):
        raise DataError(f"{owner}: the frame needs a (unit, cycle) MultiIndex")
    if len(frame) == 0:
        raise DataError(f"{owner}: the frame has no rows")
    units = frame.index.get_level_values(0).to_numpy()
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    ids = units[starts].tolist()
    if len(set(ids)) != len(ids):
        raise DataError(f"{owner}: the rows of each unit must be contiguous")
    return starts, ids


def unit_sequences(
    frame: pd.DataFrame, columns: Sequence[str], target: str | None = None
) -> UnitSequences:
    """Pad every unit of ``frame`` to the longest one (see the module docstring).

    Parameters
    ----------
    frame : pd.DataFrame
        Rows indexed by ``(unit, cycle)``, each unit's cycles contiguous and in order.
    columns : sequence of str
        Input columns, finite.
    target : str, optional
        Target column; without it ``y`` is None (prediction only).
    """
    columns = list(columns)
    check_numeric_columns(frame, columns + ([target] if target else []), "unit_sequences")
    starts, ids = _unit_blocks(frame, "unit_sequences")
    values = frame[columns].to_numpy(np.float32)  # (N, F)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise DataError(
            f"unit_sequences: column {columns[col]!r} is not finite at row {frame.index[row]}"
        )
    lengths = np.diff(np.r_[starts, len(frame)])
    steps = np.minimum(np.arange(lengths.max())[None, :], lengths[:, None] - 1)  # (U, T)
    rows = starts[:, None] + steps  # (U, T): padding repeats the last row
    x = torch.from_numpy(values[rows])  # (U, T, F)
    y = None
    if target is not None:
        labels = frame[target].to_numpy(np.float32)  # (N,)
        if not np.isfinite(labels).all():
            raise DataError(f"unit_sequences: target {target!r} is not finite")
        mask = (np.arange(lengths.max())[None, :] < lengths[:, None]).astype(np.float32)
        y = torch.from_numpy(np.stack([labels[rows] * mask, mask], axis=-1))  # (U, T, 2)
    return UnitSequences(x, y, lengths, ids)


def masked_mse(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the real (mask 1) steps only.

    Parameters
    ----------
    outputs : torch.Tensor
        Raw model outputs (B, T, 1).
    target : torch.Tensor
        ``[..., 0]`` target, ``[..., 1]`` mask, (B, T, 2).
    """
    if outputs.shape[-1] != 1 or target.shape[-1] != 2 or outputs.shape[:2] != target.shape[:2]:
        raise InputError(
            f"masked_mse: expected outputs (B, T, 1) and target (B, T, 2), got "
            f"{tuple(outputs.shape)} and {tuple(target.shape)}"
        )
    mask = target[..., 1]  # (B, T)
    squared = (outputs[..., 0] - target[..., 0]) ** 2 * mask  # (B, T)
    return squared.sum() / mask.sum().clamp_min(1.0)


@torch.no_grad()
def unit_predictions(
    model: nn.Module, frame: pd.DataFrame, columns: Sequence[str], batch_size: int = 256
) -> np.ndarray:
    """Point predictions of ``model`` at every row of ``frame``, each unit from a zero state.

    Returns
    -------
    numpy.ndarray
        (N_rows, n_targets) float64, in the frame's row order.
    """
    data = unit_sequences(frame, columns)
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    parts = []
    try:
        for start in range(0, len(data.units), batch_size):
            raw, _ = model(data.x[start : start + batch_size].to(device))  # (B, T, O)
            point = model.point(raw) if hasattr(model, "point") else raw  # (B, T, n)
            lengths = data.lengths[start : start + batch_size]
            parts.extend(point[i, :n].double().cpu().numpy() for i, n in enumerate(lengths))
    finally:
        model.train(was_training)
    return np.concatenate(parts)  # (N_rows, n)
