"""How far a model's step-by-step outputs are from its one-shot forward: the stepwise contract.

Every encoder promises ``forward(x) == iterated step(x_t)`` (the contract suite checks it
on small configurations); a notebook checks it again on its trained models and real data.

Examples
--------
>>> import numpy as np
>>> from tslib.encoders import RecurrentEncoder
>>> model = RecurrentEncoder(2, 4, 1, seed=0)
>>> stepwise_gap(model, np.random.default_rng(0).normal(size=(20, 2))) <= 1e-5
True
"""

from __future__ import annotations

import numpy as np
import torch

from tslib.encoders.base import StepEncoder
from tslib.errors import InputError

__all__ = ["stepwise_gap"]


@torch.no_grad()
def stepwise_gap(model: StepEncoder, x: object) -> float:
    """Largest absolute difference between ``forward(x)`` and stepping through ``x``.

    Parameters
    ----------
    model : StepEncoder
        The model, in the mode it is used in (eval for a trained model).
    x : array_like
        One sequence (T, F) of inputs.

    Returns
    -------
    float
        ``max |forward(x) - stack(step(x_t))|`` over every step and output.
    """
    if not isinstance(model, StepEncoder):
        raise InputError(f"stepwise_gap: expected a StepEncoder, got {type(model).__name__}")
    inputs = torch.as_tensor(np.asarray(x, dtype=np.float32))[None]  # (1, T, F)
    if inputs.ndim != 3:
        raise InputError(f"stepwise_gap: x must be (T, F), got {tuple(inputs.shape[1:])}")
    full, _ = model(inputs)  # (1, T, O)
    state, stepped = model.init_state(1), []
    for t in range(inputs.shape[1]):
        out, state = model.step(inputs[:, t], state)  # (1, O)
        stepped.append(out)
    return float((torch.stack(stepped, dim=1) - full).abs().max())
