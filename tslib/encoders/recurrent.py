"""Recurrent encoder (RNN / LSTM / GRU) whose single-step cell equals the fused forward.

``forward`` runs torch's fused ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN``; ``step``
runs ``torch.lstm_cell`` / ``torch.gru_cell`` / ``torch.rnn_tanh_cell`` layer by
layer on the very same parameters, so iterating ``step`` reproduces ``forward``.

The state is batch-first: ``(h, c)`` for an LSTM and ``(h,)`` otherwise, each
tensor shaped (B, num_layers, hidden_size).

Examples
--------
>>> import torch
>>> _ = torch.manual_seed(0)
>>> model = RecurrentEncoder(input_size=3, hidden_size=8, output_size=2, cell="gru").eval()
>>> x = torch.randn(4, 6, 3)
>>> y, state = model(x)
>>> y.shape, [s.shape for s in state]
(torch.Size([4, 6, 2]), [torch.Size([4, 1, 8])])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from tslib.encoders.base import (
    State,
    StepEncoder,
    check_encoder_input,
    check_state,
    register_encoder,
    seeded_init,
)
from tslib.encoders.heads import Head, make_head
from tslib.errors import InputError

__all__ = ["RecurrentEncoder", "CELLS", "check_feedback_inputs"]

#: cell name -> (fused module class, single-step function)
CELLS = {
    "lstm": (nn.LSTM, torch.lstm_cell),
    "gru": (nn.GRU, torch.gru_cell),
    "rnn": (nn.RNN, torch.rnn_tanh_cell),
}


def check_feedback_inputs(
    feedback_inputs: tuple[int, ...], input_size: int, point_width: int, where: str
) -> tuple[int, ...]:
    """Validate autoregressive input columns and return them as a tuple of ints."""
    columns = tuple(int(c) for c in feedback_inputs)
    if len(set(columns)) != len(columns) or any(not 0 <= c < input_size for c in columns):
        raise InputError(
            f"{where}: feedback_inputs {feedback_inputs} must be distinct columns in "
            f"[0, {input_size})"
        )
    if len(columns) > point_width:
        raise InputError(
            f"{where}: {len(columns)} feedback_inputs but the point prediction has only "
            f"{point_width} values"
        )
    return columns


@register_encoder("recurrent")
class RecurrentEncoder(StepEncoder):
    """Stacked RNN / LSTM / GRU followed by a linear output layer and a head.

    Parameters
    ----------
    input_size : int
        Features per step, F.
    hidden_size : int
        Hidden units per layer, H.
    output_size : int
        Targets per step (classes for ``head="class"``).
    num_layers : int
        Stacked recurrent layers, L.
    cell : {"lstm", "gru", "rnn"}
        Recurrent cell; ``"rnn"`` is the Elman cell with tanh.
    head : str, Head or None
        Output head (see :func:`~tslib.encoders.heads.make_head`); ``None`` is a point head.
    feedback_inputs : tuple of int
        Input columns fed with the point prediction in autoregressive forecasts.
    dropout : float
        Dropout between stacked layers (training only).
    seed : int or None
        Seed of the initial weights (see :func:`~tslib.encoders.base.seeded_init`);
        ``None`` draws them from torch's global generator.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        num_layers: int = 1,
        cell: str = "lstm",
        head: str | Head | None = None,
        feedback_inputs: tuple[int, ...] = (),
        dropout: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise InputError(f"RecurrentEncoder: unknown cell {cell!r}; use one of {sorted(CELLS)}")
        if min(input_size, hidden_size, output_size, num_layers) < 1:
            raise InputError("RecurrentEncoder: sizes and num_layers must be positive")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.num_layers = num_layers
        self.cell = cell
        self.head_spec = head
        self.dropout = dropout
        self.seed = seed
        self.head = make_head(head, output_size)
        self.feedback_inputs = check_feedback_inputs(
            feedback_inputs, input_size, self.head.n_targets, "RecurrentEncoder"
        )
        fused_class, _ = CELLS[cell]
        extra = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        with seeded_init(seed):
            self.core = fused_class(
                input_size,
                hidden_size,
                num_layers=num_layers,
                batch_first=True,
                dropout=dropout if num_layers > 1 else 0.0,
                **extra,
            )
            self.output = nn.Linear(hidden_size, self.head.n_outputs)

    def get_params(self) -> dict:
        return {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "output_size": self.output_size,
            "num_layers": self.num_layers,
            "cell": self.cell,
            "head": self.head_spec,
            "feedback_inputs": self.feedback_inputs,
            "dropout": self.dropout,
            "seed": self.seed,
        }

    @classmethod
    def test_config(cls) -> list[dict]:
        return [
            {"input_size": 3, "hidden_size": 5, "output_size": 2, "cell": "lstm"},
            {"input_size": 3, "hidden_size": 4, "output_size": 1, "num_layers": 2,
             "cell": "lstm", "head": "quantile", "feedback_inputs": (0,)},
            {"input_size": 2, "hidden_size": 5, "output_size": 2, "cell": "gru",
             "head": "gaussian"},
            {"input_size": 3, "hidden_size": 4, "output_size": 2, "num_layers": 2,
             "cell": "gru", "feedback_inputs": (2, 0)},
            {"input_size": 3, "hidden_size": 5, "output_size": 4, "cell": "rnn",
             "head": "class"},
            {"input_size": 2, "hidden_size": 4, "output_size": 1, "num_layers": 2,
             "cell": "rnn"},
        ]  # fmt: skip

    # ------------------------------------------------------------------ state
    def _state_shapes(self, batch_size: int) -> list[tuple[int, ...]]:
        count = 2 if self.cell == "lstm" else 1
        return [(batch_size, self.num_layers, self.hidden_size)] * count

    def _float_parameter(self) -> torch.Tensor | None:
        """A float parameter that sets the state dtype and device: the recurrent core's
        first weight, else the output layer's (``None`` when both are quantized)."""
        for module in (self.core, self.output):  # leaf modules: their own parameters only
            for parameter in module._parameters.values():
                if parameter is not None and parameter.is_floating_point():
                    return parameter
        return None

    def _state_dtype(self) -> torch.dtype:
        """dtype of the state and the inputs (float32 for fully quantized models)."""
        parameter = self._float_parameter()
        return torch.float32 if parameter is None else parameter.dtype

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """Zero state: ``(h, c)`` or ``(h,)``, each (B, num_layers, hidden_size)."""
        parameter = self._float_parameter()  # robust to a dynamically quantized output layer
        dtype = torch.float32 if parameter is None else parameter.dtype
        if device is None:
            device = "cpu" if parameter is None else parameter.device
        return tuple(
            torch.zeros(shape, dtype=dtype, device=device)
            for shape in self._state_shapes(batch_size)
        )

    def state_bytes_per_stream(self) -> int:
        """Bytes of state one stream needs (independent of how long it has run)."""
        itemsize = self._state_dtype().itemsize
        return sum(int(torch.Size(s).numel()) * itemsize for s in self._state_shapes(1))

    def _check_state(self, state: State, batch_size: int, where: str) -> None:
        shapes = self._state_shapes(batch_size)
        check_state(state, shapes, [self._state_dtype()] * len(shapes), where)

    def cell_weights(self) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per layer ``(W_ih, W_hh, b_ih, b_hh)`` in torch's gate order (shared with forward).

        Shapes: W_ih (G*H, F or H), W_hh (G*H, H), biases (G*H,), with G = 4 (LSTM:
        i, f, g, o), 3 (GRU: r, z, n) or 1 (RNN). The output layer is ``self.output``.
        """
        return [
            (
                getattr(self.core, f"weight_ih_l{layer}"),
                getattr(self.core, f"weight_hh_l{layer}"),
                getattr(self.core, f"bias_ih_l{layer}"),
                getattr(self.core, f"bias_hh_l{layer}"),
            )
            for layer in range(self.num_layers)
        ]

    # ------------------------------------------------------------- compute
    def core_step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """One step of the recurrent stack only: ``x_t`` (B, F) -> top hidden (B, H)."""
        _, cell_fn = CELLS[self.cell]
        inputs = x_t  # (B, F)
        new_h, new_c = [], []
        for layer, weights in enumerate(self.cell_weights()):
            if self.cell == "lstm":
                h, c = cell_fn(inputs, (state[0][:, layer], state[1][:, layer]), *weights)
                new_c.append(c)  # (B, H)
            else:
                h = cell_fn(inputs, state[0][:, layer], *weights)  # (B, H)
            new_h.append(h)
            inputs = h
            if layer < self.num_layers - 1 and self.dropout > 0:
                inputs = F.dropout(inputs, self.dropout, self.training)
        hidden = torch.stack(new_h, dim=1)  # (B, L, H)
        new_state = (hidden, torch.stack(new_c, dim=1)) if self.cell == "lstm" else (hidden,)
        return inputs, new_state

    def core_forward(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """The fused recurrent stack only: ``x`` (B, T, F) -> hidden (B, T, H) and state."""
        torch_state = tuple(s.transpose(0, 1).contiguous() for s in state)  # (L, B, H) each
        hidden, final = self.core(x, torch_state if self.cell == "lstm" else torch_state[0])
        final = final if self.cell == "lstm" else (final,)
        return hidden, tuple(s.transpose(0, 1) for s in final)  # (B, T, H), (B, L, H)

    def step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Advance one step: ``x_t`` (B, F) -> raw outputs (B, n_outputs) and the new state."""
        check_encoder_input(x_t, self.input_size, 2, "RecurrentEncoder.step")
        self._check_state(state, x_t.shape[0], "RecurrentEncoder.step")
        x_t = x_t.to(self._state_dtype())
        hidden, new_state = self.core_step(x_t, state)  # (B, H)
        return self.output(hidden), new_state  # (B, O)

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Encode ``x`` (B, T, F) -> raw outputs (B, T, n_outputs) and the final state."""
        check_encoder_input(x, self.input_size, 3, "RecurrentEncoder.forward")
        batch_size, steps = x.shape[0], x.shape[1]
        if state is None:
            state = self.init_state(batch_size, x.device)
        self._check_state(state, batch_size, "RecurrentEncoder.forward")
        if steps == 0:
            return x.new_zeros(batch_size, 0, self.n_outputs), state
        hidden, final = self.core_forward(x.to(self._state_dtype()), state)  # (B, T, H)
        return self.output(hidden), final  # (B, T, O)
