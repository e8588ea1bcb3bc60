"""Durable runner snapshots: atomic, checksummed, no pickle.

File layout::

    MAGIC (22 bytes) | sha256(payload) (32 bytes) | payload

The payload is a `safetensors <https://huggingface.co/docs/safetensors>`_ file:
tensors ``state.<i>`` (N, ...) hold the state rows of the N live streams in
attach order and ``last_output`` (N, O) their last step outputs; its string
metadata ``tslib`` is JSON with the format version, the ids and their kind, the
step counts and the model fingerprint. Loading parses JSON and raw tensor bytes
only, so a snapshot can never execute code.

Writes are atomic: the bytes go to a temporary file in the target directory,
which is flushed and fsynced, renamed over the target with :func:`os.replace`,
and the directory is fsynced. A crash leaves either the old or the new file.
A crash may also leave the temporary file (``.<name>.pid<pid>.<random>.tmp``);
the next save or load of the same target removes those whose process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import safetensors.torch
import torch

from tslib.errors import SnapshotError
from tslib.runner.snapshot_checks import check_metadata, check_tensors

if TYPE_CHECKING:
    from tslib.runner.runner import StepwiseRunner

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "Snapshot",
    "decode_snapshot",
    "encode_snapshot",
    "read_snapshot",
    "remove_stale_temporaries",
    "restore_runner",
    "save_runner",
    "write_snapshot",
]

MAGIC = b"tslib-runner-snapshot\n"
FORMAT_VERSION = 1
_DIGEST_SIZE = 32
_CHUNK = 1 << 20  # bytes per write call
#: Temporaries without a pid (written by earlier versions) are stale after this many seconds.
_LEGACY_TEMP_AGE_S = 600.0


@dataclass(frozen=True)
class Snapshot:
    """The content of a snapshot file (tensors on CPU)."""

    ids: list  # live stream ids in attach order (int or str)
    id_kind: str | None  # "int", "str", or None for an empty runner
    step_counts: list[int]  # steps of each stream since attach or reset
    state: tuple[torch.Tensor, ...]  # each (N, ...): state rows, one per stream
    last_output: torch.Tensor  # (N, O) last step output of each stream
    fingerprint: str  # model.fingerprint() of the model that produced the states


def encode_snapshot(snapshot: Snapshot) -> bytes:
    """Serialise ``snapshot`` to the file layout described in the module docstring."""
    tensors = {f"state.{i}": t.detach().cpu().contiguous() for i, t in enumerate(snapshot.state)}
    tensors["last_output"] = snapshot.last_output.detach().cpu().contiguous()
    meta = {
        "format_version": FORMAT_VERSION,
        "ids": list(snapshot.ids),
        "id_kind": snapshot.id_kind,
        "step_counts": [int(c) for c in snapshot.step_counts],
        "n_state": len(snapshot.state),
        "fingerprint": snapshot.fingerprint,
    }
    payload = safetensors.torch.save(tensors, metadata={"tslib": json.dumps(meta)})
    return MAGIC + hashlib.sha256(payload).digest() + payload


def decode_snapshot(data: bytes, where: str) -> Snapshot:
    """Parse and verify bytes written by :func:`encode_snapshot`; ``where`` names the file.

    The checksum proves integrity, not validity: every metadata field and tensor
    is then checked (:mod:`tslib.runner.snapshot_checks`), and any problem raises
    :class:`SnapshotError` naming the field.
    """
    if not data.startswith(MAGIC):
        raise SnapshotError(f"{where} is not a tslib runner snapshot (bad magic header)")
    digest = data[len(MAGIC) : len(MAGIC) + _DIGEST_SIZE]
    payload = data[len(MAGIC) + _DIGEST_SIZE :]
    if len(digest) < _DIGEST_SIZE or hashlib.sha256(payload).digest() != digest:
        raise SnapshotError(f"{where}: checksum mismatch, the snapshot is truncated or corrupt")
    try:
        header_size = int.from_bytes(payload[:8], "little")
        header = json.loads(payload[8 : 8 + header_size])
        text = header["__metadata__"]["tslib"]
        meta = json.loads(text)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise SnapshotError(f"{where}: unreadable snapshot metadata ({error!r})") from error
    if not isinstance(meta, dict):
        raise SnapshotError(f"{where}: metadata is a JSON {type(meta).__name__}, not an object")
    if meta.get("format_version") != FORMAT_VERSION or type(meta.get("format_version")) is not int:
        raise SnapshotError(
            f"{where}: snapshot format version {meta.get('format_version')!r}, "
            f"this tslib reads version {FORMAT_VERSION}"
        )
    check_metadata(meta, where)
    try:
        tensors = safetensors.torch.load(payload)
    except Exception as error:  # SafetensorError derives from Exception only
        raise SnapshotError(f"{where}: unreadable tensor data ({error})") from error
    check_tensors(tensors, meta, where)
    ids, kind = meta["ids"], meta["id_kind"]
    state = tuple(tensors[f"state.{i}"] for i in range(meta["n_state"]))
    return Snapshot(
        ids, kind, meta["step_counts"], state, tensors["last_output"], meta["fingerprint"]
    )


def write_snapshot(path: str | os.PathLike, snapshot: Snapshot) -> None:
    """Atomically write ``snapshot`` to ``path`` (temp file, fsync, rename, fsync dir).

    Raises
    ------
    SnapshotError
        The file could not be written; an existing file at ``path`` is untouched
        and no temporary file is left behind.
    """
    data = encode_snapshot(snapshot)
    target = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(target)
    remove_stale_temporaries(target)
    try:
        prefix = f".{name}.pid{os.getpid()}."
        handle, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    except OSError as error:
        raise SnapshotError(f"cannot create a snapshot in {directory}: {error}") from error
    try:
        with os.fdopen(handle, "wb") as stream:
            _write_chunks(stream, data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise SnapshotError(f"could not write snapshot {target}: {error}") from error
        raise
    _fsync_directory(directory)


def read_snapshot(path: str | os.PathLike) -> Snapshot:
    """Read and verify a snapshot; :class:`SnapshotError` if missing, truncated or corrupt.

    Stale temporary files of an interrupted save of ``path`` are removed first.
    """
    remove_stale_temporaries(os.path.abspath(os.fspath(path)))
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except FileNotFoundError as error:
        raise SnapshotError(f"snapshot {os.fspath(path)} does not exist") from error
    except OSError as error:
        raise SnapshotError(f"cannot read snapshot {os.fspath(path)}: {error}") from error
    return decode_snapshot(data, f"snapshot {os.fspath(path)}")


def remove_stale_temporaries(target: str) -> list[str]:
    """Remove temporary files that interrupted saves of ``target`` left behind.

    A temporary is stale when the process named in it (``.pid<pid>.``) no longer
    runs on this machine, or, for a name without a pid, when it is older than
    ten minutes. Temporaries of live processes (a concurrent save) and of other
    targets are kept. Errors are ignored: cleaning never fails a save or load.

    Returns
    -------
    list[str]
        Paths of the removed files.
    """
    directory, name = os.path.split(target)
    pattern = re.compile(rf"\.{re.escape(name)}\.(?:pid(\d+)\.)?[a-z0-9_]+\.tmp")
    try:
        entries = os.listdir(directory or ".")
    except OSError:
        return []
    removed = []
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match is None:
            continue
        temp = os.path.join(directory, entry)
        pid = match.group(1)
        with contextlib.suppress(OSError):
            if pid is not None and os.name == "posix":
                if int(pid) == os.getpid() or _process_exists(int(pid)):
                    continue
            elif time.time() - os.path.getmtime(temp) < _LEGACY_TEMP_AGE_S:
                continue
            os.unlink(temp)
            removed.append(temp)
    return removed


def _process_exists(pid: int) -> bool:
    """True when process ``pid`` runs on this machine (POSIX signal 0 probe)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def save_runner(runner: StepwiseRunner, path: str | os.PathLike) -> None:
    """Write every live stream of ``runner`` to ``path`` atomically."""
    pool = runner._pool
    slots = list(pool.slots.values())
    write_snapshot(
        path,
        Snapshot(
            ids=list(pool.slots),
            id_kind=pool.kind,
            step_counts=[int(pool.counts[slot]) for slot in slots],
            state=tuple(t.cpu() for t in pool.rows(slots)),  # each (N, ...)
            last_output=pool.last_output[slots].cpu(),  # (N, O)
            fingerprint=runner.model.fingerprint(),
        ),
    )


def restore_runner(runner: StepwiseRunner, snapshot: Snapshot, path: str | os.PathLike) -> None:
    """Attach the snapshot's streams to an empty ``runner`` after checking the model."""
    where = f"snapshot {os.fspath(path)}"
    if snapshot.fingerprint != runner.model.fingerprint():
        raise SnapshotError(
            f"{where} was written by a different model (fingerprint mismatch: other "
            f"weights or architecture than {type(runner.model).__name__})"
        )
    pool = runner._pool
    layout = [(tuple(t.shape[1:]), t.dtype) for t in pool.buffers]
    found = [(tuple(t.shape[1:]), t.dtype) for t in snapshot.state]
    if layout != found:
        raise SnapshotError(f"{where}: state layout {found} does not match the model's {layout}")
    width = snapshot.last_output.shape[1]
    if width != pool.last_output.shape[1]:
        raise SnapshotError(
            f"{where}: tensor 'last_output' has width {width}, the model has "
            f"{pool.last_output.shape[1]} outputs"
        )
    pool.kind = snapshot.id_kind  # kept even when no stream is live
    if not snapshot.ids:
        return
    slots = pool.attach(list(snapshot.ids), snapshot.id_kind)
    pool.write_rows(slots, snapshot.state)
    with torch.inference_mode():
        pool.last_output[slots] = snapshot.last_output.to(pool.device, pool.dtype)
    pool.counts[slots] = snapshot.step_counts
    if runner.trace is not None:
        for stream, count in zip(snapshot.ids, snapshot.step_counts):
            runner.trace.attach(stream, count, pool.row_bytes)


def _write_chunks(stream, data: bytes) -> None:
    """Write ``data`` in chunks (tests replace this to simulate a crash mid-write)."""
    for start in range(0, len(data), _CHUNK):
        stream.write(data[start : start + _CHUNK])


def _fsync_directory(directory: str) -> None:
    """Persist the rename in ``directory`` (POSIX only; a no-op elsewhere)."""
    if os.name != "posix":
        return
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
