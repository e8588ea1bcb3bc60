"""The shared base of the next-item encoders: item ids in, one score per item out.

:class:`ItemSequenceEncoder` holds what :class:`~tslib.encoders.next_item.NextItemEncoder`
(GRU4Rec-style, recurrent core) and :class:`~tslib.encoders.sasrec.SASRecEncoder`
(SASRec-style, causal transformer core) have in common:

* the input at each step is the id of the item just consumed, stored as a float in a
  (B, 1) column (exact for ids below :data:`MAX_ITEMS` = 2**24), validated by
  :func:`check_item_ids` (errors name the bad batch rows, which the runner turns into
  stream ids);
* an item embedding table ``items`` (n_items, E) whose weights are tied to the output:
  the scores are dot products of the core's projected output with every embedding, so
  ``y_t`` is (B, n_items) and the head is an :class:`~tslib.encoders.heads.ItemScoreHead`;
* the state is the core's (``core.init_state``), and the top-scored item is the natural
  next input when generating a sequence (``feedback_inputs = (0,)``).

A subclass builds ``items`` and ``core`` in its ``__init__`` (after
:meth:`ItemSequenceEncoder.__init__`) and defines ``step``, ``forward``,
``get_params`` and ``test_config``.
"""

from __future__ import annotations

import torch
from torch import nn

from tslib.encoders.base import State, StepEncoder
from tslib.encoders.heads import ItemScoreHead
from tslib.errors import InputError

__all__ = ["MAX_ITEMS", "ItemSequenceEncoder", "check_item_ids"]

#: Item ids travel as float32 values, which hold every integer below 2**24 exactly.
MAX_ITEMS = 2**24


class ItemSequenceEncoder(StepEncoder):
    """Base of the encoders that read item ids and score every item with tied embeddings.

    Parameters
    ----------
    n_items : int
        Catalogue size; ids run over 0 .. n_items - 1, at most :data:`MAX_ITEMS`.

    Attributes
    ----------
    items : torch.nn.Embedding
        The item embeddings (n_items, E), set by the subclass; also the output weights.
    core : StepEncoder
        The sequence model from embeddings (B, E) to projected outputs (B, E), set by
        the subclass; its state is this encoder's state.
    head : ItemScoreHead
        Full-softmax cross-entropy over the ``n_items`` scores.
    """

    input_size = 1
    output_size = 1
    #: the top-scored item is the natural next input when generating a sequence
    feedback_inputs = (0,)
    items: nn.Embedding
    core: StepEncoder

    def __init__(self, n_items: int) -> None:
        super().__init__()
        if not 1 <= n_items <= MAX_ITEMS:
            raise InputError(
                f"{type(self).__name__}: n_items must lie in [1, 2**24], got {n_items}"
            )
        self.n_items = n_items
        self.head = ItemScoreHead(n_items)

    @property
    def n_outputs(self) -> int:
        """Width of ``y``: one score per item."""
        return self.n_items

    def example_input(
        self, batch_size: int, steps: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Random valid item ids as floats (batch_size, steps, 1)."""
        ids = torch.randint(0, self.n_items, (batch_size, steps, 1), generator=generator)
        return ids.to(torch.float32)

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """The core's initial state (zero hidden state, or empty KV caches)."""
        return self.core.init_state(batch_size, device)

    def state_bytes_per_stream(self) -> int:
        """Bytes of state per stream (the core's)."""
        return self.core.state_bytes_per_stream()

    def item_ids(self, x: torch.Tensor, ndim: int, where: str) -> torch.Tensor:
        """Validate an id column (B, 1) or (B, T, 1); see :func:`check_item_ids`."""
        return check_item_ids(x, self.n_items, ndim, where)

    def scores(self, projected: torch.Tensor) -> torch.Tensor:
        """Dot products of projected outputs (..., E) with every item embedding -> (..., n_items)."""
        return projected @ self.items.weight.t()


def check_item_ids(x: torch.Tensor, n_items: int, ndim: int, where: str) -> torch.Tensor:
    """Validate an id column (B, 1) or (B, T, 1) and return it as int64 without the last dim.

    Errors name the bad batch rows in ``error.rows``, which the runner turns into
    stream ids.
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
