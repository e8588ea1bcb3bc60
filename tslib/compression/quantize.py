"""Dynamic int8 quantization of a recurrent encoder that still steps.

:func:`quantize_dynamic_int8` returns a :class:`QuantizedRecurrentEncoder`: the
recurrent core (LSTM / GRU) and the output layer hold int8 weights
(``torch.ao.quantization.quantize_dynamic``), and the model still *steps*, so a
:class:`~tslib.runner.StepwiseRunner` can serve it (with its reference
PlainKernel: the fused fast kernels need float weights).

Examples
--------
>>> import torch
>>> from tslib.compression import model_size_bytes
>>> _ = torch.manual_seed(0)
>>> model = RecurrentEncoder(1, 16, 1).eval()
>>> model_size_bytes(quantize_dynamic_int8(model)) < model_size_bytes(model)
True
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from tslib.encoders.base import State, check_encoder_input
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = ["QuantizedRecurrentEncoder", "quantize_dynamic_int8"]


class QuantizedRecurrentEncoder(RecurrentEncoder):
    """A :class:`RecurrentEncoder` that can step with dynamically quantized modules.

    Built by :func:`quantize_dynamic_int8`. torch's quantized LSTM / GRU have no
    per-cell weights, so ``core_step`` runs the quantized core over a sequence of
    length one. Dynamic quantization scales each call's activations by their own
    range, so the fused forward over T steps (one scale for the whole sequence)
    would differ from T single steps by about 1e-3; ``forward`` therefore iterates
    ``step`` and the stepwise contract holds exactly.

    Notes
    -----
    The activation range is taken over the whole batch, so a stream's output
    depends slightly on which streams share its batch (exact only batch by batch).
    ``clone()`` returns an untrained *float* model of this class.
    """

    def core_step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """One step of the (quantized) core: ``x_t`` (B, F) -> top hidden (B, H)."""
        hidden, new_state = self.core_forward(x_t[:, None], state)  # (B, 1, H)
        return hidden[:, 0], new_state  # (B, H)

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Iterate :meth:`step` over ``x`` (B, T, F) -> outputs (B, T, O) and the final state."""
        check_encoder_input(x, self.input_size, 3, "QuantizedRecurrentEncoder.forward")
        batch_size, steps = x.shape[0], x.shape[1]
        state = self.init_state(batch_size, x.device) if state is None else state
        self._check_state(state, batch_size, "QuantizedRecurrentEncoder.forward")
        outputs = []
        for t in range(steps):
            y_t, state = self.step(x[:, t], state)  # (B, O)
            outputs.append(y_t)
        if not outputs:
            return x.new_zeros(batch_size, 0, self.n_outputs), state
        return torch.stack(outputs, dim=1), state  # (B, T, O)


def quantize_dynamic_int8(model: RecurrentEncoder) -> QuantizedRecurrentEncoder:
    """A copy of ``model`` with int8 weights in its LSTM / GRU core and output layer.

    Parameters
    ----------
    model : RecurrentEncoder
        A trained float32 model (CPU); it is not modified.

    Returns
    -------
    QuantizedRecurrentEncoder
        In eval mode, on the CPU. An Elman (``"rnn"``) core stays float: torch has
        no dynamically quantized ``nn.RNN``; only its output layer is quantized.

    Raises
    ------
    InputError
        ``model`` is not a float32 RecurrentEncoder.

    Notes
    -----
    Uses ``torch.ao.quantization.quantize_dynamic`` (fbgemm / onednn kernels),
    which torch has deprecated in favour of the separate torchao package; its
    deprecation warnings are silenced here.
    """
    if not isinstance(model, RecurrentEncoder) or isinstance(model, QuantizedRecurrentEncoder):
        raise InputError(
            f"quantize_dynamic_int8: expected a float RecurrentEncoder, got {type(model).__name__}"
        )
    if model._state_dtype() != torch.float32:
        raise InputError(
            f"quantize_dynamic_int8: the model must be float32, not {model._state_dtype()}"
        )
    quantized = QuantizedRecurrentEncoder(**model.get_params())
    quantized.load_state_dict(model.state_dict())
    quantized = quantized.cpu().eval()
    modules: set[type[nn.Module]] = {nn.Linear}
    if model.cell in ("lstm", "gru"):
        modules.add(type(model.core))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*deprecated.*")
        torch.ao.quantization.quantize_dynamic(quantized, modules, dtype=torch.qint8, inplace=True)
    return quantized
