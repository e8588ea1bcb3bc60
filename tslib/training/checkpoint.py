"""Model weights on disk in safetensors format (no pickle, safe to load from anywhere).

Examples
--------
>>> import tempfile, torch
>>> from torch import nn
>>> model = nn.Linear(2, 1)
>>> path = tempfile.mkdtemp() + "/best.safetensors"
>>> save_weights(model, path, metadata={"epoch": "3"})
>>> copy = nn.Linear(2, 1)
>>> load_weights(copy, path)
{'epoch': '3'}
>>> torch.equal(copy.weight, model.weight)
True
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from tslib.errors import SnapshotError

__all__ = ["save_weights", "load_weights"]


def save_weights(
    model: nn.Module | dict[str, torch.Tensor],
    path: str | os.PathLike,
    metadata: dict[str, str] | None = None,
) -> None:
    """Write a model's ``state_dict`` (or a dict of tensors) to ``path`` atomically.

    Tensors are copied to the CPU as contiguous, unshared buffers, as
    safetensors requires. ``metadata`` (str -> str) is stored in the header.
    """
    state = model.state_dict() if isinstance(model, nn.Module) else model
    tensors = {name: t.detach().to("cpu").contiguous().clone() for name, t in state.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    save_file(tensors, str(partial), metadata=metadata)
    os.replace(partial, path)


def load_weights(model: nn.Module, path: str | os.PathLike) -> dict[str, str]:
    """Load weights written by :func:`save_weights` into ``model`` (in place, strict).

    Returns
    -------
    dict
        The metadata stored with the weights (empty when there is none).

    Raises
    ------
    SnapshotError
        A missing or unreadable file, or weights whose names or shapes do not
        match ``model`` (the message lists the differences and the file).
    """
    path = Path(path)
    if not path.is_file():
        raise SnapshotError(f"no weights file at {path}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise SnapshotError(f"cannot read weights file {path}: {error}") from error
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(
        name
        for name in set(expected) & set(tensors)
        if tuple(expected[name].shape) != tuple(tensors[name].shape)
    )
    if missing or unexpected or wrong:
        raise SnapshotError(
            f"weights in {path} do not match {type(model).__name__}: missing {missing}, "
            f"unexpected {unexpected}, wrong shape {wrong}"
        )
    model.load_state_dict(tensors, strict=True)
    return dict(metadata)
