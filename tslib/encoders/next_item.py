"""GRU4Rec-style next-item encoder: item embedding -> recurrent core -> scores over all items.

The input at each step is the id of the item just consumed, stored as a float in
a (B, 1) column (exact for ids below 2**24). The recurrent core is a
:class:`~tslib.encoders.recurrent.RecurrentEncoder` whose output layer projects
the hidden state back to the embedding space; scores are dot products with the
(tied) item embeddings, so ``y_t`` is (B, n_items) and the head is an
:class:`~tslib.encoders.heads.ItemScoreHead` (full-softmax cross-entropy). The id
checks, tied scores and head come from
:class:`~tslib.encoders.item_sequence.ItemSequenceEncoder`.

Examples
--------
>>> import torch
>>> _ = torch.manual_seed(0)
>>> model = NextItemEncoder(n_items=10, embedding_dim=4, hidden_size=6).eval()
>>> items = torch.tensor([[[3.0], [7.0], [1.0]]])  # (B=1, T=3, 1)
>>> scores, state = model(items)
>>> scores.shape, model.point(scores[:, -1]).shape
(torch.Size([1, 3, 10]), torch.Size([1, 1]))
"""

from __future__ import annotations

import torch
from torch import nn

from tslib.encoders.base import State, register_encoder, seeded_init
from tslib.encoders.item_sequence import MAX_ITEMS, ItemSequenceEncoder, check_item_ids
from tslib.encoders.recurrent import RecurrentEncoder

__all__ = ["NextItemEncoder", "MAX_ITEMS", "check_item_ids"]


@register_encoder("next_item")
class NextItemEncoder(ItemSequenceEncoder):
    """Session-based next-item ranking model with tied item embeddings.

    Parameters
    ----------
    n_items : int
        Catalogue size; ids run over 0 .. n_items - 1.
    embedding_dim : int
        Item embedding width, E.
    hidden_size : int
        Hidden units of the recurrent core.
    cell : {"gru", "lstm", "rnn"}
        Recurrent cell.
    num_layers : int
        Stacked recurrent layers.
    seed : int or None
        Seed of the initial weights (see :func:`~tslib.encoders.base.seeded_init`).
    """

    def __init__(
        self,
        n_items: int,
        embedding_dim: int,
        hidden_size: int,
        cell: str = "gru",
        num_layers: int = 1,
        seed: int | None = None,
    ) -> None:
        super().__init__(n_items)
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.cell = cell
        self.num_layers = num_layers
        self.seed = seed
        with seeded_init(seed):
            self.items = nn.Embedding(n_items, embedding_dim)
            self.core = RecurrentEncoder(
                embedding_dim, hidden_size, embedding_dim, num_layers=num_layers, cell=cell
            )

    def get_params(self) -> dict:
        return {
            "n_items": self.n_items,
            "embedding_dim": self.embedding_dim,
            "hidden_size": self.hidden_size,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "seed": self.seed,
        }

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"n_items": 7, "embedding_dim": 4, "hidden_size": 5},
            {"n_items": 9, "embedding_dim": 3, "hidden_size": 4, "cell": "lstm", "num_layers": 2},
        ]

    def step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Consume one item id per stream, ``x_t`` (B, 1) -> scores (B, n_items)."""
        ids = self.item_ids(x_t, 2, "NextItemEncoder.step")  # (B,)
        projected, state = self.core.step(self.items(ids), state)  # (B, E)
        return self.scores(projected), state  # (B, N)

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Consume a session ``x`` (B, T, 1) -> scores (B, T, n_items) and the final state."""
        ids = self.item_ids(x, 3, "NextItemEncoder.forward")  # (B, T)
        projected, state = self.core(self.items(ids), state)  # (B, T, E)
        return self.scores(projected), state  # (B, T, N)
