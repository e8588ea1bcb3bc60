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

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tslib.encoders.base import StepEncoder
from tslib.encoders.zoo import make_forecaster
from tslib.errors import InputError
from tslib.training.fit import fit
from tslib.training.weighted_loss import weighted_head_loss
from tslib.training.windows import make_windows

if TYPE_CHECKING:
    from tslib.preprocess.forecast_data import ForecastData

__all__ = ["fit_forecasters", "fit_on_data", "window_stride"]


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


def window_stride(n_rows: int, window: int, max_windows: int) -> int:
    """Stride between training-window starts: at most ``max_windows`` windows, no row unused.

    Parameters
    ----------
    n_rows : int
        Rows of the training span.
    window : int
        Window length, in steps.
    max_windows : int
        Windows wanted at most per epoch.

    Returns
    -------
    int
        ``ceil((n_rows - window) / max_windows)``, clipped to ``[window // 8, window]``
        (at least 1): consecutive windows overlap, and no stride skips a row.

    Examples
    --------
    >>> window_stride(1000, 64, 200), window_stride(100000, 64, 200), window_stride(100, 64, 200)
    (8, 64, 8)
    """
    if window < 1 or max_windows < 1:
        raise InputError(f"window and max_windows must be >= 1; got {window}, {max_windows}")
    needed = math.ceil((n_rows - window) / max_windows)
    return max(1, min(window, max(window // 8, needed)))


def fit_on_data(
    kinds: Sequence[str],
    data: ForecastData,
    *,
    window: int,
    max_windows: int,
    burn_in: int = 0,
    target_only: bool = False,
    target_weight: float = 1.0,
    labels: np.ndarray | None = None,
    n_classes: int = 2,
    **options,
) -> tuple[dict[str, StepEncoder], pd.DataFrame]:
    """Cut the training and validation windows of prepared data and fit each kind on them.

    Forecasters (``labels`` None) read the variables (or the target alone) and the
    calendar, predict every variable they read (the target with loss weight
    ``target_weight``, the others 1) and feed their predictions back beyond one step.
    Classifiers (``labels`` given) read the same inputs and predict the class of the
    next label with a ``"class"`` head.

    Parameters
    ----------
    kinds : sequence of str
        Architectures, as for :func:`fit_forecasters`.
    data : ForecastData
        From :func:`~tslib.preprocess.forecast_data.prepare_forecast_data`; windows come
        from the training span, validation windows from the span before the test.
    window : int
        Window length, in steps.
    max_windows : int
        Training windows per epoch at most (:func:`window_stride`).
    burn_in : int
        Warm-up steps of each window left out of the loss (passed to
        :func:`~tslib.training.fit.fit` too).
    target_only : bool
        Read and predict the target alone (plus the calendar).
    target_weight : float
        Loss weight of the target among the predicted variables.
    labels : numpy.ndarray, optional
        (T,) class per grid row: fit classifiers of the next label instead.
    n_classes : int
        Classes of ``labels``.
    **options
        Passed to :func:`fit_forecasters` (``hidden``, ``weight_seed``, ``epochs``, ...).

    Returns
    -------
    models : dict
        Kind -> trained model.
    table : pandas.DataFrame
        The history table of :func:`fit_forecasters`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tslib.preprocess import prepare_forecast_data
    >>> index = pd.date_range("2020-01-01", periods=80, freq="D")
    >>> frame = pd.DataFrame({"t": np.sin(np.arange(80.0)), "w": np.cos(np.arange(80.0))}, index)
    >>> data = prepare_forecast_data(frame, "t", test_fraction=0.2, val_fraction=0.2)
    >>> models, table = fit_on_data(["gru"], data, window=16, max_windows=8, hidden=4,
    ...                             epochs=1, seed=0, device="cpu", progress=False)
    >>> models["gru"].output_size, int(table["inputs"].iloc[0])
    (2, 2)
    """
    x = data.x(target_only)  # (T, F)
    stride = window_stride(data.n_train, window, max_windows)
    split = (data.n_train, data.test_start)
    if labels is not None:
        windows = make_windows(
            x, window, stride=stride, labels=labels, split=split, burn_in=burn_in
        )
        options = {"head": "class", "burn_in": burn_in, **options}
        return fit_forecasters(kinds, windows, x.shape[1], n_classes, **options)
    k = 1 if target_only else len(data.variables)  # the variables predicted
    windows = make_windows(x, window, stride=stride, targets=range(k), split=split, burn_in=burn_in)
    weights = [target_weight] + [1.0] * (k - 1)
    return fit_forecasters(
        kinds,
        windows,
        x.shape[1],
        k,
        feedback_inputs=tuple(range(k)),
        target_weights=weights,
        burn_in=burn_in,
        **options,
    )
