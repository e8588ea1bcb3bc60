"""SASRec-style next-item encoder: item embeddings -> causal transformer -> scores over all items.

Kang & McAuley (2018), *Self-Attentive Sequential Recommendation*: the items a
user consumed are embedded (scaled by :math:`\\sqrt{D}`, with dropout while
training), read by a stack of causal self-attention blocks, and the output at
step ``t`` is scored against every item embedding (tied weights), so ``y_t`` is
(B, n_items) and the head is an :class:`~tslib.encoders.heads.ItemScoreHead` (the id
checks, tied scores and head come from
:class:`~tslib.encoders.item_sequence.ItemSequenceEncoder`).

Two choices differ from the paper so that ``step`` equals ``forward`` for an
open-ended stream: positions enter through ALiBi distance biases instead of
learned absolute position embeddings, and attention sees the last ``context``
items (the paper's ``maxlen``) through the sliding-window core
:class:`~tslib.encoders.transformer.CausalTransformerEncoder`, whose ring-buffer
KV cache is this encoder's state. State per stream: two caches of
``num_layers * context * d_model`` floats plus a step counter.

Examples
--------
>>> import torch
>>> model = SASRecEncoder(n_items=10, d_model=8, n_heads=2, num_layers=1, context=4, seed=0)
>>> items = torch.tensor([[[3.0], [7.0], [1.0]]])  # (B=1, T=3, 1)
>>> scores, state = model.eval()(items)
>>> scores.shape, state[2].tolist()
(torch.Size([1, 3, 10]), [3])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from tslib.encoders.base import State, register_encoder, seeded_init
from tslib.encoders.item_sequence import ItemSequenceEncoder
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.errors import InputError

__all__ = ["SASRecEncoder"]


@register_encoder("sasrec")
class SASRecEncoder(ItemSequenceEncoder):
    """Causal self-attention over a user's item sequence, scored with tied item embeddings.

    Parameters
    ----------
    n_items : int
        Catalogue size; ids run over 0 .. n_items - 1.
    d_model : int
        Embedding and model width, D (a multiple of ``n_heads``).
    n_heads : int
        Attention heads.
    num_layers : int
        Transformer blocks.
    context : int
        Items each layer attends to, the current one included (SASRec's maxlen).
    dim_feedforward : int or None
        Hidden width of each block's MLP; ``None`` means ``4 * d_model``.
    dropout : float
        Dropout on the input embeddings, attention weights and residual branches
        (training only).
    seed : int or None
        Seed of the initial weights (see :func:`~tslib.encoders.base.seeded_init`).
    """

    def __init__(
        self,
        n_items: int,
        d_model: int = 64,
        n_heads: int = 2,
        num_layers: int = 2,
        context: int = 200,
        dim_feedforward: int | None = None,
        dropout: float = 0.2,
        seed: int | None = None,
    ) -> None:
        if not 0.0 <= dropout < 1.0:
            raise InputError(f"SASRecEncoder: dropout must lie in [0, 1), got {dropout}")
        super().__init__(n_items)
        self.d_model = d_model
        self.n_heads = n_heads
        self.num_layers = num_layers
        self.context = context
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.seed = seed
        with seeded_init(seed):
            self.items = nn.Embedding(n_items, d_model)
            nn.init.normal_(self.items.weight, std=d_model**-0.5)  # unit scale after * sqrt(D)
            self.core = CausalTransformerEncoder(
                d_model,
                d_model,
                d_model,
                n_heads=n_heads,
                num_layers=num_layers,
                context=context,
                dim_feedforward=dim_feedforward,
                dropout=dropout,
            )

    def get_params(self) -> dict:
        return {
            "n_items": self.n_items,
            "d_model": self.d_model,
            "n_heads": self.n_heads,
            "num_layers": self.num_layers,
            "context": self.context,
            "dim_feedforward": self.dim_feedforward,
            "dropout": self.dropout,
            "seed": self.seed,
        }

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"n_items": 7, "d_model": 4, "n_heads": 2, "num_layers": 1, "context": 4,
             "dropout": 0.0},
            {"n_items": 11, "d_model": 6, "n_heads": 3, "num_layers": 2, "context": 5,
             "dim_feedforward": 8, "dropout": 0.1},
        ]  # fmt: skip

    # ------------------------------------------------------------- compute
    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Scaled item embeddings (..., D), with dropout while training."""
        embedded = self.items(ids) * math.sqrt(self.d_model)  # (..., D)
        return F.dropout(embedded, self.dropout, self.training)

    def encode(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Like :meth:`forward` but return the outputs before scoring, (B, T, D).

        A fresh sequence (``state=None``) no longer than ``context`` (every
        training window) takes a faster path: plain causal attention with ALiBi
        biases through ``scaled_dot_product_attention``, with the same weights and
        the same final state as the core's banded path (contract-tested). While
        training, this path drops out embeddings and residual branches but not the
        attention weights (drawing that mask would cost a quarter of a step).
        """
        ids = self.item_ids(x, 3, "SASRecEncoder.forward")  # (B, T)
        if state is None and 0 < ids.shape[1] <= self.context:
            return self._fresh_encode(self.embed(ids))
        return self.core(self.embed(ids), state)  # (B, T, D)

    def _fresh_encode(self, embedded: torch.Tensor) -> tuple[torch.Tensor, State]:
        """The core's forward from an empty state for T <= context, ``embedded`` (B, T, D)."""
        core = self.core
        B, T, _ = embedded.shape
        distance = torch.arange(T, device=embedded.device)
        distance = distance[:, None] - distance[None, :]  # (T, T), query minus key
        bias = core._band_bias(distance.clamp(min=0)).to(embedded.dtype)  # (nh, T, T)
        mask = bias.masked_fill(distance < 0, float("-inf"))  # causal
        h = core.embed(embedded)  # (B, T, D)
        k_cache, v_cache = core.init_state(B, embedded.device)[:2]  # (B, L, nh, C, dh) x2
        k_cache, v_cache = k_cache.clone(), v_cache.clone()
        for layer, block in enumerate(core.blocks):
            q, k, v = (t.transpose(1, 2) for t in block.project(h))  # (B, nh, T, dh) each
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, nh, T, dh)
            h = block.finish(h, attended.transpose(1, 2).flatten(2))  # (B, T, D)
            k_cache[:, layer, :, :T] = k  # position p sits in ring slot p (p < context)
            v_cache[:, layer, :, :T] = v
        position = torch.full((B,), T, dtype=torch.int64, device=embedded.device)
        return core.output(core.norm(h)), (k_cache, v_cache, position)  # (B, T, D)

    def step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Consume one item id per stream, ``x_t`` (B, 1) -> scores (B, n_items)."""
        ids = self.item_ids(x_t, 2, "SASRecEncoder.step")  # (B,)
        projected, state = self.core.step(self.embed(ids), state)  # (B, D)
        return self.scores(projected), state  # (B, N)

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Consume ``x`` (B, T, 1) -> scores (B, T, n_items) and the final state."""
        projected, state = self.encode(x, state)  # (B, T, D)
        return self.scores(projected), state  # (B, T, N)
