"""(e) Causal transformer: the fast KV-cache step vs the plain step, recomputes and the matmuls.

The model (d_model 64, 4 heads, 2 layers, context 256, ALiBi, sliding window)
attends to the last ``context`` positions per layer, so its exact receptive field
is ``num_layers * (context - 1) + 1`` observations. Candidates, timed side by side
in one process (:func:`tslib.timing.measure`, rotating rounds):

* ``runner.step (fast)``: the runner with its
  :class:`~tslib.runner.fast.transformer_native.TransformerKernel` (after): one native
  call, keys and values written in place into the pool's ring buffers;
* ``runner.step (plain)``: the same runner with ``fast=False`` (before): the
  :class:`~tslib.runner.kernels.PlainKernel`, ``index_select`` of the caches,
  ``model.step`` in torch, ``index_copy_`` back;
* ``forward(receptive field)``: ``model.forward`` over the last 511 inputs, the
  cheapest exact recompute without a cache; ``forward(last n)`` over a history of n;
* ``matmuls alone`` (at many streams): **the step's matmuls and nothing else**, in
  torch inference mode on preallocated buffers, every result written with ``out=``:
  ``addmm`` for the embedding (B, F) x (F, D), per layer the fused QKV (B, D) x (D, 3D),
  the scores ``bmm`` (B nh, 1, dh) x (B nh, dh, C), the weights-times-values ``bmm``
  (B nh, 1, C) x (B nh, C, dh) (keys and values in contiguous (B nh, C, dh) buffers,
  as many bytes as the pool's caches), the output projection (B, D) x (D, D), the MLP
  (B, D) x (D, 4D) and (B, 4D) x (4D, D), then the output layer (B, D) x (D, O).
  No LayerNorm, softmax, bias, GELU, residual, cache write or id handling.

Every torch reference (plain step, recomputes, matmuls) is timed with torch's default
threads and with one thread (``... (1 thread)``), and each row compares against the
faster of the two: on a shared, oversubscribed machine two OpenMP threads can be many
times slower than one, which would flatter the fast step.

Goals (issue 17, goal 1): batch-1 fast step <= 60 us (in wall time, and in thread CPU
time on one torch thread, which a neighbour's load does not inflate); >= 20x faster than
the receptive-field recompute; at 1024 streams <= 3x the matmuls alone. Each goal carries
its "before": the same figure for the plain runner, measured in the same rounds.
"""

from __future__ import annotations

import os
import time

import torch

from benchmarks.common import Goal, row, section
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.runner import StepwiseRunner
from tslib.runner.fast.transformer_native import fast_path_problem
from tslib.timing import measure, sync_for

__all__ = ["run"]

FEATURES, D_MODEL, HEADS, LAYERS, CONTEXT = 4, 64, 4, 2, 256
HISTORIES = (1024, 4096)
QUICK_HISTORIES = (1024,)
MANY_STREAMS = 1024


def _model(device: str) -> CausalTransformerEncoder:
    model = CausalTransformerEncoder(
        FEATURES, d_model=D_MODEL, output_size=1, n_heads=HEADS, num_layers=LAYERS,
        context=CONTEXT, seed=0,
    )  # fmt: skip
    return model.to(device).eval()


def _warm_runner(model, streams: int, device: str, fast: bool, steps: int):
    """A runner with ``streams`` streams stepped ``steps`` times; returns it and the ids."""
    runner = StepwiseRunner(model, device=device, fast=fast, initial_capacity=streams)
    ids = tuple(range(streams))
    generator = torch.Generator().manual_seed(streams)
    for _ in range(steps):
        runner.step(ids, torch.randn(streams, FEATURES, generator=generator).to(device))
    return runner, ids


def _matmuls_alone(model: CausalTransformerEncoder, batch: int, device: str):
    """The step's matmuls on preallocated buffers, nothing else (see the module docstring)."""
    d, width, heads, dh = model.d_model, model.blocks[0].ff_in.out_features, HEADS, model.d_head
    with torch.inference_mode():
        new = lambda *shape: torch.randn(*shape, device=device)  # noqa: E731
        x, h, qkv = new(batch, FEATURES), new(batch, d), new(batch, 3 * d)
        hidden, y = new(batch, width), new(batch, model.n_outputs)
        keys = [new(batch * heads, CONTEXT, dh) for _ in range(LAYERS)]  # (B nh, C, dh)
        values = [new(batch * heads, CONTEXT, dh) for _ in range(LAYERS)]
        query = new(batch * heads, 1, dh)  # (B nh, 1, dh)
        scores, attended = new(batch * heads, 1, CONTEXT), new(batch * heads, 1, dh)
        weights = [(b.qkv.weight.t(), b.proj.weight.t(), b.ff_in.weight.t(), b.ff_out.weight.t())
                   for b in model.blocks]  # fmt: skip
        biases = [(b.qkv.bias, b.proj.bias, b.ff_in.bias, b.ff_out.bias) for b in model.blocks]
        embed_w, out_w = model.embed.weight.t(), model.output.weight.t()

    def matmuls():
        with torch.inference_mode():
            torch.addmm(model.embed.bias, x, embed_w, out=h)  # (B, D)
            for layer in range(LAYERS):
                (w_qkv, w_proj, w_in, w_out), (b_qkv, b_proj, b_in, b_out) = (
                    weights[layer],
                    biases[layer],
                )
                torch.addmm(b_qkv, h, w_qkv, out=qkv)  # (B, 3D)
                torch.bmm(query, keys[layer].transpose(1, 2), out=scores)  # (B nh, 1, C)
                torch.bmm(scores, values[layer], out=attended)  # (B nh, 1, dh)
                torch.addmm(b_proj, attended.view(batch, d), w_proj, out=h)  # (B, D)
                torch.addmm(b_in, h, w_in, out=hidden)  # (B, FF)
                torch.addmm(b_out, hidden, w_out, out=h)  # (B, D)
            torch.addmm(model.output.bias, h, out_w, out=y)  # (B, O)

    return matmuls


def _with_one_thread_twins(candidates: dict) -> dict:
    """``candidates`` plus, for each torch reference (not the fast step), a one-thread twin."""
    out = dict(candidates)
    for name, fn in candidates.items():
        if name != "runner.step (fast)":
            out[f"{name} (1 thread)"] = _one_thread(fn)
    return out


def _faster(timing: dict, name: str) -> str:
    """``name`` or its one-thread twin, whichever has the lower median."""
    twin = f"{name} (1 thread)"
    return min((name, twin), key=lambda key: timing[key].median_us)


def _one_thread(fn):
    """``fn`` run with one torch thread (a contended machine can make two threads slower)."""

    def call():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            fn()
        finally:
            torch.set_num_threads(threads)

    return call


def _recompute(model, window: torch.Tensor, span: int):
    def forward():
        with torch.inference_mode():
            return model(window[:, -span:])[0][:, -1]  # (1, O)

    return forward


def _cpu_time_batch1(fast_step, plain_step, rounds: int) -> dict:
    """Batch-1 fast and plain ``runner.step`` in thread CPU time, on one torch thread.

    A neighbour's load on a shared machine inflates wall times; the CPU time of the
    calling thread is not charged for other processes' turns on the core (the fast step
    runs entirely in the calling thread at batch 1).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        candidates = {"runner.step (fast)": fast_step, "runner.step (plain)": plain_step}
        return measure(candidates, rounds=rounds, clock=time.thread_time_ns)
    finally:
        torch.set_num_threads(threads)


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Time the fast step against the plain step, recomputes and the matmuls alone."""
    model = _model(device)
    load_before = os.getloadavg()[0]
    receptive = LAYERS * (CONTEXT - 1) + 1
    rounds = 5 if quick else 15
    sync = sync_for(device)
    problem = fast_path_problem(model, device)
    unavailable = "" if problem is None else f" (fast path unavailable: {problem})"
    full = CONTEXT + 1  # steps that fill the ring buffers
    fast, ids = _warm_runner(model, 1, device, fast=True, steps=full)
    plain, _ = _warm_runner(model, 1, device, fast=False, steps=full)
    x = torch.randn(1, FEATURES, generator=torch.Generator().manual_seed(2)).to(device)
    histories = QUICK_HISTORIES if quick else HISTORIES
    windows = {n: torch.randn(1, n, FEATURES).to(device) for n in histories}  # (1, n, F)
    recompute = f"forward(receptive field {receptive})"
    candidates = {
        "runner.step (fast)": lambda: fast.step(ids, x),
        "runner.step (plain)": lambda: plain.step(ids, x),
        recompute: _recompute(model, windows[histories[0]], receptive),
    }
    for n, window in windows.items():
        candidates[f"forward(last {n})"] = _recompute(model, window, n)
    timing = measure(_with_one_thread_twins(candidates), rounds=rounds, sync=sync)
    step_fast = "runner.step (fast)"
    rows = [
        row("runner.step (fast)", "runner.step (plain, before)", timing, step_fast,
            _faster(timing, "runner.step (plain)"), streams=1),
        row("runner.step (fast)", f"model.forward over the receptive field ({receptive} obs, "
            "exact)", timing, step_fast, _faster(timing, recompute), streams=1),
    ]  # fmt: skip
    rows += [
        row("runner.step (fast)", f"model.forward over the whole history (n={n})", timing,
            step_fast, _faster(timing, f"forward(last {n})"), streams=1, history=n,
            history_bytes_per_stream=n * FEATURES * 4)
        for n in histories
    ]  # fmt: skip
    plain_name, recompute_name = _faster(timing, "runner.step (plain)"), _faster(timing, recompute)
    before = "runner.step with the PlainKernel, same rounds"
    goals = [
        Goal("transformer runner.step at batch 1 (us)", timing[step_fast].median_us, 60.0, False,
             "median runner.step (wall time) with the fast kernel, d_model 64, 2 layers, "
             "context 256" + unavailable, before=timing[plain_name].median_us,
             before_what=before, issue="17.1"),
        Goal("transformer step speedup over the receptive-field recompute",
             timing[recompute_name].median_us / timing[step_fast].median_us, 20.0, True,
             f"median forward(last {receptive}) (faster thread setting) / median fast "
             "runner.step" + unavailable,
             before=timing[recompute_name].median_us / timing[plain_name].median_us,
             before_what=before, issue="17.1"),
    ]  # fmt: skip
    if torch.device(device).type == "cpu":
        cpu = _cpu_time_batch1(candidates[step_fast], candidates["runner.step (plain)"], rounds)
        rows.append(
            row("runner.step (fast), thread CPU time", "runner.step (plain, before), 1 torch "
                "thread, thread CPU time", cpu, step_fast, "runner.step (plain)", streams=1,
                threads=1)
        )  # fmt: skip
        goals.append(
            Goal("transformer runner.step at batch 1, thread CPU time (us)",
                 cpu[step_fast].median_us, 60.0, False, "median thread CPU time "
                 "(time.thread_time_ns), one torch thread, same process" + unavailable,
                 before=cpu["runner.step (plain)"].median_us, before_what=before, issue="17.1")
        )  # fmt: skip

    many, many_ids = _warm_runner(model, MANY_STREAMS, device, fast=True, steps=full)
    # The plain step's cost does not depend on the positions (it always attends over all C
    # slots with a mask), so its streams step once instead of filling their buffers.
    slow, _ = _warm_runner(model, MANY_STREAMS, device, fast=False, steps=1)
    xs = torch.randn(MANY_STREAMS, FEATURES, generator=torch.Generator().manual_seed(3))
    xs = xs.to(device)  # (B, F)
    candidates = {
        "runner.step (fast)": lambda: many.step(many_ids, xs),
        "runner.step (plain)": lambda: slow.step(many_ids, xs),
        "matmuls alone": _matmuls_alone(model, MANY_STREAMS, device),
    }
    timing_many = measure(_with_one_thread_twins(candidates), rounds=max(3, rounds // 2), sync=sync)
    floor = _faster(timing_many, "matmuls alone")
    rows += [
        row("runner.step (fast)", "runner.step (plain, before)", timing_many, step_fast,
            _faster(timing_many, "runner.step (plain)"), streams=MANY_STREAMS),
        row("runner.step (fast)", "the step's matmuls alone", timing_many, floor, step_fast,
            streams=MANY_STREAMS),
    ]  # fmt: skip
    over = timing_many[step_fast].median_us / timing_many[floor].median_us
    plain_many = timing_many[_faster(timing_many, "runner.step (plain)")].median_us
    goals.append(
        Goal(f"transformer runner.step at {MANY_STREAMS} streams / the step's matmuls alone",
             over, 3.0, False, "median fast runner.step / median matmuls alone (faster thread "
             "setting; see the module docstring)" + unavailable,
             before=plain_many / timing_many[floor].median_us, before_what=before, issue="17.1")
    )  # fmt: skip
    notes = [
        f"transformer: d_model={D_MODEL}, {HEADS} heads, {LAYERS} layers, context={CONTEXT}, "
        f"F={FEATURES}, device {device}; ring buffers full (every stream stepped > context times)",
        f"fast path: {problem or 'TransformerKernel (native C)'}; torch threads "
        f"{torch.get_num_threads()}; load average (1 min) {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after",
        f"KV cache per stream: {model.state_bytes_per_stream()} bytes, constant in n",
        "rows against the matmuls: b_over_a = runner time / matmul time (a = matmuls alone)",
    ]
    return section("(e) causal transformer: fast KV-cache step vs plain, recompute, matmuls", rows,
                   goals, notes)  # fmt: skip
