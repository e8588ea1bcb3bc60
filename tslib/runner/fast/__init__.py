"""Fast step kernels: fused / native recurrent steps, CUDA graphs, the native transformer and bf16 steps.

:func:`select_kernel` returns a kernel equivalent to the reference
:class:`~tslib.runner.kernels.PlainKernel` (gather -> ``model.step`` -> scatter),
or ``None`` when no fast path applies. The kernels compute the same cell math
as ``torch.lstm_cell`` / ``torch.gru_cell`` / ``torch.rnn_tanh_cell`` followed
by ``model.output``, with three changes that do not alter the result beyond
float rounding (tested to 1e-5 in ``tests/test_fast_kernels.py`` and
``tests/test_native_kernel.py``):

* one fused GEMM per layer, ``[input, h] @ [W_ih | W_hh]^T + (b_ih + b_hh)``;
* ``tanh(z) = 2 sigmoid(2 z) - 1`` with the doubling folded into the fused
  weights, so every gate non-linearity is one in-place ``sigmoid`` (torch's CPU
  ``tanh`` is several times slower than its ``sigmoid``);
* all intermediate tensors live in preallocated buffers; when the slot index
  is an ascending contiguous range the pool rows are updated through views,
  without gather or scatter.

For float32 on the CPU the kernel first offers the step to its native path
(:mod:`.recurrent_native`): C compiled at first use with the system compiler and
called through ctypes, which does a whole small-batch step in one call and, for
large batches, one call per layer that runs the GEMM in tiles (with the ``sgemm``
torch itself uses) and all the gate arithmetic and pool updates of each tile while
it is in cache. Without a compiler, or with ``TSLIB_NATIVE=0``, batches of at most
:data:`TINY_BATCH_MAX` rows run the torch code on NumPy views of the same memory,
because a NumPy call costs about 1 µs where a torch eager call costs 3-5 µs, and
larger ones run eager torch. On CUDA, :class:`CudaGraphKernel` replays one captured
graph per bucketed batch size (the eager torch path serves batches above the largest
bucket).

Weights are re-fused whenever a parameter is changed in place (an optimizer
step, ``load_state_dict``) or moved: each call compares the parameters' version
counters and storage pointers. Replacing a parameter *object* is not seen; call
:meth:`RecurrentKernel.refresh` (or build a new runner) after doing that.

The modules, by concept (each imports only those above it in this list):

* :mod:`.build`: the shared native build machinery (switch, compiler, cache, builds);
* :mod:`.native_step`: the native-step protocol (:class:`NativeStep`) and the checks
  and repeat lane shared by the compiled recurrent paths (:class:`CompiledPath`);
* :mod:`.fused`: the fused cell maths in torch and NumPy;
* the fp32 recurrent step: :mod:`.recurrent_source` (its C source and ABI),
  :mod:`.recurrent_library` (build, subprocess probe, load), :mod:`.recurrent_native`
  (the small- and large-batch C paths), :mod:`.recurrent` (the kernel) and
  :mod:`.recurrent_probe` (the probe program, run only in a subprocess);
* :mod:`.cuda_graph`: the recurrent step replayed as CUDA graphs;
* :mod:`.transformer_source` and :mod:`.transformer_native`: the transformer step;
* :mod:`.bf16_source` and :mod:`.bf16_native`: the opt-in bf16 LSTM step.

Kernel selection treats every family alike: :data:`FAST_STEPS` lists one
:class:`NativeStep` each, and :func:`select_kernel` takes the first whose
``supports(model, device)`` says yes (:func:`explain_kernel` shows every answer).
"""

from __future__ import annotations

import torch

from tslib.runner.device import resolve_device
from tslib.runner.fast.bf16_native import BF16_STEP
from tslib.runner.fast.cuda_graph import CUDA_GRAPH_STEP, GRAPH_BUCKETS, CudaGraphKernel
from tslib.runner.fast.fused import fuse_layer
from tslib.runner.fast.native_step import CompiledPath, NativeStep
from tslib.runner.fast.recurrent import (
    RECURRENT_STEP,
    TINY_BATCH_MAX,
    RecurrentKernel,
    recurrent_problem,
    supported,
)
from tslib.runner.fast.recurrent_library import load_native
from tslib.runner.fast.recurrent_native import NATIVE_SMALL_MAX, NativePath
from tslib.runner.fast.transformer_native import TRANSFORMER_STEP, TransformerKernel

__all__ = [
    "FAST_STEPS",
    "GRAPH_BUCKETS",
    "NATIVE_SMALL_MAX",
    "TINY_BATCH_MAX",
    "CompiledPath",
    "CudaGraphKernel",
    "NativePath",
    "NativeStep",
    "RecurrentKernel",
    "TransformerKernel",
    "explain_kernel",
    "fuse_layer",
    "load_native",
    "recurrent_problem",
    "select_kernel",
    "supported",
]

#: The fast step families, asked in this order: the opt-in bf16 step first (it serves
#: only models that ask for it), then the transformer, the recurrent step on CUDA
#: (graphs) and on the CPU (fused / native).
FAST_STEPS: tuple[NativeStep, ...] = (BF16_STEP, TRANSFORMER_STEP, CUDA_GRAPH_STEP, RECURRENT_STEP)


def select_kernel(model: object, device: torch.device | str) -> object | None:
    """Return a fast :class:`~tslib.runner.kernels.StepKernel` for ``model`` or ``None``.

    Parameters
    ----------
    model : StepEncoder
        The runner's encoder, already on ``device``.
    device : torch.device or str
        The pool's device; ``"auto"`` is resolved as by
        :func:`~tslib.runner.device.resolve_device`.

    Returns
    -------
    StepKernel or None
        The kernel of the first family in :data:`FAST_STEPS` that supports ``model`` on
        ``device`` (a :class:`~tslib.runner.fast.bf16_native.Bf16Kernel`, a
        :class:`TransformerKernel`, a :class:`CudaGraphKernel` or a
        :class:`RecurrentKernel`), or ``None`` when none does (the runner then uses
        PlainKernel; :func:`explain_kernel` says why).
    """
    device = resolve_device(device) if device == "auto" else torch.device(device)
    for step in FAST_STEPS:
        if step.supports(model, device) is None:
            return step.kernel(model, device)
    return None


def explain_kernel(model: object, device: torch.device | str = "auto") -> dict[str, str | None]:
    """Each fast step family's answer for ``model`` on ``device``: name -> reason or ``None``.

    ``None`` marks a family that supports the model; :func:`select_kernel` takes the
    first of them. ``"auto"``: CUDA when available, else the CPU (the runner's default).
    """
    device = resolve_device(device) if device == "auto" else torch.device(device)
    return {step.name: step.supports(model, device) for step in FAST_STEPS}
