"""A bf16 LSTM step in the native path: :func:`bf16_native` (opt-in, AVX512-BF16 CPUs).

``bf16_native(model)`` returns a copy of an LSTM
:class:`~tslib.encoders.recurrent.RecurrentEncoder` whose
:class:`~tslib.runner.StepwiseRunner` kernel is
:class:`~tslib.runner.fast.bf16_native.Bf16Kernel`: per step one C call with the gate
GEMM in bf16 (weights converted once, ``[x_t, h_{t-1}]`` per step, fp32 accumulation)
and the gate maths, the state and the output layer in fp32. The weights stay fp32 in
the model (the file does not shrink); only the step's GEMM runs in bf16.

Which paths use bf16: the runner's step, and ``forward`` in eval mode without autograd
(so :func:`~tslib.compression.one_step_mse` measures the bf16 error). ``step`` itself,
``forward`` in training or with autograd, and forecast roll-outs stay fp32.
:func:`bf16_native_support` says whether this machine can run it, with the reason.
"""

from __future__ import annotations

import copy

import torch

from tslib.encoders.base import check_encoder_input
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner.fast.bf16_native import (
    BF16_STEP,
    bf16_kernel,
    bf16_native_support,
    bf16_unsupported,
)

__all__ = ["Bf16NativeEncoder", "bf16_native", "bf16_native_support"]


class Bf16NativeEncoder(RecurrentEncoder):
    """A RecurrentEncoder (LSTM) that the runner steps with the native bf16 kernel.

    Made by :func:`bf16_native`; parameters and state are those of the fp32 model.
    ``fast_step = "bf16"`` asks :func:`tslib.runner.fast.select_kernel` for the bf16
    step (:data:`~tslib.runner.fast.bf16_native.BF16_STEP`); where that step cannot run
    (another device), the runner falls back to the fp32 kernels.
    """

    #: The fast step this model asks the runner for (see ``Bf16Step.request``).
    fast_step = BF16_STEP.request

    def forward(self, x: torch.Tensor, state=None) -> tuple[torch.Tensor, tuple]:
        """As :meth:`RecurrentEncoder.forward`; in eval mode without autograd, on the CPU,
        the steps run through the bf16 kernel (outputs (B, T, O) and the final state)."""
        if self.training or torch.is_grad_enabled() or x.device.type != "cpu":
            return super().forward(x, state)
        kernel = bf16_kernel(self, x.device)[0]
        if kernel is None:
            return super().forward(x, state)
        check_encoder_input(x, self.input_size, 3, "Bf16NativeEncoder.forward")
        batch, steps = x.shape[0], x.shape[1]
        if state is None:
            state = self.init_state(batch, x.device)
        self._check_state(state, batch, "Bf16NativeEncoder.forward")
        pool = tuple(s.detach().clone().contiguous() for s in state)  # (B, L, H) each
        index = torch.arange(batch)  # (B,)
        x = x.to(torch.float32)
        outputs = [kernel(x[:, t].contiguous(), pool, index) for t in range(steps)]  # (B, O)
        if not outputs:
            return x.new_zeros(batch, 0, self.n_outputs), pool
        return torch.stack(outputs, dim=1), pool  # (B, T, O)


def bf16_native(model: RecurrentEncoder) -> Bf16NativeEncoder:
    """A copy of ``model`` stepped by the runner with the native bf16 kernel.

    Parameters
    ----------
    model : RecurrentEncoder
        A float32 LSTM encoder on the CPU that the fp32 fast path supports.

    Returns
    -------
    Bf16NativeEncoder
        The copy (the original is not changed).

    Raises
    ------
    InputError
        The model is not supported (another cell, dtype or device, a custom step), or
        this machine cannot run the kernel (no ``avx512_bf16``, no compiler accepting
        ``-mavx512bf16``): the message gives the one-line reason.
    """
    reason = bf16_unsupported(model)
    if reason:
        raise InputError(f"bf16_native: {reason}")
    available, reason = bf16_native_support()
    if not available:
        raise InputError(f"bf16_native: {reason}")
    if type(model) is not RecurrentEncoder and not isinstance(model, Bf16NativeEncoder):
        raise InputError(f"bf16_native: expects a plain RecurrentEncoder, got {type(model)}")
    clone = copy.deepcopy(model)
    clone.__class__ = Bf16NativeEncoder  # same attributes; only the kernel and forward differ
    return clone
