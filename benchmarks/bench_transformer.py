"""(e) Causal transformer: KV-cache step vs recomputing the window, as history grows.

The model attends to the last ``context`` positions per layer (ALiBi, sliding
window), so its exact receptive field is ``num_layers * (context - 1) + 1``
observations. Three ways to get the prediction after a new observation:

* ``runner.step``: one step against the per-stream ring-buffer KV cache (the
  runner uses its PlainKernel: ``select_kernel`` offers no fast transformer
  kernel);
* ``model.forward`` over the whole history of n observations, what a model
  without a cache would do;
* ``model.forward`` over the receptive field only, the cheapest exact recompute.

The cache step does not depend on n (the buffer is full after ``context``
steps); both recomputes must also keep the raw history. Memory per stream:
the KV cache is O(context); the recompute needs n * F floats of history.
"""

from __future__ import annotations

import torch

from benchmarks.common import row, section
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.runner import StepwiseRunner
from tslib.timing import measure, sync_for

__all__ = ["run"]

HISTORIES = (256, 1024, 4096, 8192)
QUICK_HISTORIES = (256, 2048)


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Time the KV-cache step against window recomputes for growing histories."""
    torch.manual_seed(0)
    features, context, layers = 4, 128, 2
    model = CausalTransformerEncoder(
        features, d_model=64, output_size=1, n_heads=4, num_layers=layers, context=context
    )
    model = model.to(device).eval()
    receptive = layers * (context - 1) + 1
    runner = StepwiseRunner(model, device=device, initial_capacity=1)
    ids = (0,)
    warm = torch.randn(context, 1, features).to(device)  # (context, 1, F)
    for x_t in warm:  # fill the ring buffer: from here on a step costs the same at any n
        runner.step(ids, x_t)
    x = warm[-1]  # (1, F)
    sync = sync_for(device)
    rows = []
    state_bytes = model.state_bytes_per_stream()
    for history in QUICK_HISTORIES if quick else HISTORIES:
        window = torch.randn(1, history, features).to(device)  # (1, n, F)

        def recompute(span, window=window):
            with torch.inference_mode():
                return model(window[:, -span:])[0][:, -1]  # (1, O)

        timing = measure(
            {
                "runner.step (KV cache)": lambda: runner.step(ids, x),
                f"forward(last {history})": lambda history=history: recompute(history),
                f"forward(receptive field {receptive})": lambda: recompute(receptive),
            },
            rounds=5 if quick else 15,
            sync=sync,
        )
        extra = {
            "history": history,
            "kv_cache_bytes_per_stream": state_bytes,
            "history_bytes_per_stream": history * features * 4,
        }
        rows.append(
            row(
                "runner.step with the KV cache",
                f"model.forward over the whole history (n={history})",
                timing,
                "runner.step (KV cache)",
                f"forward(last {history})",
                **extra,
            )
        )
        rows.append(
            row(
                "runner.step with the KV cache",
                f"model.forward over the receptive field ({receptive} obs, exact)",
                timing,
                "runner.step (KV cache)",
                f"forward(receptive field {receptive})",
                history=history,
            )
        )
    notes = [
        f"transformer: d_model=64, 4 heads, {layers} layers, context={context}, device {device}",
        f"KV cache per stream: {state_bytes} bytes, constant in n; the recompute keeps "
        "n * F * 4 bytes of raw history per stream (history_bytes_per_stream)",
        "the runner steps the transformer with its PlainKernel (no fused transformer kernel)",
    ]
    return section("(e) causal transformer: KV-cache step vs recompute", rows, [], notes)
