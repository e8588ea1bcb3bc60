"""Validation of a snapshot's content after its checksum has been verified.

The checksum proves that the bytes are the ones written, not that they make a
valid snapshot: a file written by a bug, by hand or by another program can
carry a correct checksum and wrong content. Every field is checked here, and
every problem raises :class:`~tslib.errors.SnapshotError` naming the field.
"""

from __future__ import annotations

import math

import torch

from tslib.errors import SnapshotError

__all__ = ["MAX_STEP_COUNT", "check_metadata", "check_tensors"]

#: Largest step count a snapshot may hold (the pool stores counts as int64).
MAX_STEP_COUNT = 2**63 - 1

#: Metadata field -> (accepted JSON types, description used in messages).
_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "format_version": ((int,), "an integer"),
    "ids": ((list,), "a list of stream ids"),
    "id_kind": ((str, type(None)), '"int", "str" or null'),
    "step_counts": ((list,), "a list of step counts"),
    "n_state": ((int,), "an integer"),
    "fingerprint": ((str,), "a string"),
}


def check_metadata(meta: object, where: str) -> None:
    """Check the ``tslib`` metadata of a snapshot (format version already checked).

    Parameters
    ----------
    meta : object
        The parsed JSON metadata.
    where : str
        Names the file in messages, e.g. ``"snapshot /tmp/run.snap"``.

    Raises
    ------
    SnapshotError
        A missing field, a field of the wrong JSON type, an unknown id kind, ids
        of the wrong kind or repeated, or step counts that are not non-negative
        integers (one per id).
    """
    if not isinstance(meta, dict):
        raise SnapshotError(f"{where}: metadata is a JSON {type(meta).__name__}, not an object")
    for field, (types, description) in _FIELDS.items():
        if field not in meta:
            raise SnapshotError(f"{where}: metadata field {field!r} is missing")
        value = meta[field]
        if isinstance(value, bool) or not isinstance(value, types):
            raise SnapshotError(
                f"{where}: metadata field {field!r} must be {description}, got {value!r:.60}"
            )
    ids, kind, counts = meta["ids"], meta["id_kind"], meta["step_counts"]
    if kind not in ("int", "str", None):
        raise SnapshotError(
            f'{where}: metadata field \'id_kind\' must be "int", "str" or null, got {kind!r:.60}'
        )
    if ids and kind is None:
        raise SnapshotError(
            f"{where}: metadata field 'id_kind' is null but there are {len(ids)} ids"
        )
    expected = {"int": int, "str": str}.get(kind)
    for position, stream in enumerate(ids):
        if type(stream) is not expected:
            raise SnapshotError(
                f"{where}: metadata field 'ids'[{position}] = {stream!r:.60} is not of kind {kind!r}"
            )
    if len(set(ids)) != len(ids):
        seen: set = set()
        repeated = sorted({s for s in ids if s in seen or seen.add(s)}, key=repr)
        raise SnapshotError(f"{where}: metadata field 'ids' repeats stream id(s) {repeated[:10]!r}")
    if len(counts) != len(ids):
        raise SnapshotError(
            f"{where}: metadata field 'step_counts' has {len(counts)} entries for {len(ids)} ids"
        )
    for position, count in enumerate(counts):
        if type(count) is not int or not 0 <= count <= MAX_STEP_COUNT:
            raise SnapshotError(
                f"{where}: metadata field 'step_counts'[{position}] = {count!r:.60} is not a "
                "non-negative integer"
            )
    if meta["n_state"] < 0:
        raise SnapshotError(f"{where}: metadata field 'n_state' is negative ({meta['n_state']})")


def check_tensors(tensors: dict[str, torch.Tensor], meta: dict, where: str) -> None:
    """Check the tensors of a snapshot against its (checked) metadata.

    Exactly ``state.0`` ... ``state.<n_state - 1>`` and ``last_output`` must be
    present, with one row per stream id; ``last_output`` is a float (N, O) and
    every float tensor holds only finite values (the dtypes and widths are
    checked against the model by :func:`~tslib.runner.snapshot.restore_runner`).

    Raises
    ------
    SnapshotError
        Naming the missing or unexpected tensor, the bad shape or dtype, or the
        first stream whose state is NaN or inf.
    """
    ids = meta["ids"]
    names = [f"state.{i}" for i in range(meta["n_state"])] + ["last_output"]
    missing = [name for name in names if name not in tensors]
    if missing:
        raise SnapshotError(f"{where}: tensor(s) {missing} are missing")
    extra = sorted(set(tensors) - set(names))
    if extra:
        raise SnapshotError(f"{where}: unexpected tensor(s) {extra[:10]}")
    for name in names:
        tensor = tensors[name]
        if name == "last_output" and not tensor.is_floating_point():
            raise SnapshotError(f"{where}: tensor {name!r} has dtype {tensor.dtype}, not a float")
        if tensor.dim() == 0 or tensor.shape[0] != len(ids):
            raise SnapshotError(
                f"{where}: tensor {name!r} has shape {tuple(tensor.shape)}, expected one row "
                f"for each of the {len(ids)} stream ids"
            )
        if name == "last_output" and tensor.dim() != 2:
            raise SnapshotError(
                f"{where}: tensor 'last_output' must be (N, O), got shape {tuple(tensor.shape)}"
            )
        if (
            tensor.is_floating_point()
            and tensor.numel()
            and not math.isfinite(tensor.double().sum().item())
        ):
            finite = torch.isfinite(tensor.reshape(tensor.shape[0], -1)).all(dim=1)  # (N,)
            bad = (~finite).nonzero().flatten().tolist()
            if bad:  # else only the float64 sum overflowed
                raise SnapshotError(
                    f"{where}: tensor {name!r} holds NaN or inf for stream {ids[bad[0]]!r}"
                )
