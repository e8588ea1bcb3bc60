"""Validation of runner input: stream ids and observation batches.

Everything here runs before the runner mutates anything, so a rejected step
leaves every stream's state, count and last output untouched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from tslib.errors import InputError

__all__ = ["as_id_tuple", "as_numeric", "check_ids", "check_step_batch", "id_kind"]

#: id type -> "int", "str" or None (rejected); filled lazily, so checks are one dict lookup.
_ID_KINDS: dict[type, str | None] = {}


def id_kind(id_type: type) -> str | None:
    """``"int"`` for Python/NumPy integers, ``"str"`` for strings, else ``None`` (bools too)."""
    kind = _ID_KINDS.get(id_type, "?")
    if kind == "?":
        if issubclass(id_type, (bool, np.bool_)):
            kind = None
        elif issubclass(id_type, (int, np.integer)):
            kind = "int"
        elif issubclass(id_type, str):
            kind = "str"
        else:
            kind = None
        _ID_KINDS[id_type] = kind
    return kind


def check_ids(ids: tuple, types: set[type], kind: str | None) -> str:
    """Validate a batch of stream ids and return their kind.

    Parameters
    ----------
    ids : tuple
        The ids of one step, one per input row.
    types : set[type]
        ``set(map(type, ids))``, computed once by the caller.
    kind : str or None
        The kind the runner already holds, or ``None`` before its first stream.

    Raises
    ------
    InputError
        Empty ids, an id that is not an int or str (bools included), mixed
        kinds, a kind other than ``kind``, or duplicate ids.
    """
    if not ids:
        raise InputError("ids is empty: step needs at least one stream id")
    kinds = {id_kind(t) for t in types}
    if None in kinds:
        bad = next(stream for stream in ids if id_kind(type(stream)) is None)
        raise InputError(f"stream id {bad!r} has type {type(bad).__name__}; ids must be int or str")
    if len(kinds) > 1:
        raise InputError(f"ids mix int and str stream ids: {sorted(kinds)}")
    (found,) = kinds
    if kind is not None and found != kind:
        raise InputError(f"this runner's stream ids are {kind}, got {found} ids {list(ids[:5])!r}")
    if len(set(ids)) != len(ids):
        seen: set = set()
        duplicates = sorted({s for s in ids if s in seen or seen.add(s)}, key=repr)
        raise InputError(f"duplicate stream ids in one step: {duplicates!r}")
    return found


def as_id_tuple(ids: object) -> tuple:
    """``ids`` as a tuple; a lone str, an unordered collection or a 2-d array is rejected.

    Rows of ``x`` go to ``ids`` by position, so only ordered containers are
    accepted: sequences (list, tuple, range, ...), NumPy arrays and pandas
    ``Index`` / ``Series``. A ``set`` or ``dict`` iterates in hash order, which
    changes with ``PYTHONHASHSEED``, and raises :class:`InputError`.
    """
    if isinstance(ids, (str, bytes)) or not isinstance(
        ids, (Sequence, np.ndarray, pd.Index, pd.Series)
    ):
        hint = " (unordered: use a list or tuple)" if hasattr(ids, "__len__") else ""
        raise InputError(
            f"ids must be an ordered sequence of stream ids, got {type(ids).__name__}{hint}"
        )
    if isinstance(ids, np.ndarray):
        if ids.ndim != 1:
            raise InputError(f"ids must be one-dimensional, got shape {ids.shape}")
        return tuple(ids.tolist()) if ids.dtype.kind in "iuU" else tuple(ids)
    return tuple(ids)


def as_numeric(x: object, what: str) -> object:
    """Tensors and arrays pass through; lists, pandas rows and frames become float64 arrays.

    A pandas ``Series`` is one observation (one row of F values), so it becomes
    (1, F); a ``DataFrame`` is (B, F). Non-numeric values raise
    :class:`InputError` naming the column or position.
    """
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return x
    if isinstance(x, pd.Series):
        x = x.to_frame().T
    if isinstance(x, pd.DataFrame):
        bad = [str(c) for c, d in x.dtypes.items() if not pd.api.types.is_numeric_dtype(d)]
        if bad:
            raise InputError(f"{what} has non-numeric column(s) {bad[:5]}")
        return x.to_numpy(dtype=np.float64)
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise InputError(f"{what} is not a rectangular list of numbers: {error}") from None
    raise InputError(
        f"{what} must be a torch.Tensor, numpy array, list or pandas row/frame, "
        f"got {type(x).__name__}"
    )


#: Largest CPU batch (elements) checked for NaN/inf through Python floats (``tolist``,
#: ~0.5 µs at one row) rather than a torch reduction (~2-4 µs per call).
_SMALL_FINITE_CHECK = 256


def _all_finite(x: torch.Tensor) -> bool:
    """True when the 2-D tensor ``x`` holds no NaN or inf (a float32 sum may overflow:
    then False, and the caller's exact check decides)."""
    if x.numel() <= _SMALL_FINITE_CHECK and x.is_cpu:
        return math.isfinite(sum(map(sum, x.tolist())))  # float64 sum: no overflow here
    return math.isfinite(x.sum().item())


def check_step_batch(
    ids: tuple,
    x: object,
    n_inputs: int,
    device: torch.device,
    dtype: torch.dtype,
    steps: int | None = None,
    what: str | None = None,
) -> torch.Tensor:
    """Validate step input (B, F), or future input (B, steps, F) when ``steps`` is given.

    Returns the input cast to ``dtype`` on ``device``. Raises :class:`InputError`
    naming the problem and, for NaN/inf (checked after the cast, so values that
    overflow the model dtype count), the stream ids and columns.
    """
    if (  # fast accept: a finite (B, F) tensor already in the model dtype and on the device
        steps is None
        and type(x) is torch.Tensor
        and x.dtype is dtype
        and x.dim() == 2
        and x.shape[0] == len(ids)
        and x.shape[1] == n_inputs
        and x.device == device
        and _all_finite(x)
    ):
        return x
    what = what or ("input" if steps is None else "future input")
    x = as_numeric(x, what)
    if isinstance(x, np.ndarray):
        if x.dtype not in (np.float32, np.float64):
            raise InputError(f"{what} dtype must be float32 or float64, got numpy {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))
    elif not isinstance(x, torch.Tensor):
        raise InputError(f"{what} must be a torch.Tensor or numpy array, got {type(x).__name__}")
    elif x.dtype not in (torch.float32, torch.float64):
        raise InputError(f"{what} dtype must be float32 or float64, got {x.dtype}")
    elif x.device.type == "meta":
        raise InputError(f"{what} is on the 'meta' device, which holds no data; use {device}")
    shape = (len(ids), n_inputs) if steps is None else (len(ids), steps, n_inputs)
    names = "(B, F)" if steps is None else f"(B, {'T' if what == 'history' else 'horizon - 1'}, F)"
    if x.ndim != len(shape):
        raise InputError(
            f"{what} must be {names} = {shape}, got ndim {x.ndim} shape {tuple(x.shape)}"
        )
    if x.shape[0] != len(ids):
        raise InputError(f"{what} has {x.shape[0]} rows but {len(ids)} stream ids were given")
    if steps is not None and x.shape[1] != steps:
        length = "T" if what == "history" else "horizon - 1"
        raise InputError(
            f"{what} must be {names} = {shape}, got {tuple(x.shape)}: {x.shape[1]} steps "
            f"where {length} = {steps}"
        )
    if tuple(x.shape) != shape:
        raise InputError(f"{what} must be {names} = {shape}, got {tuple(x.shape)} (feature count)")
    if x.dtype != dtype or x.device != device:
        try:
            x = x.to(device=device, dtype=dtype)
        except (RuntimeError, NotImplementedError) as error:
            raise InputError(
                f"{what} on device {x.device} cannot move to {device}: {error}"
            ) from None
    # One reduction: a NaN or inf anywhere makes the sum non-finite. A finite
    # input whose sum overflows is cleared by the exact check below.
    if not math.isfinite(x.sum().item()):
        bad = ~torch.isfinite(x).reshape(len(ids), -1, n_inputs)  # (B, T, F)
        rows = bad.any(dim=1)  # (B, F)
        culprits = [
            f"stream {ids[b]!r} column(s) {rows[b].nonzero().flatten().tolist()}"
            for b in rows.any(dim=1).nonzero().flatten().tolist()
        ]
        if culprits:
            shown = "; ".join(culprits[:10]) + (" ..." if len(culprits) > 10 else "")
            raise InputError(f"non-finite {what} (NaN or inf in model dtype {dtype}): {shown}")
    return x
