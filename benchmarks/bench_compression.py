"""(f) Compression: dynamic int8 quantization and magnitude pruning.

One small LSTM (H = 64) is trained for a few seconds to forecast a simulated
series one step ahead (two sines, periods 24 and 168, plus N(0, 0.1^2) noise).
Each variant is compared with the fp32 model in the same process:

* accuracy: one-step-ahead MSE on a held-out stretch (teacher forcing);
* latency: ``model.forward`` over a 168-step window, and one ``step`` for one
  stream (fast kernel for fp32 and pruned models, ``model.step`` otherwise);
* the fused gate GEMM of a 4096-stream step, fp32 ``addmm`` vs a dynamically
  quantized int8 ``Linear`` (fbgemm/onednn), i.e. what int8 could buy the kernel.

Variants come from :mod:`tslib.compression`: :func:`~tslib.compression.quantize_dynamic_int8`
(LSTM and output layer in int8; the model still steps, through its quantized LSTM
on one-step sequences, with the runner's PlainKernel) and
:func:`~tslib.compression.prune_magnitude` at 50 % and 90 % (permanent; dense
kernels, so no speedup is expected).
"""

from __future__ import annotations

import math
import time

import torch

from benchmarks.common import section
from tslib.compression import (
    model_size_bytes,
    one_step_mse,
    prune_magnitude,
    quantize_dynamic_int8,
)
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner.fast import RecurrentKernel, fuse_layer
from tslib.runner.kernels import PlainKernel
from tslib.timing import measure

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


def _stepper(model: torch.nn.Module):
    """One-stream step closure: the fast kernel when it applies, else the PlainKernel."""
    x = torch.randn(1, 1)  # (1, F)
    pool, index = model.init_state(1), torch.arange(1)
    kernel = RecurrentKernel(model) if type(model) is RecurrentEncoder else PlainKernel(model)

    def step():
        with torch.inference_mode():
            return kernel(x, pool, index)

    return step


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
    timing = measure(
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
        "int8 dynamic (LSTM + output)": quantize_dynamic_int8(model),
        "pruned 50%": prune_magnitude(model, 0.5),
        "pruned 90%": prune_magnitude(model, 0.9),
    }
    window = test[None, :WINDOW, None]  # (1, 168, 1)
    forward = {}
    for name, variant in variants.items():

        def encode(variant=variant):
            with torch.inference_mode():
                return variant(window)

        forward[name] = encode
    rounds = 5 if quick else 21
    forward_timing = measure(forward, rounds=rounds)
    step_timing = measure({n: _stepper(v) for n, v in variants.items()}, rounds=rounds)
    base_mse = one_step_mse(model, test)
    rows = []
    for name, variant in variants.items():
        mse = one_step_mse(variant, test)
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
                "step_us": round(step_timing[name].median_us, 3),
                "step_speedup": round(
                    step_timing["fp32"].median_us / step_timing[name].median_us, 3
                ),
                "serialized_bytes": model_size_bytes(variant),
            }
        )
    rows.append(_gemm_row(model, 4096, rounds))
    rows.append(_gemm_row(model, 1, rounds))
    notes = [
        f"trained {steps} Adam steps ({'2' if quick else '5'} s) on a simulated two-sine series",
        "step_us: one stream, fast kernel (native C when available) for fp32 and pruned "
        "models; the int8 model steps with the PlainKernel (quantized LSTM on a one-step "
        "sequence + quantized Linear); its forward iterates step so that step == forward",
        "pruning zeroes weights in dense tensors: no latency gain is expected from dense kernels",
    ]
    return section("(f) compression: dynamic int8 quantization and pruning", rows, [], notes)
