"""Training data and loss for next-item models (``NextItemEncoder``, ``SASRecEncoder``).

Users' histories have different lengths. :func:`next_item_windows` turns each
into one window of at most ``max_len`` steps (the most recent ones, as in
SASRec), right-padded: padding comes *after* the real steps, so a causal model's
outputs on the real steps do not see it. Padded inputs hold item 0 and padded
targets hold :data:`PAD_TARGET` (-1), which the loss skips.

:class:`ItemTrainingView` lets :func:`tslib.training.fit` train such a model
while scoring only the steps that have a target: the full-softmax cross-entropy
over the whole catalogue (exact; its cost grows with ``n_items`` per scored
step) or, for large catalogues, a sampled softmax.

Examples
--------
>>> import numpy as np
>>> x, y = next_item_windows([np.array([4, 5, 6]), np.array([7, 8])], max_len=5)
>>> x[..., 0].tolist(), y[..., 0].tolist()
([[4.0, 5.0], [7.0, 0.0]], [[5, 6], [8, -1]])
>>> x, y = next_item_windows([np.array([4, 5, 6])], max_len=5, last_only=True)
>>> x[..., 0].tolist(), y[..., 0].tolist()
([[4.0, 5.0]], [[-1, 6]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tslib.errors import InputError
from tslib.validation import check_positive_int

__all__ = ["PAD_TARGET", "next_item_windows", "ItemTrainingView"]

#: Target value of a padded step (or of a step that is not scored).
PAD_TARGET = -1


def next_item_windows(
    sequences: Sequence[np.ndarray], max_len: int, *, last_only: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher-forcing windows from item sequences, one per sequence of length >= 2.

    Parameters
    ----------
    sequences : sequence of array_like of int
        Each user's items in order (ids >= 0).
    max_len : int
        Longest input window; longer sequences keep their last ``max_len`` inputs.
    last_only : bool
        Score only the last item of each sequence (a validation target): every
        other target is :data:`PAD_TARGET`. Otherwise every next item is a target.

    Returns
    -------
    tuple of torch.Tensor
        ``x`` (N, T, 1) float32 input ids and ``y`` (N, T, 1) int64 targets, with
        ``T = min(max_len, longest sequence - 1)``; rows are right-padded.
    """
    max_len = check_positive_int(max_len, "max_len")
    kept = []
    for index, items in enumerate(sequences):
        items = np.asarray(items)
        if items.ndim != 1 or not np.issubdtype(items.dtype, np.integer):
            raise InputError(f"next_item_windows: sequence {index} must be a 1-D integer array")
        if items.size and items.min() < 0:
            raise InputError(f"next_item_windows: sequence {index} holds a negative item id")
        if items.size >= 2:
            kept.append(items[-(max_len + 1) :])
    if not kept:
        raise InputError("next_item_windows: no sequence has two or more items")
    steps = max(len(items) for items in kept) - 1
    x = np.zeros((len(kept), steps, 1), dtype=np.float32)
    y = np.full((len(kept), steps, 1), PAD_TARGET, dtype=np.int64)
    for row, items in enumerate(kept):
        length = len(items) - 1
        x[row, :length, 0] = items[:-1]
        if last_only:
            y[row, length - 1, 0] = items[-1]
        else:
            y[row, :length, 0] = items[1:]
    return torch.from_numpy(x), torch.from_numpy(y)


class ItemTrainingView(nn.Module):
    """A next-item encoder seen by :func:`~tslib.training.fit`: outputs before scoring, and a loss.

    ``forward(x)`` returns the encoder's outputs *before* the catalogue scores,
    (B, T, D), so :meth:`loss` scores only the steps that have a target: padded
    steps cost nothing in the output layer. Train with
    ``fit(view, train, val, loss=view.loss)``; the encoder's weights are the
    view's, so they are trained (and the best ones restored) in place.

    Parameters
    ----------
    model : StepEncoder
        :class:`~tslib.encoders.sasrec.SASRecEncoder` (``encode``) or
        :class:`~tslib.encoders.next_item.NextItemEncoder` (``core`` + ``items``).
    negatives : int or None
        ``None``: full-softmax cross-entropy over all items. An int ``S``: sampled
        softmax while training, the target against ``S`` items drawn uniformly
        (shared by the batch, hits on the target masked); the validation loss
        (eval mode) is always the full cross-entropy.
    """

    def __init__(self, model: nn.Module, negatives: int | None = None) -> None:
        super().__init__()
        if not (hasattr(model, "encode") or hasattr(model, "core")) or not hasattr(model, "scores"):
            raise InputError(
                f"ItemTrainingView: {type(model).__name__} is not a next-item encoder "
                "(needs encode or core + items, and scores)"
            )
        self.model = model
        self.negatives = None if negatives is None else check_positive_int(negatives, "negatives")
        self.input_size = model.input_size

    def forward(self, x: torch.Tensor, state=None):
        """Outputs before scoring (B, T, D) and the final state."""
        if hasattr(self.model, "encode"):
            return self.model.encode(x, state)
        ids = self.model.item_ids(x, 3, "ItemTrainingView")  # (B, T)
        return self.model.core(self.model.items(ids), state)  # (B, T, D)

    def loss(self, outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over the steps whose target is not :data:`PAD_TARGET`.

        ``outputs`` (B, T, D) from :meth:`forward`; ``target`` (B, T, 1) item ids.
        """
        labels = target.reshape(outputs.shape[:-1]).long()  # (B, T)
        scored = labels != PAD_TARGET  # (B, T)
        if not bool(scored.any()):
            return outputs.sum() * 0.0  # only padding: no signal, but a valid graph
        hidden, labels = outputs[scored], labels[scored]  # (M, D), (M,)
        weight = self.model.items.weight  # (N, D)
        if self.negatives is None or not self.training:
            return F.cross_entropy(hidden @ weight.t(), labels)  # (M, N) -> scalar
        sampled = torch.randint(0, weight.shape[0], (self.negatives,), device=hidden.device)
        positive = (hidden * weight[labels]).sum(-1, keepdim=True)  # (M, 1)
        negative = hidden @ weight[sampled].t()  # (M, S)
        negative = negative.masked_fill(sampled[None, :] == labels[:, None], float("-inf"))
        logits = torch.cat([positive, negative], dim=1)  # (M, 1 + S)
        return F.cross_entropy(logits, torch.zeros_like(labels))
