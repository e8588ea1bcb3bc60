"""The opt-in native bf16 LSTM step (tslib.compression.bf16_native).

Skipped, with the reason, where the CPU lacks avx512_bf16 or the compiler refuses
-mavx512bf16. Outputs are compared with the fp32 plain path at bf16 tolerance, and
with a torch emulation of the bf16 GEMM (bf16-rounded operands, fp32 sums) at 1e-4.
"""

from __future__ import annotations

import pytest
import torch

from tslib.compression.bf16_native import Bf16NativeEncoder, bf16_native, bf16_native_support
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner import StepwiseRunner
from tslib.runner.fast.bf16_native import Bf16Kernel, pack_bf16_pairs

AVAILABLE, REASON = bf16_native_support()
needs_bf16 = pytest.mark.skipif(not AVAILABLE, reason=f"native bf16 step: {REASON}")


def _model(
    input_size: int = 4, hidden: int = 64, layers: int = 1, out: int = 1, cell: str = "lstm"
) -> RecurrentEncoder:
    torch.manual_seed(3)
    model = RecurrentEncoder(
        input_size=input_size, hidden_size=hidden, output_size=out, num_layers=layers, cell=cell
    )
    with torch.no_grad():  # trained-like scale: larger than the default init
        for parameter in model.parameters():
            parameter.mul_(2.0)
    return model.eval()


def _emulated_step(model, x, h, c):
    """fp32 LSTM step whose GEMM operands are rounded to bf16 (the kernel's arithmetic)."""
    bf = lambda t: t.to(torch.bfloat16).float()  # noqa: E731
    inputs, new_h, new_c = x, [], []
    for layer, (w_ih, w_hh, b_ih, b_hh) in enumerate(model.cell_weights()):
        xh = torch.cat([inputs, h[:, layer]], 1)  # (B, In + H)
        weight = torch.cat([w_ih, w_hh], 1).detach()  # (4H, In + H)
        gates = bf(xh) @ bf(weight).t() + (b_ih + b_hh).detach()  # (B, 4H)
        i, f, g, o = gates.chunk(4, 1)
        c_new = torch.sigmoid(f) * c[:, layer] + torch.sigmoid(i) * torch.tanh(g)
        inputs = torch.sigmoid(o) * torch.tanh(c_new)  # (B, H)
        new_h.append(inputs)
        new_c.append(c_new)
    return model.output(inputs), torch.stack(new_h, 1), torch.stack(new_c, 1)


def test_pack_layout():
    weight = torch.arange(15, dtype=torch.float32).reshape(5, 3)  # (K, C), small integers
    packed = pack_bf16_pairs(weight, column_block=4)
    assert packed.shape == (3, 4, 2) and packed.dtype == torch.bfloat16
    assert packed[1, 2, 1].item() == weight[3, 2].item()
    assert packed[2, 0, 0].item() == weight[4, 0].item() and packed[2, 0, 1].item() == 0
    assert packed[:, 3].abs().sum().item() == 0  # padded column


@needs_bf16
@pytest.mark.parametrize("shape", [(4, 64, 1, 1), (3, 20, 2, 2)], ids=["bench-H64", "H20-2layers"])
def test_runner_close_to_fp32_plain(shape):
    model = _model(*shape)
    fast = bf16_native(model)
    plain = StepwiseRunner(model, device="cpu", fast=False)
    runner = StepwiseRunner(fast, device="cpu")
    assert isinstance(runner._kernel, Bf16Kernel)
    generator = torch.Generator().manual_seed(0)
    worst = 0.0
    for batch, ids in [(1, (0,)), (7, (5, 1, 9, 2, 0, 8, 3)), (64, tuple(range(10, 74)))]:
        for _ in range(200):
            x = torch.randn(batch, shape[0], generator=generator)  # standardized inputs
            worst = max(worst, (runner.step(ids, x) - plain.step(ids, x)).abs().max().item())
    assert 1e-6 < worst <= 2e-2  # bf16 operands: not fp32-exact, but close


@needs_bf16
def test_matches_bf16_emulation():
    """One step from the runner's own state equals the emulation up to fp32 summation order
    (one layer: every bf16 operand is rounded from the same fp32 value on both sides)."""
    model = _model(3, 20, 1, 2)
    runner = StepwiseRunner(bf16_native(model), device="cpu")
    generator = torch.Generator().manual_seed(1)
    ids = (4, 3, 2, 1, 0)
    runner.step(ids, torch.randn(5, 3, generator=generator))
    with torch.no_grad():
        for _ in range(50):
            h, c = (torch.cat(parts) for parts in zip(*map(runner.state_of, ids)))  # (B, L, H)
            x = torch.randn(5, 3, generator=generator)
            y_ref, h_ref, c_ref = _emulated_step(model, x, h, c)
            y = runner.step(ids, x)
            assert (y - y_ref).abs().max().item() <= 1e-5
            assert torch.allclose(runner.state_of(4)[1], c_ref[:1], atol=1e-5)
            assert torch.allclose(runner.state_of(0)[0], h_ref[4:], atol=1e-5)


@needs_bf16
def test_threads_give_the_same_rows():
    """Large batches split their row tiles between threads; every row is computed alike."""
    model = _model(3, 20, 2, 2)
    fast = bf16_native(model)
    ids = tuple(range(300))  # above the 256 rows at which threads are used
    runners = {}
    previous = torch.get_num_threads()
    generator = torch.Generator().manual_seed(2)
    xs = [torch.randn(300, 3, generator=generator) for _ in range(10)]
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            runners[threads] = StepwiseRunner(fast, device="cpu")
            outputs = [runners[threads].step(ids, x) for x in xs]
            runners[threads] = torch.stack(outputs)
    finally:
        torch.set_num_threads(previous)
    assert torch.equal(runners[1], runners[2])
    plain = StepwiseRunner(model, device="cpu", fast=False)
    reference = torch.stack([plain.step(ids, x) for x in xs])
    assert (runners[1] - reference).abs().max().item() <= 2e-2


@needs_bf16
def test_nan_rejected_state_untouched():
    runner = StepwiseRunner(bf16_native(_model()), device="cpu")
    ids = (0, 1, 2)
    x = torch.randn(3, 4)
    runner.step(ids, x)
    runner.step(ids, x)  # the repeat lane is armed
    before = [s.clone() for s in runner.state_of(1)]
    bad = x.clone()
    bad[1, 2] = float("nan")
    for _ in range(2):  # the repeat lane, then the full path
        with pytest.raises(InputError):
            runner.step(ids, bad)
        after = runner.state_of(1)
        assert all(torch.equal(a, b) for a, b in zip(before, after))


@needs_bf16
def test_follows_in_place_weight_change():
    model = _model()
    fast = bf16_native(model)
    runner = StepwiseRunner(fast, device="cpu")
    plain = StepwiseRunner(model, device="cpu", fast=False)
    x = torch.randn(2, 4)
    before = runner.step((0, 1), x)
    assert (before - plain.step((0, 1), x)).abs().max().item() <= 2e-2
    with torch.no_grad():
        fast.core.weight_ih_l0.mul_(-1.0)
        model.core.weight_ih_l0.mul_(-1.0)
    after, reference = runner.step((0, 1), x), plain.step((0, 1), x)
    assert (after - reference).abs().max().item() <= 2e-2


@needs_bf16
def test_forward_uses_the_bf16_step():
    model = _model()
    fast = bf16_native(model)
    series = torch.randn(2, 30, 4)
    runner = StepwiseRunner(fast, device="cpu")
    stepped = torch.stack([runner.step((0, 1), series[:, t]) for t in range(30)], 1)
    with torch.inference_mode():
        forward, _ = fast(series)
    assert torch.equal(forward, stepped)
    with torch.no_grad():
        fp32, _ = model(series)
    assert 0 < (forward - fp32).abs().max().item() <= 2e-2


def test_unsupported_models_declined_with_reason():
    with pytest.raises(InputError, match="lstm cell only"):
        bf16_native(_model(cell="gru"))
    with pytest.raises(InputError, match="float32"):
        bf16_native(_model().double())


@pytest.mark.skipif(AVAILABLE, reason="this machine runs the native bf16 step")
def test_unavailable_says_why():
    assert REASON
    with pytest.raises(InputError, match="bf16_native"):
        bf16_native(_model())


def test_support_reason_is_one_line():
    assert isinstance(AVAILABLE, bool) and REASON and "\n" not in REASON
    assert issubclass(Bf16NativeEncoder, RecurrentEncoder)
