"""Training data and loss for next-item models (``NextItemEncoder``, ``SASRecEncoder``).

Users' histories have different lengths. ``make_windows(histories, max_len)``
(:func:`~tslib.training.windows.make_windows`) turns each into one window of at
most ``max_len`` steps (the most recent ones, as in SASRec), right-padded: padding comes *after* the real steps, so a causal model's
outputs on the real steps do not see it. Padded inputs hold item 0 and padded
targets hold :data:`PAD_TARGET` (-1), which the loss skips.

:class:`ItemTrainingView` lets :func:`tslib.training.fit` train such a model
while scoring only the steps that have a target: the full-softmax cross-entropy
over the whole catalogue (exact; its cost grows with ``n_items`` per scored
step) or, for large catalogues, a sampled softmax.

Examples
--------
>>> import numpy as np
>>> from tslib.training.windows import make_windows
>>> x, y = make_windows([np.array([4, 5, 6]), np.array([7, 8])], 5)
>>> x[..., 0].tolist(), y[..., 0].tolist()
([[4.0, 5.0], [7.0, 0.0]], [[5, 6], [8, -1]])
>>> x, y = make_windows([np.array([4, 5, 6])], 5, last_only=True)
>>> x[..., 0].tolist(), y[..., 0].tolist()
([[4.0, 5.0]], [[-1, 6]])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tslib.errors import InputError
from tslib.validation import check_positive_int

__all__ = ["PAD_TARGET", "ItemTrainingView"]

#: Target value of a padded step (or of a step that is not scored).
PAD_TARGET = -1


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
