"""Structured pruning: remove hidden units of an LSTM / GRU / RNN encoder.

:func:`prune_units` keeps the most important ``keep`` fraction of the hidden
units of every layer and returns an ordinary, smaller
:class:`~tslib.encoders.recurrent.RecurrentEncoder` (same registered class, a
smaller ``hidden_size``), so the runner's fused and native kernels serve it
unchanged and its step does less work: the gate GEMM shrinks with both its
input and its output width, about ``keep ** 2``.

A unit ``j`` of layer ``l`` owns the rows ``g * H + j`` of that layer's gate
weights and biases (one row per gate) and the column ``j`` of everything that
reads its hidden state: the layer's own ``W_hh``, the next layer's ``W_ih`` (or
the output layer). :func:`unit_importance` scores units by
``spread(h_j) * ||outgoing weights of j||`` (the size of what the unit
contributes downstream): the spread is the standard deviation of ``h_j`` on
data when ``x`` is given, and the norm of its incoming weights otherwise. With
data, the mean of each removed unit is folded into the biases that read it
(bias compensation), so a unit that is nearly constant is removed at almost no
cost.

Examples
--------
>>> import torch
>>> from tslib.encoders.recurrent import RecurrentEncoder
>>> model = RecurrentEncoder(2, 8, 1, seed=0).eval()
>>> small = prune_units(model, 0.5)
>>> type(small).__name__, small.hidden_size
('RecurrentEncoder', 4)
"""

from __future__ import annotations

import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = ["GATES", "check_prunable", "prune_units", "unit_importance"]

#: gate blocks per cell: rows of the gate weights that belong to one unit
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def check_prunable(model: object, where: str) -> RecurrentEncoder:
    """``model`` if it is a float :class:`RecurrentEncoder` (not a subclass), else InputError."""
    if type(model) is not RecurrentEncoder:
        raise InputError(f"{where}: expected a float RecurrentEncoder, got {type(model).__name__}")
    if not model._state_dtype().is_floating_point:
        raise InputError(f"{where}: the model's weights must be floating point")
    return model


def _gate_rows(cell: str, hidden_size: int, units: torch.Tensor) -> torch.Tensor:
    """Row indices of ``units`` in every gate block: (G * k,)."""
    return torch.cat([g * hidden_size + units for g in range(GATES[cell])])


def _readers(model: RecurrentEncoder, layer: int) -> list[torch.Tensor]:
    """The weight matrices whose columns read layer ``layer``'s hidden state."""
    weights = model.cell_weights()
    following = weights[layer + 1][0] if layer + 1 < model.num_layers else model.output.weight
    return [weights[layer][1], following]  # W_hh (G*H, H), W_ih next (G*H, H) or output (O, H)


@torch.no_grad()
def _hidden_statistics(model: RecurrentEncoder, x: torch.Tensor) -> list[tuple]:
    """Per layer, the mean and standard deviation of every unit's hidden state on ``x``."""
    was_training = model.training
    model.eval()
    try:
        x = x.to(model._state_dtype())
        state = model.init_state(x.shape[0], x.device)
        hidden = []
        for t in range(x.shape[1]):
            _, state = model.core_step(x[:, t], state)
            hidden.append(state[0])  # (B, L, H)
        stacked = torch.stack(hidden, 1).flatten(0, 1)  # (B * T, L, H)
    finally:
        model.train(was_training)
    return [
        (stacked[:, layer].mean(0), stacked[:, layer].std(0)) for layer in range(model.num_layers)
    ]


def unit_importance(model: RecurrentEncoder, x: torch.Tensor | None = None) -> list[torch.Tensor]:
    """Importance of every hidden unit, per layer: higher means keep.

    Parameters
    ----------
    model : RecurrentEncoder
        A float recurrent encoder.
    x : torch.Tensor, optional
        Training inputs (N, T, F); with them, a unit's spread is the standard
        deviation of its hidden state over all windows and steps (from a zero state).

    Returns
    -------
    list of torch.Tensor
        One (H,) tensor per layer: ``spread * ||outgoing columns||_2``.

    Raises
    ------
    InputError
        Not a float RecurrentEncoder, or ``x`` of the wrong shape.
    """
    check_prunable(model, "unit_importance")
    statistics = None if x is None else _hidden_statistics(model, _check_inputs(model, x))
    return _scores(model, statistics)


def _scores(model: RecurrentEncoder, statistics: list[tuple] | None) -> list[torch.Tensor]:
    """``spread * ||outgoing columns||`` per layer, (H,) each (see :func:`unit_importance`)."""
    scores = []
    for layer, (w_ih, w_hh, _, _) in enumerate(model.cell_weights()):
        outgoing = torch.cat(_readers(model, layer)).detach().norm(dim=0)  # (H,)
        if statistics is None:
            incoming = torch.cat([w_ih, w_hh], 1).detach()  # (G*H, In + H)
            spread = incoming.view(GATES[model.cell], model.hidden_size, -1).norm(dim=(0, 2))
        else:
            spread = statistics[layer][1]  # (H,)
        scores.append(spread * outgoing)  # (H,)
    return scores


def _check_inputs(model: RecurrentEncoder, x: object) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[-1] != model.input_size:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"prune_units: x must be a tensor (N, T, {model.input_size}), got {shape}")
    if x.shape[0] == 0 or x.shape[1] == 0 or not torch.isfinite(x).all():
        raise InputError("prune_units: x must hold at least one finite step")
    return x


def prune_units(
    model: RecurrentEncoder, keep: float, x: torch.Tensor | None = None
) -> RecurrentEncoder:
    """A smaller copy of ``model`` that keeps the most important hidden units of each layer.

    Parameters
    ----------
    model : RecurrentEncoder
        A float recurrent encoder (any cell, layers, head); it is not modified.
    keep : float
        Fraction of hidden units kept, in (0, 1]; every layer keeps
        ``max(1, round(keep * hidden_size))`` units. ``keep=1`` returns an exact copy.
    x : torch.Tensor, optional
        Training inputs (N, T, F) for activation-based importance and bias
        compensation (see the module docstring); without them, weight norms.

    Returns
    -------
    RecurrentEncoder
        Same hyperparameters but ``hidden_size``, on the same device and dtype, in
        the same train / eval mode. Fine-tune it (:func:`~tslib.compression.distill`).

    Raises
    ------
    InputError
        ``keep`` outside (0, 1], a model that is not a float RecurrentEncoder, or bad ``x``.
    """
    check_prunable(model, "prune_units")
    if isinstance(keep, bool) or not isinstance(keep, (int, float)) or not 0.0 < keep <= 1.0:
        raise InputError(f"prune_units: keep must be a fraction in (0, 1], got {keep!r}")
    size = model.hidden_size
    kept = max(1, round(keep * size))
    statistics = None if x is None else _hidden_statistics(model, _check_inputs(model, x))
    scores = _scores(model, statistics)
    units = [torch.sort(torch.topk(s, kept).indices).values for s in scores]  # (k,) each
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    for layer in range(model.num_layers):
        rows = _gate_rows(model.cell, size, units[layer].to(scores[layer].device))
        columns_in = units[layer - 1] if layer > 0 else None
        w_ih = state[f"core.weight_ih_l{layer}"]
        w_ih = w_ih[rows] if columns_in is None else w_ih[rows][:, columns_in]
        state[f"core.weight_ih_l{layer}"] = w_ih
        state[f"core.weight_hh_l{layer}"] = state[f"core.weight_hh_l{layer}"][rows][:, units[layer]]
        for name in (f"core.bias_ih_l{layer}", f"core.bias_hh_l{layer}"):
            state[name] = state[name][rows]
    state["output.weight"] = state["output.weight"][:, units[-1]]
    if statistics is not None and kept < size:
        _compensate(model, state, units, statistics)
    params = model.get_params()
    params["hidden_size"] = kept
    small = RecurrentEncoder(**params)
    small.load_state_dict(state)
    parameter = next(model.parameters())
    return small.to(device=parameter.device, dtype=parameter.dtype).train(model.training)


def _compensate(
    model: RecurrentEncoder, state: dict, units: list[torch.Tensor], statistics: list[tuple]
) -> None:
    """Fold the mean of each removed unit into the biases of the weights that read it."""
    size = model.hidden_size
    for layer in range(model.num_layers):
        removed = torch.ones(size, dtype=torch.bool, device=statistics[layer][0].device)
        removed[units[layer]] = False
        mean = statistics[layer][0] * removed  # (H,) zero on kept units
        w_hh, following = _readers(model, layer)
        rows = _gate_rows(model.cell, size, units[layer])
        offset = w_hh.detach() @ mean  # (G*H,)
        if model.cell == "gru":
            offset[2 * size :] = 0  # the GRU's W_hn h sits inside r * (...): not an offset
        state[f"core.bias_hh_l{layer}"] += offset[rows]
        if layer + 1 < model.num_layers:
            next_rows = _gate_rows(model.cell, size, units[layer + 1])
            state[f"core.bias_ih_l{layer + 1}"] += (following.detach() @ mean)[next_rows]
        else:
            state["output.bias"] += following.detach() @ mean  # (O,)
