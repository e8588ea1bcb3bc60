"""Fast step kernels for :class:`~tslib.encoders.recurrent.RecurrentEncoder`.

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
(:mod:`tslib.runner.fast.native`): C compiled at first use with the system
compiler and called through ctypes, which does a whole small-batch step in one
call and, for large batches, one call per layer that runs the GEMM in tiles
(with the ``sgemm`` torch itself uses) and all the gate arithmetic and pool
updates of each tile while it is in cache. Without a compiler, or with
``TSLIB_NATIVE=0``, batches of at most :data:`TINY_BATCH_MAX` rows run the torch
code on NumPy views of the same memory, because a NumPy call costs about 1 µs
where a torch eager call costs 3-5 µs, and larger ones run eager torch. On CUDA,
:class:`CudaGraphKernel` replays one captured graph per bucketed batch size (the
eager torch path serves batches above the largest bucket).

Weights are re-fused whenever a parameter is changed in place (an optimizer
step, ``load_state_dict``) or moved: each call compares the parameters' version
counters and storage pointers. Replacing a parameter *object* is not seen; call
:meth:`RecurrentKernel.refresh` (or build a new runner) after doing that.
"""

from __future__ import annotations

import torch

from tslib.encoders.recurrent import CELLS, RecurrentEncoder
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.runner.fast.cuda_graph import GRAPH_BUCKETS, CudaGraphKernel
from tslib.runner.fast.fused import fuse_layer
from tslib.runner.fast.native import NATIVE_SMALL_MAX, NativePath
from tslib.runner.fast.native_build import load_native
from tslib.runner.fast.recurrent import TINY_BATCH_MAX, RecurrentKernel
from tslib.runner.fast.transformer_step import TransformerKernel, select_transformer_kernel

__all__ = [
    "GRAPH_BUCKETS",
    "NATIVE_SMALL_MAX",
    "TINY_BATCH_MAX",
    "CudaGraphKernel",
    "NativePath",
    "RecurrentKernel",
    "TransformerKernel",
    "fuse_layer",
    "load_native",
    "select_kernel",
    "supported",
]


def supported(model: object) -> bool:
    """True when ``model`` is a RecurrentEncoder whose step this module reproduces."""
    if not isinstance(model, RecurrentEncoder):
        return False
    cls = type(model)
    if cls.step is not RecurrentEncoder.step or cls.core_step is not RecurrentEncoder.core_step:
        return False
    core = model.core
    if model.cell not in CELLS or type(core) is not CELLS[model.cell][0]:
        return False
    if getattr(core, "bidirectional", True) or not getattr(core, "bias", False):
        return False
    if getattr(core, "proj_size", 0) or getattr(core, "nonlinearity", "tanh") != "tanh":
        return False
    output = model.output
    return type(output) is torch.nn.Linear and output.bias is not None


def select_kernel(
    model: object, device: torch.device | str
) -> RecurrentKernel | CudaGraphKernel | TransformerKernel | None:
    """Return a fast :class:`~tslib.runner.kernels.StepKernel` for ``model`` or ``None``.

    Parameters
    ----------
    model : StepEncoder
        The runner's encoder, already on ``device``.
    device : torch.device or str
        The pool's device.

    Returns
    -------
    RecurrentKernel, CudaGraphKernel, TransformerKernel or None
        A :class:`CudaGraphKernel` on CUDA, a :class:`RecurrentKernel` on the CPU,
        a :class:`TransformerKernel` for a CausalTransformerEncoder on the CPU,
        ``None`` for any other model or device, or when the model's weights are
        not on ``device`` (the runner then uses PlainKernel). A model with a
        ``fast_kernel(device)`` method (e.g. :func:`tslib.compression.bf16_native`'s)
        is asked first; a ``None`` answer falls through to the rules above.
    """
    if isinstance(model, CausalTransformerEncoder):  # its own kernel (transformer_step.py)
        return select_transformer_kernel(model, device)
    own = getattr(model, "fast_kernel", None)  # a model bringing its own kernel (compression)
    kernel = own(device) if callable(own) else None
    if kernel is not None:
        return kernel
    if not supported(model):
        return None
    device = torch.device(device)
    weight = model.output.weight
    if weight.device.type != device.type or not weight.is_floating_point():
        return None
    if device.type == "cpu":
        return RecurrentKernel(model)
    if device.type == "cuda":
        return CudaGraphKernel(RecurrentKernel(model))
    return None
