"""Decoder-only transformer over a sliding window, with a ring-buffer KV cache for ``step``.

Every layer attends only to the last ``context`` positions (itself included).
Positions enter through ALiBi biases ``-slope_h * distance``, which depend only
on the distance (0 .. context-1), so outputs do not depend on the absolute
offset and ``forward`` equals iterated ``step`` at any length.

* ``forward`` computes banded attention block by block: queries in blocks of
  ``context``, each against the ``2 * context - 1`` keys it can see, so memory
  grows as O(T * context), not O(T^2).
* ``step`` keeps, per stream and layer, a ring buffer of the last ``context``
  keys and values; position ``p`` lives in slot ``p % context``. An int64
  counter per stream (steps seen so far) gives the valid slots and the
  distances, so streams at different positions can share one batch.

State: ``(k, v, position)`` with k, v (B, num_layers, n_heads, context, d_head)
and position (B,) int64. Memory per stream is O(context). On the CPU the runner steps it
with a native in-place kernel, :mod:`tslib.runner.fast.transformer_native`.

Examples
--------
>>> import torch
>>> _ = torch.manual_seed(0)
>>> model = CausalTransformerEncoder(3, d_model=8, output_size=1, n_heads=2, context=4).eval()
>>> y, state = model(torch.randn(2, 9, 3))
>>> y.shape, state[0].shape, state[2].tolist()
(torch.Size([2, 9, 1]), torch.Size([2, 2, 2, 4, 4]), [9, 9])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from tslib.encoders.base import (
    State,
    StepEncoder,
    check_encoder_input,
    check_state,
    register_encoder,
    seeded_init,
)
from tslib.encoders.heads import Head, make_head
from tslib.encoders.recurrent import check_feedback_inputs
from tslib.errors import InputError, StateError

__all__ = ["CausalTransformerEncoder", "alibi_slopes"]


def alibi_slopes(n_heads: int) -> torch.Tensor:
    """ALiBi slopes (n_heads,): ``2^(-8 k / n)`` for n a power of two, interleaved otherwise."""
    power = 2 ** math.floor(math.log2(n_heads))
    slopes = [2.0 ** (-8.0 * (k + 1) / power) for k in range(power)]
    extra = [2.0 ** (-8.0 * (k + 1) / (2 * power)) for k in range(2 * power)][0::2]
    return torch.tensor(slopes + extra[: n_heads - power])


class _Block(nn.Module):
    """Pre-norm block: ``x + attn(ln1(x))`` then ``x + mlp(ln2(x))``; attention is external."""

    def __init__(self, d_model: int, n_heads: int, dim_feedforward: int, dropout: float):
        super().__init__()
        self.n_heads = n_heads
        self.dropout = dropout
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff_in = nn.Linear(d_model, dim_feedforward)
        self.ff_out = nn.Linear(dim_feedforward, d_model)

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``x`` (..., D) -> q, k, v each (..., n_heads, D / n_heads)."""
        qkv = self.qkv(self.ln1(x)).unflatten(-1, (3, self.n_heads, -1))  # (..., 3, nh, dh)
        return qkv.unbind(dim=-3)

    def finish(self, x: torch.Tensor, attended: torch.Tensor) -> torch.Tensor:
        """Residual updates given the attention output ``attended`` (..., D)."""
        x = x + F.dropout(self.proj(attended), self.dropout, self.training)  # (..., D)
        hidden = F.gelu(self.ff_in(self.ln2(x)))  # (..., FF)
        return x + F.dropout(self.ff_out(hidden), self.dropout, self.training)  # (..., D)


@register_encoder("transformer")
class CausalTransformerEncoder(StepEncoder):
    """Pre-norm causal transformer with a sliding attention window and ALiBi positions.

    Parameters
    ----------
    input_size : int
        Features per step, F.
    d_model : int
        Model width, D (a multiple of ``n_heads``).
    output_size : int
        Targets per step (classes for ``head="class"``).
    n_heads : int
        Attention heads.
    num_layers : int
        Transformer blocks, L.
    context : int
        Positions each layer attends to, the current one included.
    dim_feedforward : int or None
        Hidden width of the MLP; ``None`` means ``4 * d_model``.
    head : str, Head or None
        Output head (see :func:`~tslib.encoders.heads.make_head`).
    feedback_inputs : tuple of int
        Input columns fed with the point prediction in autoregressive forecasts.
    dropout : float
        Dropout on attention weights and residual branches (training only).
    seed : int or None
        Seed of the initial weights (see :func:`~tslib.encoders.base.seeded_init`).
    """

    def __init__(
        self,
        input_size: int,
        d_model: int,
        output_size: int,
        n_heads: int = 4,
        num_layers: int = 2,
        context: int = 64,
        dim_feedforward: int | None = None,
        head: str | Head | None = None,
        feedback_inputs: tuple[int, ...] = (),
        dropout: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if min(input_size, d_model, output_size, n_heads, num_layers, context) < 1:
            raise InputError("CausalTransformerEncoder: sizes, heads, layers, context must be > 0")
        if d_model % n_heads:
            raise InputError(
                f"CausalTransformerEncoder: d_model={d_model} % n_heads={n_heads} != 0"
            )
        self.input_size = input_size
        self.d_model = d_model
        self.output_size = output_size
        self.n_heads = n_heads
        self.num_layers = num_layers
        self.context = context
        self.dim_feedforward = dim_feedforward
        self.head_spec = head
        self.dropout = dropout
        self.seed = seed
        self.d_head = d_model // n_heads
        self.head = make_head(head, output_size)
        self.feedback_inputs = check_feedback_inputs(
            feedback_inputs, input_size, self.head.n_targets, "CausalTransformerEncoder"
        )
        width = 4 * d_model if dim_feedforward is None else dim_feedforward
        with seeded_init(seed):
            self.embed = nn.Linear(input_size, d_model)
            self.blocks = nn.ModuleList(
                _Block(d_model, n_heads, width, dropout) for _ in range(num_layers)
            )
            self.norm = nn.LayerNorm(d_model)
            self.output = nn.Linear(d_model, self.head.n_outputs)
        self.register_buffer("slopes", alibi_slopes(n_heads), persistent=False)

    def get_params(self) -> dict:
        return {
            "input_size": self.input_size,
            "d_model": self.d_model,
            "output_size": self.output_size,
            "n_heads": self.n_heads,
            "num_layers": self.num_layers,
            "context": self.context,
            "dim_feedforward": self.dim_feedforward,
            "head": self.head_spec,
            "feedback_inputs": self.feedback_inputs,
            "dropout": self.dropout,
            "seed": self.seed,
        }

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"input_size": 3, "d_model": 8, "output_size": 2, "n_heads": 2, "num_layers": 1,
             "context": 4},
            {"input_size": 2, "d_model": 12, "output_size": 1, "n_heads": 3, "num_layers": 2,
             "context": 5, "dim_feedforward": 16, "head": "gaussian", "feedback_inputs": (1,)},
        ]  # fmt: skip

    # ------------------------------------------------------------------ state
    def _state_shapes(self, batch_size: int) -> list[tuple[int, ...]]:
        cache = (batch_size, self.num_layers, self.n_heads, self.context, self.d_head)
        return [cache, cache, (batch_size,)]

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """Empty caches ``(k, v, position)``; position 0 means no step seen yet."""
        dtype = self.output.weight.dtype
        device = self.output.weight.device if device is None else device
        k_shape, v_shape, pos_shape = self._state_shapes(batch_size)
        return (
            torch.zeros(k_shape, dtype=dtype, device=device),
            torch.zeros(v_shape, dtype=dtype, device=device),
            torch.zeros(pos_shape, dtype=torch.int64, device=device),
        )

    def state_bytes_per_stream(self) -> int:
        """Bytes of state per stream: two caches of ``context`` entries plus the counter."""
        itemsize = self.output.weight.element_size()
        cache = self.num_layers * self.n_heads * self.context * self.d_head
        return 2 * cache * itemsize + 8

    def _check_state(self, state: State, batch_size: int, where: str) -> None:
        dtype = self.output.weight.dtype
        check_state(state, self._state_shapes(batch_size), [dtype, dtype, torch.int64], where)
        if bool((state[2] < 0).any()):
            raise StateError(f"{where}: negative position counter in state[2]")

    # ------------------------------------------------------------- compute
    def _band_bias(self, distance: torch.Tensor) -> torch.Tensor:
        """ALiBi bias per head for integer distances (...) -> (nh, ...); caller masks the band."""
        shape = (-1,) + (1,) * distance.ndim
        return -self.slopes.view(shape) * distance.to(self.slopes.dtype)

    def _attend(self, scores, values, keep, key_valid) -> torch.Tensor:
        """Softmax of ``scores`` over the keys where ``keep``, times ``values``.

        ``key_valid`` (broadcast to values, ..., K, 1) zeroes unused cache slots so
        that whatever they hold (even NaN) cannot leak through a zero weight.
        """
        scores = scores.masked_fill(~keep, float("-inf"))
        weights = F.dropout(torch.softmax(scores, dim=-1), self.dropout, self.training)
        return weights @ values.masked_fill(~key_valid, 0.0)

    def _window_attention(self, q, keys, values, key_valid) -> torch.Tensor:
        """Banded attention for the last T positions of a (C + T)-long key sequence.

        q (B, nh, T, dh); keys, values (B, nh, C + T, dh); key_valid (B, C + T).
        Query t (sequence index C + t) sees indices t + 1 .. C + t.
        """
        C = self.context
        B, nh, T, dh = q.shape
        padded = -(-T // C) * C  # T rounded up to a multiple of C
        extra = padded - T

        def windows(t: torch.Tensor) -> torch.Tensor:  # (B, nh, C+T, dh) -> (B, nh, nb, 2C-1, dh)
            t = F.pad(t[:, :, 1:], (0, 0, 0, extra))  # (B, nh, padded + C - 1, dh)
            return t.unfold(2, 2 * C - 1, C).transpose(-1, -2)

        valid = F.pad(key_valid[:, 1:], (0, extra), value=False)  # (B, padded + C - 1)
        valid = valid.unfold(1, 2 * C - 1, C)  # (B, nb, 2C-1)
        rows = torch.arange(C, device=q.device)
        distance = C - 1 + rows[:, None] - torch.arange(2 * C - 1, device=q.device)  # (C, 2C-1)
        band = (distance >= 0) & (distance < C)  # (C, 2C-1)
        queries = F.pad(q, (0, 0, 0, extra)).unflatten(2, (padded // C, C))  # (B, nh, nb, C, dh)
        scores = queries @ windows(keys).transpose(-1, -2) / math.sqrt(dh)  # (B, nh, nb, C, 2C-1)
        scores = scores + self._band_bias(distance)[:, None]  # + (nh, 1, C, 2C-1)
        keep = band & valid[:, None, :, None, :]  # (B, 1, nb, C, 2C-1)
        out = self._attend(scores, windows(values), keep, valid[:, None, :, :, None])
        return out.flatten(2, 3)[:, :, :T]  # (B, nh, nb, C, dh) -> (B, nh, T, dh)

    def step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Advance one step: ``x_t`` (B, F) -> raw outputs (B, n_outputs) and the new state.

        The input state is not modified; the new caches are fresh tensors.
        """
        check_encoder_input(x_t, self.input_size, 2, "CausalTransformerEncoder.step")
        self._check_state(state, x_t.shape[0], "CausalTransformerEncoder.step")
        k_cache, v_cache, position = state  # (B, L, nh, C, dh) x2, (B,)
        C = self.context
        slots = torch.arange(C, device=position.device)  # (C,)
        current = (slots == (position % C)[:, None])[:, None, :, None]  # (B, 1, C, 1)
        seen = slots < (position + 1).clamp(max=C)[:, None]  # (B, C)
        distance = (position[:, None] - slots) % C  # (B, C)
        bias = self._band_bias(distance).transpose(0, 1)[:, :, None, :]  # (B, nh, 1, C)
        keep = seen[:, None, None, :]  # (B, 1, 1, C)
        h = self.embed(x_t.to(self.output.weight.dtype))  # (B, D)
        new_k, new_v = [], []
        for layer, block in enumerate(self.blocks):
            q, k, v = block.project(h)  # (B, nh, dh) each
            keys = torch.where(current, k[:, :, None], k_cache[:, layer])  # (B, nh, C, dh)
            values = torch.where(current, v[:, :, None], v_cache[:, layer])  # (B, nh, C, dh)
            scores = q[:, :, None] @ keys.transpose(-1, -2) / math.sqrt(self.d_head)  # (B,nh,1,C)
            attended = self._attend(scores + bias, values, keep, seen[:, None, :, None])
            h = block.finish(h, attended.flatten(1))  # (B, D)
            new_k.append(keys)
            new_v.append(values)
        y_t = self.output(self.norm(h))  # (B, O)
        return y_t, (torch.stack(new_k, dim=1), torch.stack(new_v, dim=1), position + 1)

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Encode ``x`` (B, T, F) -> raw outputs (B, T, n_outputs), continuing from ``state``."""
        check_encoder_input(x, self.input_size, 3, "CausalTransformerEncoder.forward")
        B, T = x.shape[0], x.shape[1]
        if state is None:
            state = self.init_state(B, x.device)
        self._check_state(state, B, "CausalTransformerEncoder.forward")
        if T == 0:
            return x.new_zeros(B, 0, self.n_outputs), state
        k_cache, v_cache, position = state
        C, L, nh, dh = self.context, self.num_layers, self.n_heads, self.d_head
        chrono = position[:, None] - C + torch.arange(C, device=position.device)  # (B, C)
        gather = (chrono % C)[:, None, None, :, None].expand(B, L, nh, C, dh)
        prefix_k = k_cache.gather(3, gather)  # (B, L, nh, C, dh), oldest first
        prefix_v = v_cache.gather(3, gather)
        key_valid = torch.cat([chrono >= 0, chrono.new_ones(B, T, dtype=torch.bool)], 1)
        end = position + T  # (B,)
        ring = (torch.arange(C, device=position.device) - end[:, None]) % C  # (B, C)
        ring = ring[:, None, :, None].expand(B, nh, C, dh)
        h = self.embed(x.to(self.output.weight.dtype))  # (B, T, D)
        new_k, new_v = [], []
        for layer, block in enumerate(self.blocks):
            q, k, v = (t.transpose(1, 2) for t in block.project(h))  # (B, nh, T, dh) each
            keys = torch.cat([prefix_k[:, layer], k], dim=2)  # (B, nh, C + T, dh)
            values = torch.cat([prefix_v[:, layer], v], dim=2)  # (B, nh, C + T, dh)
            attended = self._window_attention(q, keys, values, key_valid)  # (B, nh, T, dh)
            h = block.finish(h, attended.transpose(1, 2).flatten(2))  # (B, T, D)
            new_k.append(keys[:, :, -C:].gather(2, ring))  # (B, nh, C, dh) in ring order
            new_v.append(values[:, :, -C:].gather(2, ring))
        y = self.output(self.norm(h))  # (B, T, O)
        return y, (torch.stack(new_k, dim=1), torch.stack(new_v, dim=1), end)
