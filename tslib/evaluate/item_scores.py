"""Full-catalogue scores of a next-item model after it reads each user's history.

:func:`score_histories` runs the model over every history (its last ``max_len``
items) in length-sorted, right-padded batches and keeps the output at each
history's last real step: row ``u`` scores every item as user ``u``'s next one.
It equals feeding the history to a fresh runner stream with ``step`` and reading
``last_output``, to float rounding (the encoder contract).

For encoders that expose their pre-scoring outputs (``encode`` on
:class:`~tslib.encoders.sasrec.SASRecEncoder`, ``core`` + ``items`` on
:class:`~tslib.encoders.next_item.NextItemEncoder`) only the last step of each
history is scored against the catalogue, instead of every step.

Examples
--------
>>> import numpy as np
>>> from tslib.encoders import NextItemEncoder
>>> model = NextItemEncoder(n_items=6, embedding_dim=3, hidden_size=4, seed=0)
>>> score_histories(model, [np.array([1, 2]), np.array([5])]).shape
(2, 6)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from tslib.errors import InputError
from tslib.validation import check_positive_int

__all__ = ["score_histories"]


def _last_outputs(model: torch.nn.Module, x: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
    """Scores (B, N) at step ``last[b]`` of each row of ``x`` (B, T, 1)."""
    rows = torch.arange(x.shape[0])
    if hasattr(model, "encode") and hasattr(model, "scores"):
        projected, _ = model.encode(x)  # (B, T, D)
        return model.scores(projected[rows, last])  # (B, N)
    core, items = getattr(model, "core", None), getattr(model, "items", None)
    if hasattr(model, "item_ids") and core is not None and isinstance(items, torch.nn.Embedding):
        ids = model.item_ids(x, 3, "score_histories")  # (B, T)
        projected, _ = core(items(ids))  # (B, T, E)
        return model.scores(projected[rows, last])  # (B, N)
    outputs, _ = model(x)  # (B, T, N)
    return outputs[rows, last]


@torch.no_grad()
def score_histories(
    model: torch.nn.Module,
    histories: Sequence[np.ndarray],
    *,
    max_len: int | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """Scores over all items after each history, shape (len(histories), n_items), float32.

    Parameters
    ----------
    model : torch.nn.Module
        A next-item :class:`~tslib.encoders.base.StepEncoder` (input: item ids).
    histories : sequence of array_like of int
        Each user's items in order; none may be empty.
    max_len : int, optional
        Read only the last ``max_len`` items of each history.
    batch_size : int
        Histories per forward pass.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if max_len is not None:
        max_len = check_positive_int(max_len, "max_len")
    cut = [np.asarray(h, dtype=np.int64)[-max_len if max_len else None :] for h in histories]
    empty = [index for index, h in enumerate(cut) if h.size == 0]
    if empty:
        raise InputError(f"score_histories: history {empty[0]} is empty")
    lengths = np.array([h.size for h in cut], dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    result: np.ndarray | None = None
    try:
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            steps = int(lengths[chosen].max())
            x = np.zeros((chosen.size, steps, 1), dtype=np.float32)
            for row, index in enumerate(chosen):
                x[row, : lengths[index], 0] = cut[index]
            last = torch.from_numpy(lengths[chosen] - 1)
            scores = _last_outputs(model, torch.from_numpy(x).to(device), last.to(device))
            if result is None:
                result = np.empty((len(cut), scores.shape[-1]), dtype=np.float32)
            result[chosen] = scores.float().cpu().numpy()
    finally:
        model.train(was_training)
    return result if result is not None else np.empty((0, 0), dtype=np.float32)
