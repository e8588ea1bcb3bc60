"""Unstructured magnitude pruning: zero the smallest weights of every weight matrix.

The tensors stay dense, so a dense kernel does the same work: this makes the
model compressible, not faster (see :mod:`tslib.compression.structured` for
pruning that shrinks the step).

Examples
--------
>>> import torch
>>> from tslib.encoders.recurrent import RecurrentEncoder
>>> _ = torch.manual_seed(0)
>>> model = RecurrentEncoder(1, 16, 1).eval()
>>> pruned = prune_magnitude(model, 0.5)
>>> round(sparsity(pruned)["core.weight_hh_l0"], 3)
0.5
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils import prune

from tslib.errors import InputError

__all__ = ["prune_magnitude", "sparsity"]


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
