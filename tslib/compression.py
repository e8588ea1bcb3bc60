"""Model compression for stepwise encoders: int8 dynamic quantization and magnitude pruning.

* :func:`quantize_dynamic_int8` returns a :class:`QuantizedRecurrentEncoder`: the
  recurrent core (LSTM / GRU) and the output layer hold int8 weights
  (``torch.ao.quantization.quantize_dynamic``), and the model still *steps*, so a
  :class:`~tslib.runner.StepwiseRunner` can serve it (with its reference
  PlainKernel: the fused fast kernels need float weights).
* :func:`prune_magnitude` zeroes the smallest weights (L1 unstructured, via
  ``torch.nn.utils.prune``) of a copy, permanently.
* :func:`model_size_bytes` and :func:`one_step_mse` measure what was gained and lost.

Examples
--------
>>> import torch
>>> from tslib.encoders.recurrent import RecurrentEncoder
>>> _ = torch.manual_seed(0)
>>> model = RecurrentEncoder(1, 16, 1).eval()
>>> pruned = prune_magnitude(model, 0.5)
>>> round(sparsity(pruned)["core.weight_hh_l0"], 3)
0.5
>>> model_size_bytes(quantize_dynamic_int8(model)) < model_size_bytes(model)
True
"""

from __future__ import annotations

import copy
import io
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn.utils import prune

from tslib.encoders.base import State, check_encoder_input
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = [
    "QuantizedRecurrentEncoder",
    "model_size_bytes",
    "one_step_mse",
    "prune_magnitude",
    "quantize_dynamic_int8",
    "sparsity",
]


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


def _prunable(model: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """``(qualified name, module, parameter name)`` of every float weight matrix."""
    found = []
    for module_name, module in model.named_modules():
        for name, parameter in module.named_parameters(recurse=False):
            if name.startswith("weight") and parameter.dim() >= 2 and parameter.is_floating_point():
                found.append((f"{module_name}.{name}" if module_name else name, module, name))
    return found


def prune_magnitude(model: nn.Module, amount: float, inplace: bool = False) -> nn.Module:
    """Zero the ``amount`` fraction of smallest-magnitude entries of every weight matrix.

    Each weight matrix (``weight*`` parameters with two or more dimensions; biases
    are kept) loses exactly ``round(amount * numel)`` entries, chosen by
    ``torch.nn.utils.prune.L1Unstructured``. The zeros are written in place into the
    existing parameters (no re-parametrisation, no mask left behind), so the
    parameter objects stay the same and a fast runner kernel built on the model sees
    the change through the parameters' version counters.

    Parameters
    ----------
    model : torch.nn.Module
        Model to prune (not modified unless ``inplace``).
    amount : float
        Fraction in [0, 1].
    inplace : bool
        Prune ``model`` itself instead of a deep copy.

    Returns
    -------
    torch.nn.Module
        The pruned copy (or ``model``).

    Raises
    ------
    InputError
        ``amount`` outside [0, 1], or a model without weight matrices.
    """
    if not 0.0 <= float(amount) <= 1.0:
        raise InputError(f"prune_magnitude: amount must be in [0, 1], got {amount}")
    target = model if inplace else copy.deepcopy(model)
    weights = _prunable(target)
    if not weights:
        raise InputError(f"prune_magnitude: {type(model).__name__} has no weight matrices")
    method = prune.L1Unstructured(amount=float(amount))
    with torch.no_grad():
        for _, module, name in weights:
            parameter = getattr(module, name)
            mask = method.compute_mask(parameter, default_mask=torch.ones_like(parameter))
            parameter.mul_(mask)  # in place: same Parameter, version counter bumped
    return target


def sparsity(model: nn.Module) -> dict[str, float]:
    """Fraction of exact zeros in each weight matrix, by qualified parameter name."""
    return {
        qualified: float((getattr(module, name) == 0).float().mean())
        for qualified, module, name in _prunable(model)
    }


def model_size_bytes(model: nn.Module) -> int:
    """Bytes of ``torch.save(model.state_dict())`` (counts packed int8 weights correctly)."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def one_step_mse(
    model: RecurrentEncoder, series: torch.Tensor | np.ndarray, target_column: int = 0
) -> float:
    """Mean squared error of the model's one-step-ahead point forecasts over ``series``.

    The model reads ``series[:-1]`` with teacher forcing (one ``forward`` from a
    zero state); its point prediction after step t is compared with
    ``series[t + 1, target_column]``.

    Parameters
    ----------
    model : RecurrentEncoder
        Any stepwise encoder with ``input_size`` features and a point prediction.
    series : torch.Tensor or numpy.ndarray
        (N,) for a univariate model or (N, F); N >= 2, finite.
    target_column : int
        Column of ``series`` that is forecast.

    Returns
    -------
    float
        ``mean((point(y)[t, 0] - series[t + 1, target_column]) ** 2)`` over t < N - 1.

    Raises
    ------
    InputError
        Wrong shape, fewer than 2 steps, non-finite values or a bad column.
    """
    values = torch.as_tensor(np.asarray(series), dtype=torch.float32)
    if values.dim() == 1:
        values = values[:, None]  # (N, 1)
    if values.dim() != 2 or values.shape[0] < 2 or values.shape[1] != model.input_size:
        raise InputError(
            f"one_step_mse: series must be (N >= 2, {model.input_size}) or (N,), "
            f"got {tuple(np.shape(series))}"
        )
    if not torch.isfinite(values).all():
        raise InputError("one_step_mse: series holds NaN or inf")
    if not 0 <= target_column < values.shape[1]:
        raise InputError(f"one_step_mse: target_column {target_column} outside the series")
    with torch.inference_mode():
        y, _ = model(values[None, :-1])  # (1, N - 1, O)
        point = model.point(y[0])[:, 0]  # (N - 1,)
    return float((point - values[1:, target_column]).square().mean())
