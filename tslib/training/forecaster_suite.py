"""Train several forecaster architectures on the same windows, one history row each.

A domain notebook compares LSTM, GRU and the causal transformer on identical data:
the same training and validation windows, the same schedule, seeds that differ only
by architecture. :func:`fit_forecasters` builds each with
:func:`~tslib.encoders.zoo.make_forecaster` (weights seeded ``weight_seed + k`` for the
k-th kind),
trains it with :func:`~tslib.training.fit.fit` (optionally with a per-target weighted
head loss) and tables what happened.

Examples
--------
>>> import torch
>>> x = torch.randn(8, 12, 2)
>>> windows = ((x[:6], x[:6, :, :1]), (x[6:], x[6:, :, :1]))
>>> models, table = fit_forecasters(["lstm", "gru"], windows, 2, 1, hidden=4, weight_seed=0,
...                                 epochs=1, seed=0, device="cpu", progress=False)
>>> list(models), table["model"].tolist(), int(table["train windows"].iloc[0])
(['lstm', 'gru'], ['lstm', 'gru'], 6)
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from tslib.encoders.base import StepEncoder
from tslib.encoders.zoo import make_forecaster
from tslib.errors import InputError
from tslib.training.fit import fit
from tslib.training.weighted_loss import weighted_head_loss

__all__ = ["fit_forecasters"]


def fit_forecasters(
    kinds: Sequence[str],
    windows: tuple,
    input_size: int,
    output_size: int,
    *,
    hidden: int = 32,
    context: int = 64,
    head: str = "gaussian",
    feedback_inputs: tuple[int, ...] = (),
    target_weights: Sequence[float] | None = None,
    weight_seed: int = 0,
    **fit_options,
) -> tuple[dict[str, StepEncoder], pd.DataFrame]:
    """Build and train one forecaster per kind on ``windows``.

    Parameters
    ----------
    kinds : sequence of str
        Architectures (``"lstm"``, ``"gru"``, ``"transformer"``), in training order.
    windows : tuple
        ``(train, val)`` as :func:`~tslib.training.windows.make_windows` returns with
        ``split=`` (``val`` may be None).
    input_size, output_size : int
        Features per step, and targets per step (classes for ``head="class"``).
    hidden, context, head, feedback_inputs
        Passed to :func:`~tslib.encoders.zoo.make_forecaster`.
    target_weights : sequence of float, optional
        Loss weight of each predicted target
        (:func:`~tslib.training.weighted_loss.weighted_head_loss`); default: the head's
        own loss.
    weight_seed : int
        The k-th kind's initial weights are seeded with ``weight_seed + k``.
    **fit_options
        Passed to :func:`~tslib.training.fit.fit` (``epochs``, ``patience``, ``lr``,
        ``seed`` of the batch order...).

    Returns
    -------
    models : dict
        Kind -> trained model (best validation weights).
    table : pandas.DataFrame
        One row per kind: ``model, inputs, train windows, epochs, best epoch,
        best val loss, seconds``.

    Raises
    ------
    InputError
        No kinds, or ``windows`` that is not a ``(train, val)`` pair.
    """
    if not kinds:
        raise InputError("fit_forecasters: give at least one kind")
    if not isinstance(windows, tuple) or len(windows) != 2:
        raise InputError("fit_forecasters: windows must be (train, val), see make_windows(split=)")
    train, val = windows
    models, rows = {}, []
    for offset, kind in enumerate(kinds):
        model = make_forecaster(
            kind,
            input_size,
            output_size,
            hidden=hidden,
            context=context,
            head=head,
            feedback_inputs=tuple(feedback_inputs),
            seed=weight_seed + offset,
        )
        loss = None if target_weights is None else weighted_head_loss(model, list(target_weights))
        started = time.perf_counter()
        history = fit(model, train, val, loss=loss, **fit_options)
        models[kind] = model
        rows.append(
            {
                "model": kind,
                "inputs": input_size,
                "train windows": len(train[0]),
                "epochs": len(history),
                "best epoch": history.attrs["best_epoch"],
                "best val loss": history["val_loss"].min() if val is not None else float("nan"),
                "seconds": time.perf_counter() - started,
            }
        )
    return models, pd.DataFrame(rows)
