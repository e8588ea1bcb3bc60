"""The Pareto table of compression methods: size, step latency and held-out error.

:func:`pareto_table` compresses one trained recurrent encoder several ways and
measures each variant the same way, side by side in one process: serialized
size, median µs per ``StepwiseRunner.step`` at 1 and many streams (the fast path
the runner picks by default), and the one-step-ahead MSE on a held-out series.
The benchmark (``benchmarks/bench_compression.py``) and notebook 00 both show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from tslib.compression.latency import step_latency
from tslib.compression.measures import model_size_bytes, one_step_mse
from tslib.compression.precision import precision_support
from tslib.compression.structured import check_prunable
from tslib.compression.variants import compressed_variants
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError

__all__ = ["PARETO_COLUMNS", "pareto_table"]

#: columns of the table, besides ``step_us_<n>`` and ``speedup_<n>`` per stream count
PARETO_COLUMNS = ["hidden_size", "parameters", "size_bytes", "test_mse", "mse_change_pct", "note"]


def pareto_table(
    model: RecurrentEncoder,
    train: tuple[torch.Tensor, torch.Tensor],
    test: np.ndarray | torch.Tensor,
    *,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    keep: Sequence[float] = (0.5, 0.25),
    alpha: float = 0.5,
    fit_options: Mapping[str, object] | None = None,
    magnitude: float | None = 0.5,
    int8_dynamic: bool = True,
    bf16: bool = True,
    bf16_native_step: bool = True,
    streams: Sequence[int] = (1, 4096),
    rounds: int = 7,
    target_column: int = 0,
    variants: Mapping[str, tuple[nn.Module, str]] | None = None,
) -> pd.DataFrame:
    """Compress ``model`` several ways; tabulate size, step latency and held-out error.

    Parameters
    ----------
    model : RecurrentEncoder
        The trained float32 model (CPU); not modified.
    train, val : tuple
        ``(x (N, T, F), y (N, T, n_targets))`` windows the model was trained on;
        ``train[0]`` also gives the activation statistics for pruning, and ``val``
        early-stops the distillation.
    test : numpy.ndarray or torch.Tensor
        (N,) or (N, F) held-out series after the training span; the error is
        :func:`~tslib.compression.one_step_mse` on it.
    keep : sequence of float
        Fractions of hidden units kept by structured pruning (each in (0, 1]); each
        gives a row without fine-tuning and a row distilled from ``model``.
    alpha : float
        Target weight of the distillation loss (see :func:`~tslib.compression.distill`).
    fit_options : Mapping, optional
        Passed to ``distill`` / ``fit``; default ``epochs=20, lr=1e-2, patience=4, seed=0``.
    magnitude : float or None
        Fraction zeroed by unstructured magnitude pruning (None: no such row).
    int8_dynamic, bf16 : bool
        Add the dynamic int8 row, and the bf16 row (measured only where the CPU
        has native bf16; elsewhere the row says why not, with empty timings).
    bf16_native_step : bool
        Add the ``"bf16 native step"`` row (:func:`~tslib.compression.bf16_native`)
        where the native bf16 step runs (an LSTM on an AVX512-BF16 CPU).
    streams : sequence of int
        Stream counts timed per step call.
    rounds : int
        Interleaved timing rounds (median reported).
    target_column : int
        Forecast column of ``test``.
    variants : Mapping, optional
        Precomputed ``name -> (model, note)`` from
        :func:`~tslib.compression.compressed_variants` (whose first entry is the full
        model, ``"fp32 full"``); then ``keep`` to ``bf16`` only decide the bf16 reason row.

    Returns
    -------
    pandas.DataFrame
        Index ``method``; columns ``hidden_size``, ``parameters`` (float parameters of
        the architecture), ``size_bytes`` (serialized state dict), ``step_us_<n>``
        (median µs per runner step at n streams), ``speedup_<n>`` (full model's time /
        this one's), ``test_mse``, ``mse_change_pct`` (vs the full model) and ``note``.
        ``attrs["timings"]`` holds every timing's median and quartiles ("method @ n").

    Raises
    ------
    InputError
        ``model`` is not a float RecurrentEncoder, bad ``keep`` or data.
    """
    check_prunable(model, "pareto_table")
    if model._state_dtype() != torch.float32:
        raise InputError("pareto_table: the full model must be float32")
    model = model.cpu().eval()
    if variants is None:
        variants = compressed_variants(
            model, train, val, keep=keep, alpha=alpha, fit_options=fit_options,
            magnitude=magnitude, int8_dynamic=int8_dynamic, bf16=bf16,
            bf16_native_step=bf16_native_step,
        )  # fmt: skip
    elif next(iter(variants), None) != "fp32 full":
        raise InputError("pareto_table: variants must start with the full model, 'fp32 full'")
    support = precision_support()
    latency, timings = step_latency({name: m for name, (m, _) in variants.items()}, streams, rounds)
    base_mse = one_step_mse(model, test, target_column)
    rows = []
    for name, (variant, note) in variants.items():
        mse = one_step_mse(variant.eval(), test, target_column)
        architecture = variant if type(variant) is RecurrentEncoder else model
        rows.append(
            {
                "method": name,
                "hidden_size": architecture.hidden_size,
                "parameters": sum(p.numel() for p in architecture.parameters()),
                "size_bytes": model_size_bytes(variant),
                "test_mse": mse,
                "mse_change_pct": 100.0 * (mse - base_mse) / base_mse,
                "note": note,
            }
        )
    if bf16 and not support.bf16 and "bf16" not in variants:
        rows.append({"method": "bf16", "note": support.bf16_reason})
    table = pd.DataFrame(rows).set_index("method")
    for n in streams:
        column = f"step_us_{n}"
        table[column] = latency[column]
        table[f"speedup_{n}"] = latency[column].loc["fp32 full"] / table[column]
    order = [c for c in PARETO_COLUMNS if c != "note"]
    timing_columns = [f"{kind}_{n}" for n in streams for kind in ("step_us", "speedup")]
    table = table[order[:3] + timing_columns + order[3:] + ["note"]]
    table = table.astype({c: float for c in timing_columns})
    table.attrs["timings"] = {f"{name} @ {n}": t.as_dict() for (name, n), t in timings.items()}
    return table
