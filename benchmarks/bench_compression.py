"""(f) Compression: dynamic int8 quantization and magnitude pruning.

One small LSTM (H = 64) is trained for a few seconds to forecast a simulated
series one step ahead (two sines, periods 24 and 168, plus N(0, 0.1^2) noise).
Each variant is compared with the fp32 model in the same process:

* accuracy: one-step-ahead MSE on a held-out stretch (teacher forcing);
* latency: ``model.forward`` over a 168-step window, and one ``step`` for one
  stream (fast kernel for fp32 and pruned models, ``model.step`` otherwise);
* the fused gate GEMM of a 4096-stream step, fp32 ``addmm`` vs a dynamically
  quantized int8 ``Linear`` (fbgemm/onednn), i.e. what int8 could buy the kernel.

Variants: ``torch.ao.quantization.quantize_dynamic`` on the LSTM (its quantized
LSTM has no per-cell weights, so ``step`` is unsupported; the output Linear stays
fp32 because the encoder reads its dtype for the state), and
``torch.nn.utils.prune.l1_unstructured`` at 50 % and 90 % (made permanent;
dense kernels, so no speedup is expected).
"""

from __future__ import annotations

import copy
import io
import math
import time

import torch
from torch.nn.utils import prune

from benchmarks.common import section
from benchmarks.harness import compare
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner.fast import RecurrentKernel, fuse_layer

__all__ = ["run"]

WINDOW = 168


def _series(length: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(length, dtype=torch.float32)
    clean = torch.sin(2 * math.pi * t / 24) + 0.5 * torch.sin(2 * math.pi * t / 168)
    return clean + 0.1 * torch.randn(length, generator=generator)  # (N,)


def _train(model: RecurrentEncoder, series: torch.Tensor, seconds: float) -> int:
    """Adam on random windows of 96 steps until ``seconds`` have passed; returns steps taken."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(1)
    deadline, steps = time.perf_counter() + seconds, 0
    model.train()
    while time.perf_counter() < deadline:
        starts = torch.randint(0, series.numel() - 97, (32,), generator=generator)
        chunk = torch.stack([series[s : s + 97] for s in starts])  # (32, 97)
        y, _ = model(chunk[:, :-1, None])  # (32, 96, 1)
        loss = (y[..., 0] - chunk[:, 1:]).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1
    model.eval()
    return steps


def _mse(model: torch.nn.Module, test: torch.Tensor) -> float:
    with torch.inference_mode():
        y, _ = model(test[None, :-1, None])  # (1, N-1, 1)
    return float((y[0, :, 0] - test[1:]).square().mean())


def _size_bytes(model: torch.nn.Module) -> int:
    """Serialized size of the state dict (counts packed int8 weights correctly)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def _pruned(model: RecurrentEncoder, amount: float) -> RecurrentEncoder:
    pruned = copy.deepcopy(model)
    for name in [n for n, _ in pruned.core.named_parameters() if n.startswith("weight")]:
        prune.l1_unstructured(pruned.core, name, amount=amount)
        prune.remove(pruned.core, name)
    prune.l1_unstructured(pruned.output, "weight", amount=amount)
    prune.remove(pruned.output, "weight")
    return pruned.eval()


def _stepper(model: torch.nn.Module, fast: bool):
    """One-stream step closure: fast kernel when possible, else model.step."""
    x = torch.randn(1, 1)  # (1, F)
    if fast:
        kernel, pool, index = RecurrentKernel(model), model.init_state(1), torch.arange(1)

        def step():
            with torch.inference_mode():
                return kernel(x, pool, index)

        return step
    return None  # quantized LSTM: cell weights are packed, step() cannot run


def _gemm_row(model: RecurrentEncoder, batch: int, rounds: int) -> dict:
    """fp32 addmm vs dynamic int8 Linear for the fused gate GEMM at ``batch`` streams."""
    weight, bias = fuse_layer("lstm", *model.cell_weights()[0])  # (In + H, 4H), (4H,)
    linear = torch.nn.Linear(weight.shape[0], weight.shape[1])
    with torch.no_grad():
        linear.weight.copy_(weight.t())
        linear.bias.copy_(bias)
    int8 = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(linear), {torch.nn.Linear})
    xh = torch.randn(batch, weight.shape[0])  # (B, In + H)
    with torch.inference_mode():
        reference = torch.addmm(bias, xh, weight)
        error = float((int8(xh) - reference).abs().max())
    timing = compare(
        {"fp32 addmm": lambda: torch.addmm(bias, xh, weight), "int8 dynamic": lambda: int8(xh)},
        rounds=rounds,
    )
    return {
        "what": f"fused gate GEMM, {batch} streams: dynamic int8 Linear",
        "against": "fp32 torch.addmm, same shapes",
        "fp32_us": round(timing["fp32 addmm"].median_us, 3),
        "int8_us": round(timing["int8 dynamic"].median_us, 3),
        "speedup": round(timing["fp32 addmm"].median_us / timing["int8 dynamic"].median_us, 3),
        "max_abs_error": error,
    }


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Train a small LSTM, compress it three ways, compare accuracy and latency."""
    torch.manual_seed(0)
    series = _series(6000)
    train, test = series[:5000], series[5000:]
    model = RecurrentEncoder(1, 64, 1)
    steps = _train(model, train, 2.0 if quick else 5.0)
    variants = {
        "fp32": model,
        "int8 dynamic (LSTM)": torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model), {torch.nn.LSTM}, dtype=torch.qint8
        ),
        "pruned 50%": _pruned(model, 0.5),
        "pruned 90%": _pruned(model, 0.9),
    }
    window = test[None, :WINDOW, None]  # (1, 168, 1)
    forward = {}
    for name, variant in variants.items():

        def encode(variant=variant):
            with torch.inference_mode():
                return variant(window)

        forward[name] = encode
    rounds = 5 if quick else 21
    forward_timing = compare(forward, rounds=rounds)
    steppers = {n: _stepper(v, n != "int8 dynamic (LSTM)") for n, v in variants.items()}
    step_timing = compare({n: s for n, s in steppers.items() if s is not None}, rounds=rounds)
    base_mse = _mse(model, test)
    rows = []
    for name, variant in variants.items():
        mse = _mse(variant, test)
        step = step_timing.get(name)
        rows.append(
            {
                "what": name,
                "against": "fp32 model, same process",
                "test_mse": round(mse, 6),
                "mse_change_pct": round(100 * (mse - base_mse) / base_mse, 2),
                "forward_168_us": round(forward_timing[name].median_us, 3),
                "forward_speedup": round(
                    forward_timing["fp32"].median_us / forward_timing[name].median_us, 3
                ),
                "step_us": None if step is None else round(step.median_us, 3),
                "serialized_bytes": _size_bytes(variant),
            }
        )
    rows.append(_gemm_row(model, 4096, rounds))
    rows.append(_gemm_row(model, 1, rounds))
    notes = [
        f"trained {steps} Adam steps ({'2' if quick else '5'} s) on a simulated two-sine series",
        "quantize_dynamic replaces nn.LSTM by a quantized LSTM without per-cell weights: "
        "forward works, step() and the fast kernel do not (step_us is null); quantizing the "
        "output Linear too breaks RecurrentEncoder.init_state (it reads output.weight.dtype)",
        "pruning zeroes weights in dense tensors: no latency gain is expected from dense kernels",
    ]
    return section("(f) compression: dynamic int8 quantization and pruning", rows, [], notes)
