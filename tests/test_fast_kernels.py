"""Fast step kernels (tslib.runner.fast) against the reference paths.

Every fast path must equal the plain kernel (gather -> model.step -> scatter)
and the fused ``model.forward`` within 1e-5, for outputs and for the pool.
Kernels from ``select_kernel`` take the native path for float32 when it builds
(``tests/test_native_kernel.py`` covers it in depth); ``native=False`` forces the
torch / NumPy paths.
"""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner.fast import (
    CudaGraphKernel,
    RecurrentKernel,
    fuse_layer,
    select_kernel,
    supported,
)
from tslib.runner.kernels import PlainKernel

CAPACITY = 320
TOL = {"atol": 1e-5, "rtol": 1e-5}


def make_pool(model: RecurrentEncoder, capacity: int = CAPACITY, device="cpu"):
    """A pool with random (not zero) states, so every slot's state matters."""
    generator = torch.Generator().manual_seed(1)
    states = model.init_state(capacity)
    return tuple(torch.randn(s.shape, generator=generator).to(device) for s in states)


def slot_index(batch: int, scattered: bool, device="cpu") -> torch.Tensor:
    if scattered:
        generator = torch.Generator().manual_seed(batch)
        return torch.randperm(CAPACITY, generator=generator)[:batch].to(device)
    return torch.arange(3, 3 + batch, device=device)  # a contiguous range: the view path


def assert_pools_equal(a: tuple, b: tuple) -> None:
    for left, right in zip(a, b):
        torch.testing.assert_close(left, right, **TOL)


def run_three_ways(model, kernel, batch, scattered, steps=3, device="cpu"):
    """Step ``kernel`` and PlainKernel side by side and return outputs and pools,
    plus ``model.forward`` over the same inputs from the same initial rows."""
    torch.manual_seed(0)
    fast_pool = make_pool(model, device=device)
    plain_pool = tuple(t.clone() for t in fast_pool)
    index = slot_index(batch, scattered, device)
    start_rows = tuple(t.index_select(0, index) for t in fast_pool)
    x = torch.randn(batch, steps, model.input_size, device=device)  # (B, T, F)
    plain = PlainKernel(model)
    with torch.inference_mode():
        fast_y = torch.stack([kernel(x[:, t], fast_pool, index) for t in range(steps)], 1)
        plain_y = torch.stack([plain(x[:, t], plain_pool, index) for t in range(steps)], 1)
        forward_y, forward_state = model(x, start_rows)  # (B, T, O)
    return fast_y, plain_y, forward_y, fast_pool, plain_pool, forward_state, index


#: Depth 3 has a middle layer: its input is the layer below's new h and its output feeds
#: the layer above (the ping-pong buffers of the native path wrap around).
DEPTHS = [1, 2, 3]
CELL_CASES = list(itertools.product(["lstm", "gru", "rnn"], DEPTHS, [1, 7, 300], [False, True]))


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize(("cell", "layers", "batch", "scattered"), CELL_CASES)
def test_fast_equals_plain_and_forward(cell, layers, batch, scattered, native):
    torch.manual_seed(0)
    model = RecurrentEncoder(3, 8, 2, num_layers=layers, cell=cell).eval()
    assert isinstance(select_kernel(model, "cpu"), RecurrentKernel)
    kernel = RecurrentKernel(model, native=native)
    fast_y, plain_y, fwd_y, fast_pool, plain_pool, fwd_state, index = run_three_ways(
        model, kernel, batch, scattered
    )
    torch.testing.assert_close(fast_y, plain_y, **TOL)
    torch.testing.assert_close(fast_y, fwd_y, **TOL)
    assert_pools_equal(fast_pool, plain_pool)
    for pooled, final in zip(fast_pool, fwd_state):
        torch.testing.assert_close(pooled.index_select(0, index), final, **TOL)


@pytest.mark.parametrize("layers", DEPTHS)
@pytest.mark.parametrize("tiny_batch_max", [0, 1000])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_numpy_and_torch_paths_agree(cell, tiny_batch_max, layers):
    """Force each path for the same batch of 9 rows (NumPy when tiny_batch_max=1000)."""
    torch.manual_seed(1)
    model = RecurrentEncoder(4, 6, 3, num_layers=layers, cell=cell).eval()
    kernel = RecurrentKernel(model, tiny_batch_max=tiny_batch_max, native=False)
    fast_y, plain_y, _, fast_pool, plain_pool, _, _ = run_three_ways(model, kernel, 9, True)
    torch.testing.assert_close(fast_y, plain_y, **TOL)
    assert_pools_equal(fast_pool, plain_pool)


@pytest.mark.parametrize("config", RecurrentEncoder.test_config())
def test_every_head_and_test_config(config):
    """The output layer (raw head parameters) is applied exactly as in model.step."""
    torch.manual_seed(2)
    model = RecurrentEncoder(**config).eval()
    kernel = select_kernel(model, "cpu")
    for batch in (1, 40):
        fast_y, plain_y, fwd_y, fast_pool, plain_pool, _, _ = run_three_ways(
            model, kernel, batch, True
        )
        assert fast_y.shape == (batch, 3, model.n_outputs)
        torch.testing.assert_close(fast_y, plain_y, **TOL)
        torch.testing.assert_close(fast_y, fwd_y, **TOL)
        assert_pools_equal(fast_pool, plain_pool)


def test_float64_model():
    torch.manual_seed(3)
    model = RecurrentEncoder(2, 5, 1, cell="lstm").double().eval()
    kernel = select_kernel(model, "cpu")
    for batch in (2, 50):  # NumPy and torch paths
        pool = tuple(t.double() for t in make_pool(model))
        plain_pool = tuple(t.clone() for t in pool)
        index = slot_index(batch, True)
        x = torch.randn(batch, 2, dtype=torch.float64)
        with torch.inference_mode():
            y = kernel(x, pool, index)
            expected = PlainKernel(model)(x, plain_pool, index)
        assert y.dtype == torch.float64
        torch.testing.assert_close(y, expected, atol=1e-12, rtol=1e-12)


def test_fuse_layer_matches_the_two_linear_maps():
    """xh @ W + b equals W_ih x + b_ih + W_hh h + b_hh, with tanh gates doubled."""
    torch.manual_seed(4)
    n_in, hidden, batch = 3, 4, 5
    x, h = torch.randn(batch, n_in), torch.randn(batch, hidden)
    for cell, gates in (("lstm", 4), ("gru", 3), ("rnn", 1)):
        w_ih, w_hh = torch.randn(gates * hidden, n_in), torch.randn(gates * hidden, hidden)
        b_ih, b_hh = torch.randn(gates * hidden), torch.randn(gates * hidden)
        weight, bias = fuse_layer(cell, w_ih, w_hh, b_ih, b_hh)
        fused = torch.cat([x, h], 1) @ weight + bias  # (B, C)
        from_x, from_h = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
        blocks = (from_x + from_h).split(hidden, 1)
        if cell == "lstm":  # i, f, 2 g, o
            expected = torch.cat([blocks[0], blocks[1], 2 * blocks[2], blocks[3]], 1)
        elif cell == "gru":  # r, z, 2 n_x, 2 n_h
            n_x, n_h = from_x[:, 2 * hidden :], from_h[:, 2 * hidden :]
            expected = torch.cat([blocks[0], blocks[1], 2 * n_x, 2 * n_h], 1)
        else:
            expected = 2 * (from_x + from_h)
        torch.testing.assert_close(fused, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("native", [True, False])
def test_weights_are_reread_after_in_place_training(native):
    torch.manual_seed(5)
    model = RecurrentEncoder(3, 6, 2, cell="gru").eval()
    kernel = RecurrentKernel(model, native=native)
    pool, index = make_pool(model), slot_index(4, True)
    x = torch.randn(4, 3)
    with torch.inference_mode():
        before = kernel(x, tuple(t.clone() for t in pool), index)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = model(torch.randn(2, 5, 3))[0].square().mean()
    loss.backward()
    optimizer.step()  # in-place parameter update: version counters change
    with torch.inference_mode():
        after = kernel(x, tuple(t.clone() for t in pool), index)
        expected = PlainKernel(model)(x, tuple(t.clone() for t in pool), index)
    assert (after - before).abs().max() > 1e-3  # the update is visible ...
    torch.testing.assert_close(after, expected, **TOL)  # ... and exact
    other = RecurrentEncoder(3, 6, 2, cell="gru")
    model.load_state_dict(other.state_dict())  # copies in place
    with torch.inference_mode():
        loaded = kernel(x, tuple(t.clone() for t in pool), index)
        expected = PlainKernel(other.eval())(x, tuple(t.clone() for t in pool), index)
    torch.testing.assert_close(loaded, expected, **TOL)


@pytest.mark.parametrize("native", [True, False])
def test_new_pool_tensors_and_changed_index_are_seen(native):
    """The pool views / addresses and the contiguous-range test are cached; both must
    notice a reallocated pool and an index modified in place."""
    torch.manual_seed(6)
    model = RecurrentEncoder(2, 4, 1).eval()
    kernel = RecurrentKernel(model, native=native)
    index = torch.arange(2)  # a range ...
    x = torch.randn(2, 2)
    with torch.inference_mode():
        for seed in (0, 1):  # two different pools of the same shape
            pool = make_pool(model)
            pool[0].add_(seed)
            plain_pool = tuple(t.clone() for t in pool)
            torch.testing.assert_close(
                kernel(x, pool, index), PlainKernel(model)(x, plain_pool, index), **TOL
            )
            assert_pools_equal(pool, plain_pool)
    index[0] = 7  # ... that is no longer a range
    pool = make_pool(model)
    plain_pool = tuple(t.clone() for t in pool)
    with torch.inference_mode():
        torch.testing.assert_close(
            kernel(x, pool, index), PlainKernel(model)(x, plain_pool, index), **TOL
        )
    assert_pools_equal(pool, plain_pool)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("batch", [4, 5, 40])  # NumPy and torch paths
def test_permuted_range_is_gathered_not_viewed(batch, native):
    """Slots 3..3+B-1 with the middle reversed (same first and last slot as the range)
    must be gathered and scattered, not updated through a view of the range."""
    torch.manual_seed(11)
    model = RecurrentEncoder(2, 4, 1, cell="lstm").eval()
    kernel = RecurrentKernel(model, native=native)
    order = torch.arange(3, 3 + batch)
    order[1:-1] = order[1:-1].flip(0)  # e.g. 3, 5, 4, 6
    pool, x = make_pool(model), torch.randn(batch, 2)
    plain_pool = tuple(t.clone() for t in pool)
    with torch.inference_mode():
        y = kernel(x, pool, order)
        expected = PlainKernel(model)(x, plain_pool, order)
    torch.testing.assert_close(y, expected, **TOL)
    assert_pools_equal(pool, plain_pool)


@pytest.mark.parametrize("layers", [2, 3])
def test_training_mode_delegates_to_plain_with_dropout(layers):
    model = RecurrentEncoder(3, 5, 1, num_layers=layers, dropout=0.5).train()
    kernel = select_kernel(model, "cpu")
    pool, index, x = make_pool(model), slot_index(6, True), torch.randn(6, 3)
    plain_pool = tuple(t.clone() for t in pool)
    with torch.no_grad():
        torch.manual_seed(7)
        y = kernel(x, pool, index)
        torch.manual_seed(7)
        expected = PlainKernel(model)(x, plain_pool, index)
    torch.testing.assert_close(y, expected, atol=0, rtol=0)
    assert_pools_equal(pool, plain_pool)


def test_select_kernel_declines_what_it_does_not_reproduce():
    class CustomStep(RecurrentEncoder):
        def step(self, x_t, state):
            y, new_state = super().step(x_t, state)
            return y + 1.0, new_state

    assert select_kernel(CustomStep(2, 3, 1), "cpu") is None
    assert not supported(torch.nn.LSTM(2, 3))
    assert select_kernel(torch.nn.Linear(2, 3), "cpu") is None
    assert select_kernel(RecurrentEncoder(2, 3, 1), "meta") is None  # weights are on the CPU


def test_returned_outputs_are_fresh_tensors():
    torch.manual_seed(8)
    model = RecurrentEncoder(2, 4, 2).eval()
    kernel = select_kernel(model, "cpu")
    pool, index = make_pool(model), slot_index(1, False)
    with torch.inference_mode():
        first = kernel(torch.randn(1, 2), pool, index)
        kept = first.clone()
        kernel(torch.randn(1, 2), pool, index)
    torch.testing.assert_close(first, kept, atol=0, rtol=0)


# ------------------------------------------------------------------------- CUDA
@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_graph_body_padding_is_exact_when_run_eagerly_on_cpu(cell, layers):
    """The computation CudaGraphKernel captures, run eagerly on the CPU: padded rows
    (slot -1, stale inputs) must leave the pool exactly as the plain kernel leaves it,
    and the body must reset the slot buffer to -1 for the next replay."""
    torch.manual_seed(12)
    model = RecurrentEncoder(3, 8, 2, num_layers=layers, cell=cell).eval()
    graph = CudaGraphKernel(RecurrentKernel(model))
    bucket, batch = 8, 5
    pool, index = make_pool(model), slot_index(batch, True)
    plain_pool = tuple(t.clone() for t in pool)
    static_x = torch.randn(bucket, 3) * 100  # stale inputs in the padded rows
    static_index = torch.full((bucket,), -1)
    static_index[:batch] = index
    x = static_x[:batch].clone()
    with torch.inference_mode():
        y = graph._body(static_x, pool, static_index, torch.arange(bucket))
        expected = PlainKernel(model)(x, plain_pool, index)
    torch.testing.assert_close(y[:batch], expected, **TOL)
    assert_pools_equal(pool, plain_pool)
    assert bool((static_index == -1).all())


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.mark.gpu
@cuda
@pytest.mark.parametrize("layers", DEPTHS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("batch", [1, 5, 64, 300])
def test_cuda_graph_equals_plain_and_forward(cell, batch, layers):
    torch.manual_seed(9)
    model = RecurrentEncoder(3, 8, 2, num_layers=layers, cell=cell).cuda().eval()
    kernel = select_kernel(model, "cuda")
    assert isinstance(kernel, CudaGraphKernel)
    fast_y, plain_y, fwd_y, fast_pool, plain_pool, _, _ = run_three_ways(
        model, kernel, batch, True, steps=4, device="cuda"
    )
    assert kernel.bucket(batch) in kernel.captured
    torch.testing.assert_close(fast_y, plain_y, **TOL)
    torch.testing.assert_close(fast_y, fwd_y, **TOL)
    assert_pools_equal(fast_pool, plain_pool)  # padded rows wrote nothing else


@pytest.mark.gpu
@cuda
def test_cuda_graph_follows_weight_updates_and_new_pools():
    torch.manual_seed(10)
    model = RecurrentEncoder(3, 8, 2).cuda().eval()
    kernel = select_kernel(model, "cuda")
    index = torch.tensor([4, 1, 9], device="cuda")
    x = torch.randn(3, 3, device="cuda")
    for _ in range(2):  # the second round replays on a new pool after a weight change
        pool = make_pool(model, device="cuda")
        plain_pool = tuple(t.clone() for t in pool)
        with torch.inference_mode():
            y = kernel(x, pool, index)
            expected = PlainKernel(model)(x, plain_pool, index)
        torch.testing.assert_close(y, expected, **TOL)
        assert_pools_equal(pool, plain_pool)
        with torch.no_grad():
            model.output.weight.mul_(-2.0)
