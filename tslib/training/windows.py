"""One window builder for every training layout: :func:`make_windows`.

Every model in tslib trains on windows ``x (N, T, F)`` with per-step targets
``y (N, T, K)`` (the data format of :func:`tslib.training.fit`). The layouts the
domains need are options of one function, chosen by the input and the keywords:

* **fixed-length windows of one series** (``values`` a (T,) / (T, F) array or a
  frame, ``length`` steps): window ``i`` starts at row ``s = i * stride`` and its
  target at step t is row ``s + t + shift`` of the targets: ``shift=1`` is
  next-step teacher forcing (the runner convention: the output at step t
  predicts t + 1), ``shift=0`` an aligned target table (``labels``, for example
  :func:`~tslib.training.multi_horizon.horizon_targets`);
* **encoder-decoder windows** (``future=H``): ``y`` holds the H target rows after
  the window, ``(N, H, K)``, and ``known`` columns known in advance give a third
  array ``(N, H, len(known))``;
* **inside spans** (``segments``): windows never cross the end of a span (a run
  of stepped rows between state resets), and ``tail=True`` adds one window that
  ends at each span's end;
* **per group** (a frame with a ``(unit, cycle)`` MultiIndex and ``length``):
  windows are cut within each unit and never cross two;
* **training and validation spans** (``split=(n_train, val_end)``): training
  windows use rows ``0 .. n_train - 1`` only; validation windows use rows
  ``n_train - burn_in .. val_end - 1``, their first ``burn_in`` steps warming the
  state on the end of the training span (left out of the loss by
  ``fit(..., burn_in=burn_in)``). A span shorter than a window gets one window
  of the whole span;
* **whole units, right-padded** (a ``(unit, cycle)`` frame with
  ``length=None``): one sequence per unit from its first cycle, padded after its
  end by repeating its last row, returned as :class:`UnitSequences`; the targets
  carry a mask (values then weights, the layout of
  :func:`~tslib.training.masked_loss.masked_mse`);
* **item histories, right-padded** (``values`` a list of 1-D integer arrays, one
  per user): one next-item window per history of at most ``length`` inputs (the
  most recent), padded inputs hold item 0 and padded targets
  :data:`~tslib.training.next_item.PAD_TARGET`; ``last_only`` scores only the
  last item (a validation target).

Examples
--------
>>> x, y = make_windows(np.arange(7.0), 3)  # next-step, non-overlapping
>>> x[:, :, 0].tolist(), y[:, :, 0].tolist()
([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
>>> frame = pd.DataFrame({"y": np.arange(6.0)})
>>> x, y = make_windows(frame, 3, future=2, stride=1, targets=["y"])
>>> tuple(x.shape), y[:, :, 0].tolist()
((2, 3, 1), [[3.0, 4.0], [4.0, 5.0]])
>>> x, y = make_windows([np.array([4, 5, 6]), np.array([7, 8])], 5)
>>> x[..., 0].tolist(), y[..., 0].tolist()
([[4.0, 5.0], [7.0, 0.0]], [[5, 6], [8, -1]])
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from tslib.errors import DataError, InputError
from tslib.training.next_item import PAD_TARGET
from tslib.validation import check_non_negative_int, check_numeric_columns, check_positive_int

__all__ = ["make_windows", "UnitSequences"]


class UnitSequences(NamedTuple):
    """Right-padded trajectories of the units of a ``(unit, cycle)`` frame."""

    #: inputs (N_units, T_max, F), float32, padding repeats each unit's last row
    x: torch.Tensor
    #: targets then mask (N_units, T_max, 2 K), float32; None without targets
    y: torch.Tensor | None
    #: cycles per unit (N_units,)
    lengths: np.ndarray
    #: unit ids in the frame's order
    units: list[Hashable]

    @property
    def pair(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, y)``, the data format of :func:`tslib.training.fit`."""
        if self.y is None:
            raise InputError("make_windows was called without targets: there is no (x, y) pair")
        return self.x, self.y


def make_windows(
    values: object,
    length: int | None,
    *,
    stride: int | None = None,
    columns: Sequence[int] | Sequence[str] | None = None,
    targets: Sequence[int] | Sequence[str] | None = None,
    labels: object | None = None,
    shift: int = 1,
    future: int | None = None,
    known: Sequence[int] | Sequence[str] = (),
    segments: Sequence[tuple[int, int]] | None = None,
    tail: bool = False,
    split: tuple[int, int] | None = None,
    burn_in: int = 0,
    last_only: bool = False,
) -> object:
    """Cut training windows (see the module docstring for the layouts).

    Parameters
    ----------
    values : array_like, pandas.DataFrame or list of 1-D int arrays
        (T,) or (T, F) observations in time order; a frame (a ``(unit, cycle)``
        MultiIndex cuts per unit); or one item history per user.
    length : int or None
        Steps per window (the most recent ``length`` inputs of an item history);
        None with a ``(unit, cycle)`` frame: whole units, right-padded.
    stride : int, optional
        Start-to-start distance; default ``length`` (non-overlapping windows).
    columns : sequence of int or str, optional
        Input columns (indices for arrays, names for frames); default all.
    targets : sequence of int or str, optional
        Target columns; default the first input column. ``()`` with whole units:
        no targets (prediction only).
    labels : array_like, optional
        (T,) or (T, K) target table aligned with the rows, instead of ``targets``.
    shift : int
        Row offset of a step's target: 1 predicts the next row, 0 the same row.
    future : int, optional
        Encoder-decoder layout: ``y`` is the ``future`` target rows after the window.
    known : sequence of int or str
        With ``future``: columns known in advance, returned as a third array.
    segments : sequence of (int, int), optional
        Row spans ``[start, stop)`` that a window may not cross.
    tail : bool
        Add a window that ends at the end of each span when the stride misses it.
    split : (int, int), optional
        ``(n_train, val_end)``: return training and validation windows.
    burn_in : int
        With ``split``: rows of training context before the validation span.
    last_only : bool
        Item histories: score only the last item of each history.

    Returns
    -------
    tuple or UnitSequences
        ``(x (N, T, F), y (N, T, K))`` float32 tensors (item targets int64); with
        ``known``, ``(x, y, x_known)``; with ``split``, ``((x, y), (x_val, y_val))``;
        whole units, :class:`UnitSequences`.

    Raises
    ------
    InputError
        A bad option, or an option the layout does not use.
    DataError
        Non-finite values in a window, or no window fits in the data.
    """
    if isinstance(values, (list, tuple)):
        _only(
            "item histories", stride=stride, columns=columns, targets=targets, labels=labels,
            future=future, known=known, segments=segments, tail=tail, split=split,
            burn_in=burn_in,
        )  # fmt: skip
        if shift != 1:
            raise InputError(
                f"make_windows: item histories predict the next item, got shift={shift}"
            )
        return _item_windows(values, check_positive_int(length, "length"), last_only)
    _only("series windows", last_only=last_only)
    shift = check_non_negative_int(shift, "shift")
    if isinstance(values, pd.DataFrame) and isinstance(values.index, pd.MultiIndex):
        if length is None:
            _only(
                "whole units", stride=stride, labels=labels, future=future, known=known,
                segments=segments, tail=tail, split=split, burn_in=burn_in,
            )  # fmt: skip
            return _whole_units(values, columns, targets, shift)
        if segments is not None or split is not None:
            raise InputError("make_windows: segments and split take one series, not a unit frame")
        return _per_unit(
            values, length, stride, columns, targets, labels, shift, future, known, tail
        )
    if length is None:
        raise InputError("make_windows: length=None (whole units) needs a (unit, cycle) frame")
    inputs, target_table, known_table, names = _tables(values, columns, targets, labels, known)
    if split is not None:
        if segments is not None or future is not None or known_table is not None:
            raise InputError(
                "make_windows: split takes per-step windows (no segments, future or known)"
            )
        return _split(inputs, target_table, names, length, stride, shift, split, burn_in, tail)
    _only("windows without split", burn_in=burn_in)
    spans = [(0, len(inputs))] if segments is None else _spans(segments, len(inputs))
    return _cut(
        inputs, target_table, known_table, names, spans, length, stride, shift, future, tail
    )


# ---------------------------------------------------------------------------- options


_DEFAULTS = {
    "stride": None, "columns": None, "targets": None, "labels": None, "future": None,
    "known": (), "segments": None, "tail": False, "split": None, "burn_in": 0, "last_only": False,
}  # fmt: skip


def _only(layout: str, **options: object) -> None:
    """Raise when an option the layout does not use was given (not left at its default)."""
    for name, value in options.items():
        default = _DEFAULTS[name]
        empty = isinstance(value, (list, tuple)) and len(value) == 0 and default == ()
        if value is not default and not empty and not (name == "burn_in" and value == 0):
            raise InputError(f"make_windows: {name}= is not used by {layout}")


def _rows_per_window(length: int, shift: int, future: int | None) -> int:
    """Rows a window spans: its inputs and, ``shift`` rows on, its last target."""
    return length + shift + (future - 1 if future is not None else 0)


def _spans(segments: Sequence[tuple[int, int]], rows: int) -> list[tuple[int, int]]:
    spans = []
    for start, stop in segments:
        if not 0 <= start <= stop <= rows:
            raise InputError(f"make_windows: segment ({start}, {stop}) outside {rows} rows")
        spans.append((int(start), int(stop)))
    return spans


def _column_positions(wanted: Sequence[int] | Sequence[str], names: list, what: str) -> list[int]:
    """Positions of ``wanted`` (indices or names) among ``names``."""
    positions = []
    for column in wanted:
        if column in names:  # a name of a frame column, or an index of an array column
            positions.append(names.index(column))
        elif isinstance(column, (int, np.integer)):
            raise InputError(
                f"make_windows: {what} column {column} out of range for {len(names)} columns"
            )
        else:
            raise DataError(f"make_windows: no {what} column {column!r} in {names}")
    return positions


def _tables(
    values: object,
    columns: Sequence | None,
    targets: Sequence | None,
    labels: object | None,
    known: Sequence,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple]:
    """Inputs (T, F), targets (T, K) and known (T, J) or None, float32, and their names."""
    if isinstance(values, pd.DataFrame):
        if not values.index.is_monotonic_increasing:
            raise DataError("make_windows: the frame index is not sorted in time")
        wanted = list(values.columns if columns is None else columns)
        used = list(dict.fromkeys(wanted + list(targets or []) + list(known)))
        check_numeric_columns(values, used, "make_windows")
        array = values[used].to_numpy(np.float32)  # (T, C)
        names: list = used
    else:
        if isinstance(values, torch.Tensor):
            values = values.detach().cpu().numpy()
        array = np.asarray(values)
        if array.dtype.kind not in "fiu":
            raise InputError(f"make_windows: expected numeric values, got dtype {array.dtype}")
        array = array.astype(np.float32, copy=False)
        if array.ndim == 1:
            array = array[:, None]  # (T, 1)
        if array.ndim != 2:
            raise InputError(f"make_windows: values must be (T,) or (T, F), got {array.shape}")
        names = list(range(array.shape[1]))
        wanted = names if columns is None else list(columns)
    input_at = _column_positions(wanted, names, "input")
    inputs = array[:, input_at]  # (T, F)
    input_names = [names[i] for i in input_at]
    if labels is not None:
        if targets is not None:
            raise InputError("make_windows: give targets or labels, not both")
        target_table = np.asarray(labels, dtype=np.float32)
        target_table = target_table.reshape(len(target_table), -1)  # (T, K)
        if len(target_table) != len(array):
            raise InputError(
                f"make_windows: labels have {len(target_table)} rows, values {len(array)}"
            )
        target_names = [f"labels[{k}]" for k in range(target_table.shape[1])]
    else:
        wanted_targets = input_names[:1] if targets is None else list(targets)
        if not wanted_targets:
            raise InputError("make_windows: targets is empty")
        target_at = _column_positions(wanted_targets, names, "target")
        target_table = array[:, target_at]  # (T, K)
        target_names = [names[i] for i in target_at]
    known_at = _column_positions(known, names, "known")
    known_table = array[:, known_at] if known_at else None  # (T, J)
    return inputs, target_table, known_table, (input_names, target_names, list(known))


def _check_finite(
    window: np.ndarray, starts: np.ndarray, offset: int, names: list, what: str
) -> None:
    if not np.isfinite(window).all():
        i, t, c = np.argwhere(~np.isfinite(window))[0]
        raise DataError(
            f"make_windows: {what} column {names[c]!r} has a NaN or inf value at row "
            f"{int(starts[i]) + offset + int(t)}; impute before windowing"
        )


def _starts(spans: list[tuple[int, int]], need: int, stride: int, tail: bool) -> np.ndarray:
    """First rows of the windows of ``need`` rows inside each span, in time order."""
    parts = []
    for start, stop in spans:
        if stop - start < need:
            continue
        firsts = np.arange(start, stop - need + 1, stride, dtype=np.int64)
        if tail and firsts[-1] != stop - need:
            firsts = np.append(firsts, stop - need)
        parts.append(firsts)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


# ---------------------------------------------------------------------------- layouts


def _cut(
    inputs: np.ndarray,
    target_table: np.ndarray,
    known_table: np.ndarray | None,
    names: tuple,
    spans: list[tuple[int, int]],
    length: int,
    stride: int | None,
    shift: int,
    future: int | None,
    tail: bool,
) -> tuple:
    """Fixed-length windows inside ``spans``: (x, y) or (x, y, x_known) tensors."""
    length = check_positive_int(length, "length")
    stride = length if stride is None else check_positive_int(stride, "stride")
    if future is not None:
        future = check_positive_int(future, "future")
    elif known_table is not None:
        raise InputError("make_windows: known= needs future= (the encoder-decoder layout)")
    need = _rows_per_window(length, shift, future)
    starts = _starts(spans, need, stride, tail)
    if starts.size == 0 and spans == [(0, len(inputs))]:
        raise DataError(
            f"make_windows: {len(inputs)} rows are fewer than the {need} rows a window needs "
            f"(length {length}, shift {shift}" + (f", future {future})" if future else ")")
        )
    if starts.size == 0:
        raise DataError(f"make_windows: no segment holds a window of {need} rows")
    steps = np.arange(length)
    x = inputs[starts[:, None] + steps]  # (N, L, F)
    _check_finite(x, starts, 0, names[0], "input")
    first = length - 1 + shift if future is not None else shift
    rows = starts[:, None] + first + np.arange(future or length)  # (N, L or H)
    y = target_table[rows]  # (N, L or H, K)
    _check_finite(y, starts, first, names[1], "target")
    out = (torch.from_numpy(x), torch.from_numpy(y))
    if known_table is None:
        return out
    x_known = known_table[rows]  # (N, H, J)
    _check_finite(x_known, starts, first, names[2], "known")
    return (*out, torch.from_numpy(x_known))


def _split(
    inputs: np.ndarray,
    target_table: np.ndarray,
    names: tuple,
    length: int,
    stride: int | None,
    shift: int,
    split: tuple[int, int],
    burn_in: int,
    tail: bool,
) -> tuple:
    """Training windows of rows ``[0, n_train)``, validation of ``[n_train - burn_in, val_end)``."""
    n_train, val_end = split
    burn_in = check_non_negative_int(burn_in, "burn_in")
    length = check_positive_int(length, "length")
    if not 1 < n_train < val_end <= len(inputs):
        raise InputError(
            f"make_windows: split needs 1 < n_train ({n_train}) < val_end ({val_end}) <= "
            f"{len(inputs)} rows"
        )
    parts = []
    for lo, hi in ((0, n_train), (max(n_train - burn_in, 0), val_end)):
        steps = min(length, hi - lo - shift)
        parts.append(
            _cut(
                inputs[lo:hi],
                target_table[lo:hi],
                None,
                names,
                [(0, hi - lo)],
                steps,
                stride,
                shift,
                None,
                tail,
            )  # fmt: skip
        )
    return parts[0], parts[1]


def _unit_blocks(frame: pd.DataFrame) -> tuple[np.ndarray, list[Hashable]]:
    """Row starts of each unit (contiguous blocks, in frame order) and the unit ids."""
    if len(frame) == 0:
        raise DataError("make_windows: the frame has no rows")
    units = frame.index.get_level_values(0).to_numpy()
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    ids = units[starts].tolist()
    if len(set(ids)) != len(ids):
        raise DataError("make_windows: the rows of each unit must be contiguous")
    return starts, ids


def _per_unit(
    frame: pd.DataFrame,
    length: int,
    stride: int | None,
    columns: Sequence | None,
    targets: Sequence | None,
    labels: object | None,
    shift: int,
    future: int | None,
    known: Sequence,
    tail: bool,
) -> tuple:
    """Windows cut within each first-level group of ``frame``, concatenated in frame order."""
    length = check_positive_int(length, "length")
    need = _rows_per_window(length, shift, future)
    label_table = None if labels is None else np.asarray(labels).reshape(len(frame), -1)
    parts = []
    positions = pd.Series(np.arange(len(frame)), index=frame.index)
    for _, rows in positions.groupby(level=0, sort=False):
        if len(rows) < need:  # a unit too short for one window gives none
            continue
        group = frame.iloc[rows.to_numpy()].droplevel(0)
        group_labels = None if label_table is None else label_table[rows.to_numpy()]
        parts.append(
            make_windows(
                group,
                length,
                stride=stride,
                columns=columns,
                targets=targets,
                labels=group_labels,
                shift=shift,
                future=future,
                known=known,
                tail=tail,
            )  # fmt: skip
        )
    if not parts:
        raise DataError(
            f"make_windows: no group of {frame.index.names[0]!r} holds a window "
            f"(length {length}, future {future})"
        )
    return tuple(torch.cat([p[i] for p in parts]) for i in range(len(parts[0])))


def _whole_units(
    frame: pd.DataFrame, columns: Sequence | None, targets: Sequence | None, shift: int
) -> UnitSequences:
    """Every unit from its first cycle, right-padded to the longest (see the module docstring)."""
    columns = list(frame.columns if columns is None else columns)
    targets = list(columns[:1] if targets is None else targets)
    check_numeric_columns(frame, columns + targets, "make_windows")
    starts, ids = _unit_blocks(frame)
    values = frame[columns].to_numpy(np.float32)  # (R, F)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise DataError(
            f"make_windows: column {columns[col]!r} is not finite at row {frame.index[row]}"
        )
    lengths = np.diff(np.r_[starts, len(frame)])
    clock = np.arange(lengths.max())[None, :]  # (1, T)
    rows = starts[:, None] + np.minimum(clock, lengths[:, None] - 1)  # (U, T): pad = last row
    x = torch.from_numpy(values[rows])  # (U, T, F)
    y = None
    if targets:
        labels = frame[targets].to_numpy(np.float32)  # (R, K)
        if not np.isfinite(labels).all():
            raise DataError(f"make_windows: targets {targets} are not finite")
        mask = (clock + shift < lengths[:, None]).astype(np.float32)  # (U, T)
        target_rows = starts[:, None] + np.minimum(clock + shift, lengths[:, None] - 1)  # (U, T)
        weights = np.repeat(mask[..., None], len(targets), axis=-1)  # (U, T, K)
        y = torch.from_numpy(np.concatenate([labels[target_rows] * weights, weights], axis=-1))
    return UnitSequences(x, y, lengths, ids)  # y: (U, T, 2 K)


def _item_windows(
    sequences: Sequence[np.ndarray], max_len: int, last_only: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """One right-padded next-item window per history of two or more items."""
    kept = []
    for index, items in enumerate(sequences):
        items = np.asarray(items)
        if items.ndim != 1 or not np.issubdtype(items.dtype, np.integer):
            raise InputError(f"make_windows: item history {index} must be a 1-D integer array")
        if items.size and items.min() < 0:
            raise InputError(f"make_windows: item history {index} holds a negative item id")
        if items.size >= 2:
            kept.append(items[-(max_len + 1) :])
    if not kept:
        raise InputError("make_windows: no item history has two or more items")
    steps = max(len(items) for items in kept) - 1
    x = np.zeros((len(kept), steps, 1), dtype=np.float32)  # (N, T, 1) item ids, 0 = padding
    y = np.full((len(kept), steps, 1), PAD_TARGET, dtype=np.int64)  # (N, T, 1)
    for row, items in enumerate(kept):
        size = len(items) - 1
        x[row, :size, 0] = items[:-1]
        if last_only:
            y[row, size - 1, 0] = items[-1]
        else:
            y[row, :size, 0] = items[1:]
    return torch.from_numpy(x), torch.from_numpy(y)
