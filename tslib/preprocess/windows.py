"""Cut a frame into (past, future) training windows.

Window ``i`` starts at row ``s = i * stride``: its past is rows ``s .. s + past - 1``
and its future rows ``s + past .. s + past + future - 1``, so the past always
ends strictly before the future begins. A frame with a MultiIndex such as
``(unit, cycle)`` is cut per first-level group: no window spans two units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from tslib.errors import DataError, InputError
from tslib.preprocess.base import check_columns

__all__ = ["make_windows", "window_starts"]


def window_starts(n_rows: int, past: int, future: int, stride: int = 1) -> np.ndarray:
    """First row of every window that fits in ``n_rows`` rows, (N,) int64.

    Examples
    --------
    >>> window_starts(10, past=4, future=2, stride=2).tolist()
    [0, 2, 4]
    """
    if past < 1 or future < 1 or stride < 1:
        raise InputError(f"past, future and stride must be >= 1, got {past}, {future}, {stride}")
    return np.arange(0, n_rows - past - future + 1, stride, dtype=np.int64)


def make_windows(
    frame: pd.DataFrame,
    past: int,
    future: int,
    target_cols: Sequence[str],
    covariate_cols: Sequence[str] | None = None,
    known_future_cols: Sequence[str] | None = None,
    stride: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Cut ``frame`` into windows of ``past`` inputs and ``future`` targets.

    Parameters
    ----------
    frame : pd.DataFrame
        Time-ordered, preprocessed frame without NaNs in the used columns. With a
        MultiIndex (e.g. ``(unit, cycle)``) windows are cut within each group of
        the first level, in order, and never cross two groups; groups shorter
        than ``past + future`` give no window.
    past, future : int
        Rows of context and of forecast horizon per window.
    target_cols : Sequence[str]
        Columns to forecast (T of them).
    covariate_cols : Sequence[str] or None
        Columns observed only up to the present (past covariates).
    known_future_cols : Sequence[str] or None
        Columns known in advance, such as calendar features (K of them).
    stride : int
        Rows between the starts of consecutive windows.

    Returns
    -------
    X_past : np.ndarray
        (N, past, F) float32, columns ``target_cols + covariate_cols +
        known_future_cols`` (duplicates dropped, order kept).
    Y_future : np.ndarray
        (N, future, T) float32 targets.
    X_future_known : np.ndarray or None
        (N, future, K) float32, or None without ``known_future_cols``.

    Examples
    --------
    >>> frame = pd.DataFrame({"y": np.arange(6.0)})
    >>> x, y, k = make_windows(frame, past=3, future=2, target_cols=["y"])
    >>> x.shape, y.shape, k, y[:, :, 0].tolist()
    ((2, 3, 1), (2, 2, 1), None, [[3.0, 4.0], [4.0, 5.0]])
    """
    if isinstance(frame.index, pd.MultiIndex):  # e.g. (unit, cycle): one series per unit
        parts = [
            make_windows(
                group.droplevel(0), past, future, target_cols, covariate_cols,
                known_future_cols, stride,
            )
            for _, group in frame.groupby(level=0, sort=False)
            if len(group) >= past + future
        ]  # fmt: skip
        if not parts:
            raise DataError(
                f"make_windows: no group of {frame.index.names[0]!r} has past + future = "
                f"{past + future} rows"
            )
        x_past, y_future = (np.concatenate([p[i] for p in parts]) for i in (0, 1))
        x_known = None if parts[0][2] is None else np.concatenate([p[2] for p in parts])
        return x_past, y_future, x_known
    target_cols = list(target_cols)
    known = list(known_future_cols or [])
    input_cols = list(dict.fromkeys(target_cols + list(covariate_cols or []) + known))
    if not target_cols:
        raise InputError("make_windows: target_cols is empty")
    check_columns(frame, input_cols, "make_windows")
    if not frame.index.is_monotonic_increasing:
        raise DataError("make_windows: the frame index is not sorted in time")
    for column in input_cols:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            raise DataError(
                f"make_windows: column {column!r} has {missing.sum()} NaN(s), first at "
                f"{frame.index[missing.argmax()]!r}; impute before windowing"
            )
    starts = window_starts(len(frame), past, future, stride)
    if starts.size == 0:
        raise DataError(
            f"make_windows: {len(frame)} rows are fewer than past + future = {past + future}"
        )
    length = past + future

    def cut(columns: list[str], first: int, count: int) -> np.ndarray:
        values = frame[columns].to_numpy(np.float32)  # (R, C)
        windows = sliding_window_view(values, length, axis=0)[starts]  # (N, C, L)
        return np.ascontiguousarray(windows[:, :, first : first + count].transpose(0, 2, 1))

    x_past = cut(input_cols, 0, past)  # (N, past, F)
    y_future = cut(target_cols, past, future)  # (N, future, T)
    x_known = cut(known, past, future) if known else None  # (N, future, K)
    return x_past, y_future, x_known
