"""Sliding-window transformer: dense reference, long sequences, ring buffer, mixed positions."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from tslib.encoders import CausalTransformerEncoder
from tslib.encoders.transformer import alibi_slopes
from tslib.errors import InputError, StateError

CONTEXT = 4
LONG = 3 * CONTEXT + 5
TOL = 1e-5


def make_model(num_layers: int = 2, context: int = CONTEXT, seed: int = 0):
    torch.manual_seed(seed)
    return CausalTransformerEncoder(
        3, d_model=8, output_size=2, n_heads=2, num_layers=num_layers, context=context,
        dim_feedforward=16,
    ).eval()  # fmt: skip


def iterate(model, x, state):
    outputs = []
    for t in range(x.shape[1]):
        y_t, state = model.step(x[:, t], state)
        outputs.append(y_t)
    return torch.stack(outputs, dim=1), state


def dense_reference(model, x: torch.Tensor) -> torch.Tensor:
    """Full T x T attention with an explicit band mask and ALiBi bias, from a fresh state."""
    B, T, _ = x.shape
    D, nh = model.d_model, model.n_heads
    index = torch.arange(T)
    distance = index[:, None] - index[None, :]  # (T, T), query minus key
    allowed = (distance >= 0) & (distance < model.context)
    bias = -model.slopes[:, None, None] * distance  # (nh, T, T)
    mask = bias.masked_fill(~allowed, float("-inf"))
    h = model.embed(x)  # (B, T, D)
    for block in model.blocks:
        qkv = block.qkv(block.ln1(h)).view(B, T, 3, nh, D // nh).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
        h = h + block.proj(attended.transpose(1, 2).reshape(B, T, D))
        h = h + block.ff_out(F.gelu(block.ff_in(block.ln2(h))))
    return model.output(model.norm(h))


def test_alibi_slopes_hand_values():
    assert alibi_slopes(4).tolist() == [2**-2, 2**-4, 2**-6, 2**-8]
    assert alibi_slopes(2).tolist() == [2**-4, 2**-8]
    assert alibi_slopes(3).tolist() == [2**-4, 2**-8, 2**-2]  # interleaved from 4 heads


@pytest.mark.parametrize("steps", [2, CONTEXT, LONG])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_forward_matches_dense_banded_reference(steps, num_layers):
    model = make_model(num_layers)
    x = torch.randn(2, steps, 3)
    y, state = model(x)
    assert (y - dense_reference(model, x)).abs().max() <= TOL
    assert state[2].tolist() == [steps, steps]


def test_long_sequence_forward_equals_step_equals_chunked_forward():
    model = make_model()
    x = torch.randn(3, LONG, 3)
    y, final = model(x)
    y_steps, final_steps = iterate(model, x, model.init_state(3))
    assert (y - y_steps).abs().max() <= TOL
    pieces, state, start = [], model.init_state(3), 0
    for size in [1, CONTEXT - 1, CONTEXT + 2, LONG - 2 * CONTEXT - 2]:
        y_chunk, state = model(x[:, start : start + size], state)
        pieces.append(y_chunk)
        start += size
    assert start == LONG and (torch.cat(pieces, dim=1) - y).abs().max() <= TOL
    for a, b, c in zip(final, final_steps, state):
        assert (a.double() - b.double()).abs().max() <= TOL
        assert (a.double() - c.double()).abs().max() <= TOL


def test_ring_buffer_holds_the_last_context_keys_in_slot_p_mod_context():
    model = make_model()
    steps = CONTEXT + 3  # the buffer has wrapped
    x = torch.randn(2, steps, 3)
    _, state = iterate(model, x, model.init_state(2))
    keys = model.blocks[0].project(model.embed(x))[1]  # layer-0 keys (B, T, nh, dh)
    values = model.blocks[0].project(model.embed(x))[2]
    for position in range(steps - CONTEXT, steps):
        slot = position % CONTEXT
        assert torch.allclose(state[0][:, 0, :, slot], keys[:, position], atol=1e-6)
        assert torch.allclose(state[1][:, 0, :, slot], values[:, position], atol=1e-6)
    assert state[2].tolist() == [steps, steps]


def test_streams_at_different_positions_share_a_batch():
    model = make_model()
    torch.manual_seed(1)
    history = {"a": torch.randn(1, 3, 3), "b": torch.randn(1, 11, 3)}  # b has wrapped, a not
    states = {k: model(x)[1] for k, x in history.items()}
    batched = tuple(torch.cat(parts) for parts in zip(states["a"], states["b"]))
    assert batched[2].tolist() == [3, 11]
    future = torch.randn(2, 6, 3)
    y_steps, _ = iterate(model, future, batched)
    y_forward, _ = model(future, batched)
    for row, key in enumerate(["a", "b"]):
        alone, _ = model(future[row : row + 1], states[key])
        assert (y_steps[row] - alone[0]).abs().max() <= TOL
        assert (y_forward[row] - alone[0]).abs().max() <= TOL
        full, _ = model(torch.cat([history[key], future[row : row + 1]], dim=1))
        assert (alone - full[:, -6:]).abs().max() <= TOL


@pytest.mark.parametrize("shift", [1, 3, 1000 * CONTEXT + 1])
def test_outputs_do_not_depend_on_the_absolute_offset(shift):
    model = make_model()
    _, state = model(torch.randn(2, CONTEXT + 3, 3))
    # the same window contents, stored as if every position were `shift` later
    shifted = (
        torch.roll(state[0], shifts=shift, dims=3),
        torch.roll(state[1], shifts=shift, dims=3),
        state[2] + shift,
    )
    future = torch.randn(2, 5, 3)
    assert (model(future, shifted)[0] - model(future, state)[0]).abs().max() <= 1e-6
    assert (iterate(model, future, shifted)[0] - model(future, state)[0]).abs().max() <= TOL


@pytest.mark.parametrize("num_layers", [1, 2])
def test_receptive_field_is_num_layers_times_context(num_layers):
    model = make_model(num_layers)
    x = torch.randn(1, LONG, 3)
    y, _ = model(x)
    last = LONG - 1
    reach = num_layers * (CONTEXT - 1)  # oldest input that can still influence y[last]
    for position, matters in [(last - reach - 1, False), (last - reach, True)]:
        changed = x.clone()
        changed[0, position] += 1.0
        moved = (model(changed)[0][0, last] - y[0, last]).abs().max().item()
        assert (moved > 1e-4) == matters, (position, moved)


def test_state_memory_is_o_context():
    model = make_model()
    # 2 caches x L=2 x heads=2 x context=4 x d_head=4 floats of 4 bytes, plus an int64 counter
    assert model.state_bytes_per_stream() == 2 * 2 * 2 * 4 * 4 * 4 + 8
    short = model(torch.randn(1, 5, 3))[1]
    long = model(torch.randn(1, 60, 3))[1]
    assert [s.shape for s in short] == [s.shape for s in long]
    wider = make_model(context=2 * CONTEXT)
    assert wider.state_bytes_per_stream() - 8 == 2 * (model.state_bytes_per_stream() - 8)


def test_step_leaves_its_input_state_untouched_and_gradients_are_finite():
    model = make_model()
    _, state = model(torch.randn(2, 6, 3))
    before = tuple(s.clone() for s in state)
    model.step(torch.randn(2, 3), state)
    assert all(torch.equal(a, b) for a, b in zip(state, before))
    model.train()
    y, _ = model(torch.randn(2, LONG, 3))
    y.square().mean().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and bool(torch.isfinite(g).all()) for g in grads)
    assert model.blocks[0].qkv.weight.grad.abs().sum() > 0


def test_bad_configuration_and_state_raise():
    with pytest.raises(InputError, match="n_heads"):
        CausalTransformerEncoder(2, d_model=6, output_size=1, n_heads=4)
    model = make_model()
    k, v, position = model.init_state(2)
    with pytest.raises(StateError, match="negative"):
        model.step(torch.randn(2, 3), (k, v, position - 1))
    with pytest.raises(StateError, match="int64"):
        model.step(torch.randn(2, 3), (k, v, position.float()))


def test_attention_window_math_on_a_tiny_hand_case():
    """One layer, one head, context 2: y_1 mixes values 0 and 1 with ALiBi-weighted softmax."""
    torch.manual_seed(0)
    model = CausalTransformerEncoder(1, d_model=2, output_size=1, n_heads=1, num_layers=1,
                                     context=2).eval()  # fmt: skip
    x = torch.tensor([[[0.5], [-1.0], [2.0]]])
    y, _ = model(x)
    block = model.blocks[0]
    h = model.embed(x)[0]  # (T, D)
    q, k, v = block.qkv(block.ln1(h)).split(2, dim=-1)  # (T, D) each
    slope = 2.0**-8
    outputs = []
    for t in range(3):
        seen = [s for s in (t - 1, t) if s >= 0]
        logits = torch.stack([q[t] @ k[s] / math.sqrt(2) - slope * (t - s) for s in seen])
        mixed = sum(w * v[s] for w, s in zip(torch.softmax(logits, 0), seen))
        hidden = h[t] + block.proj(mixed)
        hidden = hidden + block.ff_out(F.gelu(block.ff_in(block.ln2(hidden))))
        outputs.append(model.output(model.norm(hidden)))
    assert (y[0] - torch.stack(outputs)).abs().max() <= TOL
