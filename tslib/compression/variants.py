"""Every compressed variant of one trained recurrent encoder, ready to be compared.

:func:`compressed_variants` builds, from one trained float32 model: structured
pruning of hidden units without and with distillation, unstructured magnitude
pruning, torch dynamic int8 and, where the CPU has native bf16, a bf16 copy and the
native bf16 LSTM step.
:func:`~tslib.compression.pareto_table` measures them side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from tslib.compression.bf16_native import bf16_native, bf16_native_support
from tslib.compression.distill import distill
from tslib.compression.magnitude import prune_magnitude
from tslib.compression.precision import precision_support, reduced_precision
from tslib.compression.quantize import quantize_dynamic_int8
from tslib.compression.structured import check_prunable, prune_units
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.runner.fast.bf16_native import bf16_unsupported

__all__ = ["DISTILL_DEFAULTS", "compressed_variants"]

#: ``fit`` options of the distillation unless overridden
DISTILL_DEFAULTS = {"epochs": 20, "lr": 1e-2, "patience": 4, "seed": 0}


def compressed_variants(
    model: RecurrentEncoder,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    *,
    keep: Sequence[float] = (0.5, 0.25),
    alpha: float = 0.5,
    fit_options: Mapping[str, object] | None = None,
    magnitude: float | None = 0.5,
    int8_dynamic: bool = True,
    bf16: bool = True,
    bf16_native_step: bool = True,
) -> dict[str, tuple[nn.Module, str]]:
    """Name -> (model, note) for every variant, the full model (``"fp32 full"``) first.

    Parameters are those of :func:`~tslib.compression.pareto_table`; ``fit_options``
    default to :data:`DISTILL_DEFAULTS`. The bf16 copy is made only where
    :func:`~tslib.compression.precision_support` finds native bf16; the
    ``"bf16 native step"`` row (:func:`~tslib.compression.bf16_native`: bf16 GEMM in
    the native LSTM step, fp32 state) only where
    :func:`~tslib.compression.bf16_native_support` finds it can run.

    Raises
    ------
    InputError
        ``model`` is not a float32 RecurrentEncoder, bad ``keep`` or data.
    """
    check_prunable(model, "compressed_variants")
    if model._state_dtype() != torch.float32:
        raise InputError("compressed_variants: the full model must be float32")
    options = {**DISTILL_DEFAULTS, **(fit_options or {})}
    variants = {"fp32 full": (model, "the trained model")}
    for fraction in keep:
        pruned = prune_units(model, fraction, train[0])
        variants[f"units {fraction:.0%}, no fine-tuning"] = (
            pruned,
            "structured pruning only (activation importance, bias compensation)",
        )
        student = prune_units(model, fraction, train[0])
        history = distill(student, model, train, val, alpha=alpha, **options)
        variants[f"units {fraction:.0%} + distilled"] = (
            student,
            f"pruned, then distilled (alpha={alpha}, {len(history)} epochs)",
        )
    if magnitude is not None:
        variants[f"magnitude {magnitude:.0%} zeros"] = (
            prune_magnitude(model, magnitude),
            "unstructured: dense tensors, so the same work per step",
        )
    if int8_dynamic:
        variants["int8 dynamic"] = (
            quantize_dynamic_int8(model),
            "torch dynamic int8 (PlainKernel: the fused kernels need float weights)",
        )
    support = precision_support()
    if bf16 and support.bf16:
        note = f"bf16 weights and state; {support.bf16_reason}"
        variants["bf16"] = (reduced_precision(model), note)
    if bf16_native_step and not bf16_unsupported(model) and bf16_native_support()[0]:
        variants["bf16 native step"] = (
            bf16_native(model),
            "native step: bf16 GEMM (vdpbf16ps, fp32 sums), fp32 gates and state; "
            "fp32 weights on disk",
        )
    return variants
