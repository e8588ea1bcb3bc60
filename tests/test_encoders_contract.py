"""Contract suite run over every registered encoder and each of its ``test_config()`` entries.

Plus a few checks of the recurrent and next-item encoders against hand-written
reference equations (the contract alone cannot tell two consistent but wrong paths apart).
"""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

import tslib.encoders  # noqa: F401  (registers the built-in encoders)
from tslib.encoders import ENCODER_REGISTRY, NextItemEncoder, RecurrentEncoder
from tslib.errors import InputError, StateError

TOL = 1e-5
BATCH = 3
STEPS = 13

CASES = [
    pytest.param(cls, config, id=f"{name}-{index}")
    for name, cls in sorted(ENCODER_REGISTRY.items())
    for index, config in enumerate(cls.test_config())
]


def build(cls, config: dict, seed: int = 0):
    torch.manual_seed(seed)
    return cls(**config).eval()


def inputs(model, batch_size: int = BATCH, steps: int = STEPS, seed: int = 1) -> torch.Tensor:
    return model.example_input(batch_size, steps, torch.Generator().manual_seed(seed))


def random_state(model, batch_size: int = BATCH, seed: int = 2) -> tuple:
    """A non-zero state: normal floats, and counters in [0, 50) for integer tensors."""
    gen = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(s.shape, generator=gen, dtype=s.dtype)
        if s.is_floating_point()
        else torch.randint(0, 50, s.shape, generator=gen, dtype=s.dtype)
        for s in model.init_state(batch_size)
    )


def iterate(model, x: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
    outputs = []
    for t in range(x.shape[1]):
        y_t, state = model.step(x[:, t], state)
        outputs.append(y_t)
    return torch.stack(outputs, dim=1), state


def max_diff(a, b) -> float:
    if isinstance(a, tuple):
        return max(max_diff(p, q) for p, q in zip(a, b, strict=True))
    return (a.double() - b.double()).abs().max().item()


@pytest.mark.parametrize("cls, config", CASES)
@pytest.mark.parametrize("initial", ["none", "random"])
def test_forward_equals_iterated_step(cls, config, initial):
    model = build(cls, config)
    x = inputs(model)
    start = model.init_state(BATCH) if initial == "none" else random_state(model)
    y, final = model(x, None if initial == "none" else start)
    y_steps, final_steps = iterate(model, x, start)
    assert max_diff(y, y_steps) <= TOL
    assert max_diff(final, final_steps) <= TOL


@pytest.mark.parametrize("cls, config", CASES)
def test_chunked_forward_equals_full_forward(cls, config):
    model = build(cls, config)
    x = inputs(model)
    start = random_state(model)
    y_full, final_full = model(x, start)
    pieces, state = [], start
    for lo, hi in [(0, 4), (4, 9), (9, STEPS)]:
        y_chunk, state = model(x[:, lo:hi], state)
        pieces.append(y_chunk)
    assert max_diff(torch.cat(pieces, dim=1), y_full) <= TOL
    assert max_diff(state, final_full) <= TOL


@pytest.mark.parametrize("cls, config", CASES)
def test_shapes_and_state_layout(cls, config):
    model = build(cls, config)
    for batch_size in (1, BATCH):
        fresh = model.init_state(batch_size)
        assert isinstance(fresh, tuple) and all(s.shape[0] == batch_size for s in fresh)
        x = inputs(model, batch_size)
        y, final = model(x)
        assert y.shape == (batch_size, STEPS, model.n_outputs)
        assert [(s.shape, s.dtype) for s in final] == [(s.shape, s.dtype) for s in fresh]
        y_t, stepped = model.step(x[:, 0], fresh)
        assert y_t.shape == (batch_size, model.n_outputs)
        assert [(s.shape, s.dtype) for s in stepped] == [(s.shape, s.dtype) for s in fresh]
        point = model.point(y_t)
        assert point.shape[0] == batch_size and point.shape[-1] >= len(model.feedback_inputs)
    empty, same = model(inputs(model, 2, 0), model.init_state(2))
    assert empty.shape == (2, 0, model.n_outputs) and all(s.shape[0] == 2 for s in same)
    assert model.state_bytes_per_stream() == sum(
        s.numel() * s.element_size() for s in model.init_state(1)
    )


@pytest.mark.parametrize("cls, config", CASES)
def test_batch_rows_are_independent(cls, config):
    model = build(cls, config)
    x, start = inputs(model), random_state(model)
    y, final = model(x, start)
    for b in range(BATCH):
        alone = tuple(s[b : b + 1] for s in start)
        y_b, final_b = model(x[b : b + 1], alone)
        assert max_diff(y_b, y[b : b + 1]) <= TOL
        assert max_diff(final_b, tuple(s[b : b + 1] for s in final)) <= TOL


@pytest.mark.parametrize("cls, config", CASES)
def test_causality(cls, config):
    model = build(cls, config)
    x, start = inputs(model), random_state(model)
    y, _ = model(x, start)
    cut = 6
    changed = torch.cat([x[:, :cut], inputs(model, seed=99)[:, cut:]], dim=1)
    y_changed, _ = model(changed, start)
    assert max_diff(y_changed[:, :cut], y[:, :cut]) <= 1e-6
    assert max_diff(y_changed[:, cut:], y[:, cut:]) > 1e-4  # the future inputs do matter


@pytest.mark.parametrize("cls, config", CASES)
def test_clone_is_untrained_copy_of_the_architecture(cls, config):
    model = build(cls, config)
    twin = model.clone()
    assert type(twin) is type(model) and twin.get_params() == model.get_params()
    ours, theirs = model.state_dict(), twin.state_dict()
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}
    assert any(not torch.equal(ours[k], theirs[k]) for k in ours)
    assert twin.fingerprint() != model.fingerprint()


@pytest.mark.parametrize("cls, config", CASES)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copy_round_trip_gives_identical_outputs(cls, config, how):
    model = build(cls, config)
    copied = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    x, start = inputs(model), random_state(model)
    y, final = model(x, start)
    y_copy, final_copy = copied(x, start)
    assert torch.equal(y, y_copy) and all(map(torch.equal, final, final_copy))
    assert copied.fingerprint() == model.fingerprint()


@pytest.mark.parametrize("cls, config", CASES)
def test_seeding_is_idempotent(cls, config):
    assert build(cls, config, seed=5).fingerprint() == build(cls, config, seed=5).fingerprint()
    assert build(cls, config, seed=5).fingerprint() != build(cls, config, seed=6).fingerprint()


@pytest.mark.parametrize("cls, config", CASES)
def test_device_round_trip_cpu(cls, config):
    model = build(cls, config)
    x, start = inputs(model), random_state(model)
    y, _ = model(x, start)
    moved = copy.deepcopy(model).to("cpu")
    assert all(s.device.type == "cpu" for s in moved.init_state(2, "cpu"))
    assert torch.equal(moved(x, start)[0], y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("cls, config", CASES)
def test_device_round_trip_cuda(cls, config):
    model = build(cls, config)
    x, start = inputs(model), random_state(model)
    y, final = model(x, start)
    gpu = copy.deepcopy(model).to("cuda")
    gpu_start = tuple(s.cuda() for s in start)
    y_gpu, final_gpu = gpu(x.cuda(), gpu_start)
    assert all(s.device.type == "cuda" for s in gpu.init_state(2) + final_gpu)
    assert max_diff(y_gpu.cpu(), y) <= 1e-4
    assert max_diff(iterate(gpu, x.cuda(), gpu_start)[0], y_gpu) <= 1e-4
    back = gpu.to("cpu")
    assert max_diff(back(x, start)[0], y) <= TOL


@pytest.mark.parametrize("cls, config", CASES)
def test_bad_inputs_raise_tslib_errors(cls, config):
    model = build(cls, config)
    x = inputs(model)
    with pytest.raises(InputError, match="shaped"):
        model(x[..., :0] if model.input_size > 1 else x.repeat(1, 1, 2))
    with pytest.raises(InputError, match="shaped"):
        model.step(x, model.init_state(BATCH))  # a sequence where one step is expected
    nan_x = x.clone()
    nan_x[1, 2, 0] = float("nan")
    with pytest.raises(InputError, match="NaN"):
        model(nan_x)
    with pytest.raises(StateError, match="state"):
        model(x, model.init_state(BATCH + 1))
    with pytest.raises(StateError, match="state"):
        model.step(x[:, 0], model.init_state(BATCH)[:-1])


@pytest.mark.parametrize("cls, config", CASES)
def test_dropout_is_inactive_in_eval_mode(cls, config):
    if "dropout" not in cls(**config).get_params():
        pytest.skip("no dropout")
    model = build(cls, {**config, "dropout": 0.5})
    x = inputs(model)
    y, _ = model(x)
    assert (
        torch.equal(model(x)[0], y)
        and max_diff(iterate(model, x, model.init_state(3))[0], y) <= TOL
    )
    torch.manual_seed(3)
    if getattr(model, "num_layers", 2) > 1 or hasattr(model, "blocks"):
        assert max_diff(model.train()(x)[0], y) > 1e-4  # dropout is wired in training mode


# ------------------------------------------------- recurrent reference equations


def reference_cell(cell: str, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """Textbook LSTM / GRU / Elman equations, gates in torch's documented order."""
    if cell == "rnn":
        return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh), None
    if cell == "lstm":
        i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, dim=-1)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    return (1 - z) * torch.tanh(xn + r * hn) + z * h, None


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_recurrent_step_matches_textbook_equations(cell):
    model = build(RecurrentEncoder, {"input_size": 3, "hidden_size": 4, "output_size": 2,
                                     "num_layers": 2, "cell": cell})  # fmt: skip
    x = torch.randn(2, 3)
    state = random_state(model, 2)
    y, new = model.step(x, state)
    inputs_, expected_h, expected_c = x, [], []
    for layer, weights in enumerate(model.cell_weights()):
        c = state[1][:, layer] if cell == "lstm" else None
        h, c = reference_cell(cell, inputs_, state[0][:, layer], c, *weights)
        expected_h.append(h)
        expected_c.append(c)
        inputs_ = h
    assert max_diff(new[0], torch.stack(expected_h, dim=1)) <= TOL
    if cell == "lstm":
        assert max_diff(new[1], torch.stack(expected_c, dim=1)) <= TOL
    assert max_diff(y, inputs_ @ model.output.weight.T + model.output.bias) <= TOL
    assert model.state_bytes_per_stream() == (2 if cell == "lstm" else 1) * 2 * 4 * 4


def test_recurrent_rejects_bad_configuration():
    with pytest.raises(InputError, match="cell"):
        RecurrentEncoder(2, 3, 1, cell="transformer")
    with pytest.raises(InputError, match="feedback_inputs"):
        RecurrentEncoder(2, 3, 1, feedback_inputs=(2,))
    with pytest.raises(InputError, match="feedback_inputs"):
        RecurrentEncoder(3, 3, 1, feedback_inputs=(0, 1))  # only one point value


def test_next_item_scores_are_dot_products_with_item_embeddings():
    model = build(NextItemEncoder, {"n_items": 6, "embedding_dim": 3, "hidden_size": 4})
    items = torch.tensor([[[2.0], [5.0], [0.0]]])  # (1, 3, 1)
    scores, _ = model(items)
    projected, _ = model.core(model.items.weight[[2, 5, 0]].unsqueeze(0))  # (1, 3, E)
    manual = torch.einsum("bte,ne->btn", projected, model.items.weight)
    assert max_diff(scores, manual) <= TOL
    assert model.point(scores[:, -1]).item() == scores[0, -1].argmax().item()


@pytest.mark.parametrize("bad", [[[1.5]], [[-1.0]], [[6.0]], [[float("inf")]]])
def test_next_item_rejects_invalid_ids(bad):
    model = build(NextItemEncoder, {"n_items": 6, "embedding_dim": 3, "hidden_size": 4})
    with pytest.raises(InputError, match="item ids"):
        model.step(torch.tensor(bad), model.init_state(1))
    with pytest.raises(InputError, match="n_items"):
        NextItemEncoder(2**24 + 1, 2, 2)
