"""GRU4Rec-style next-item encoder: item embedding -> recurrent core -> scores over all items.

The input at each step is the id of the item just consumed, stored as a float in
a (B, 1) column (exact for ids below 2**24). The recurrent core is a
:class:`~tslib.encoders.recurrent.RecurrentEncoder` whose output layer projects
the hidden state back to the embedding space; scores are dot products with the
(tied) item embeddings, so ``y_t`` is (B, n_items) and the head is an
:class:`~tslib.encoders.heads.ItemScoreHead` (full-softmax cross-entropy).

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

from tslib.encoders.base import State, StepEncoder, register_encoder, seeded_init
from tslib.encoders.heads import ItemScoreHead
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = ["NextItemEncoder", "MAX_ITEMS", "check_item_ids"]

#: Item ids travel as float32 values, which hold every integer below 2**24 exactly.
MAX_ITEMS = 2**24


@register_encoder("next_item")
class NextItemEncoder(StepEncoder):
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

    input_size = 1
    output_size = 1
    #: the top-scored item is the natural next input when generating a session
    feedback_inputs = (0,)

    def __init__(
        self,
        n_items: int,
        embedding_dim: int,
        hidden_size: int,
        cell: str = "gru",
        num_layers: int = 1,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if not 1 <= n_items <= MAX_ITEMS:
            raise InputError(f"NextItemEncoder: n_items must lie in [1, 2**24], got {n_items}")
        self.n_items = n_items
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
        self.head = ItemScoreHead(n_items)

    @property
    def n_outputs(self) -> int:
        """Width of ``y``: one score per item."""
        return self.n_items

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

    def example_input(
        self, batch_size: int, steps: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Random valid item ids as floats (batch_size, steps, 1)."""
        ids = torch.randint(0, self.n_items, (batch_size, steps, 1), generator=generator)
        return ids.to(torch.float32)

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """The recurrent core's zero state."""
        return self.core.init_state(batch_size, device)

    def state_bytes_per_stream(self) -> int:
        """Bytes of state per stream."""
        return self.core.state_bytes_per_stream()

    def item_ids(self, x: torch.Tensor, ndim: int, where: str) -> torch.Tensor:
        """Validate an id column (B, 1) or (B, T, 1); see :func:`check_item_ids`."""
        return check_item_ids(x, self.n_items, ndim, where)

    def scores(self, projected: torch.Tensor) -> torch.Tensor:
        """Dot products of projected states (..., E) with every item embedding -> (..., n_items)."""
        return projected @ self.items.weight.t()

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


def check_item_ids(x: torch.Tensor, n_items: int, ndim: int, where: str) -> torch.Tensor:
    """Validate an id column (B, 1) or (B, T, 1) and return it as int64 without the last dim.

    Shared by the item-sequence encoders. Errors name the bad batch rows in
    ``error.rows``, which the runner turns into stream ids.
    """
    layout = "(B, 1)" if ndim == 2 else "(B, T, 1)"
    if not isinstance(x, torch.Tensor) or x.ndim != ndim or x.shape[-1] != 1:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"{where}: expected item ids shaped {layout}, got {got}")
    if x.is_floating_point():
        if not bool(torch.isfinite(x).all()):
            raise _row_error(f"{where}: item ids contain NaN or inf", ~torch.isfinite(x))
        if not bool((x == x.round()).all()):
            raise _row_error(
                f"{where}: item ids must be integers, got fractional values", x != x.round()
            )
    elif x.dtype == torch.bool or x.is_complex():
        raise InputError(f"{where}: item ids must be integers or floats, got {x.dtype}")
    ids = x.squeeze(-1).long()  # (B,) or (B, T)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n_items):
        outside = (ids < 0) | (ids >= n_items)  # (B,) or (B, T)
        raise _row_error(f"{where}: item ids must lie in [0, {n_items})", outside)
    return ids


def _row_error(message: str, bad: torch.Tensor) -> InputError:
    """An InputError naming the first bad batch row; ``rows`` holds every bad row index.

    The runner reads ``rows`` to name the streams whose input was rejected.
    """
    rows = bad.reshape(bad.shape[0], -1).any(dim=1).nonzero().flatten().tolist()  # bad rows
    error = InputError(f"{message} (batch row(s) {rows[:10]})")
    error.rows = rows
    return error
