"""The three stepwise forecasters the domain notebooks compare, built by one name.

``make_forecaster("lstm" | "gru" | "transformer", ...)`` returns a
:class:`~tslib.encoders.recurrent.RecurrentEncoder` or a
:class:`~tslib.encoders.transformer.CausalTransformerEncoder` with matching
sizes, so a notebook can loop over the kinds with one set of hyperparameters:
``hidden`` is the LSTM / GRU hidden size and the transformer width (two heads,
two layers, a ``context``-step attention window).

Examples
--------
>>> model = make_forecaster("gru", input_size=3, output_size=2, hidden=8, head="gaussian", seed=0)
>>> type(model).__name__, model.cell, model.n_outputs
('RecurrentEncoder', 'gru', 4)
"""

from __future__ import annotations

from tslib.encoders.base import StepEncoder
from tslib.encoders.heads import Head
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.errors import InputError

__all__ = ["FORECASTER_KINDS", "make_forecaster"]

#: The kinds :func:`make_forecaster` builds.
FORECASTER_KINDS = ("lstm", "gru", "transformer")


def make_forecaster(
    kind: str,
    input_size: int,
    output_size: int,
    *,
    hidden: int = 32,
    context: int = 64,
    d_model: int | None = None,
    n_heads: int = 2,
    head: str | Head | None = "gaussian",
    feedback_inputs: tuple[int, ...] = (),
    seed: int | None = None,
) -> StepEncoder:
    """Build an LSTM, a GRU or a causal transformer forecaster.

    Parameters
    ----------
    kind : {"lstm", "gru", "transformer"}
        Architecture.
    input_size, output_size : int
        Features per step and targets per step (classes for ``head="class"``).
    hidden : int
        Hidden size (recurrent) or model width (transformer, a multiple of 2).
    context : int
        Attention window of the transformer, in steps.
    d_model : int or None
        Width of the transformer when it should differ from ``hidden``.
    n_heads : int
        Attention heads of the transformer (a divisor of its width).
    head : str, Head or None
        Output head, see :func:`~tslib.encoders.heads.make_head`.
    feedback_inputs : tuple of int
        Input columns fed with the point prediction in multi-step forecasts.
    seed : int or None
        Seed of the initial weights.
    """
    if kind in ("lstm", "gru"):
        return RecurrentEncoder(
            input_size,
            hidden,
            output_size,
            cell=kind,
            head=head,
            feedback_inputs=feedback_inputs,
            seed=seed,
        )
    if kind == "transformer":
        return CausalTransformerEncoder(
            input_size,
            hidden if d_model is None else d_model,
            output_size,
            n_heads=n_heads,
            num_layers=2,
            context=context,
            head=head,
            feedback_inputs=feedback_inputs,
            seed=seed,
        )
    raise InputError(f"make_forecaster: unknown kind {kind!r}; use one of {FORECASTER_KINDS}")
