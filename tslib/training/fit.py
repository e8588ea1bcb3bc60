"""``fit``: seeded teacher-forced training with early stopping on a later validation segment.

Examples
--------
>>> import torch
>>> from tslib.encoders import RecurrentEncoder
>>> _ = torch.manual_seed(0)
>>> series = torch.sin(torch.arange(60) * 0.3)
>>> windows = series.unfold(0, 11, 5)  # (N=10, 11)
>>> x, y = windows[:, :-1, None], windows[:, 1:, None]  # (10, 10, 1) each
>>> model = RecurrentEncoder(input_size=1, hidden_size=8, output_size=1)
>>> history = fit(model, (x[:8], y[:8]), (x[8:], y[8:]), epochs=3, device="cpu")
>>> list(history.columns)
['epoch', 'train_loss', 'val_loss', 'lr', 'seconds', 'best']
>>> int(history["best"].sum())
1
"""

from __future__ import annotations

import math
import os
import sys
import time

import pandas as pd
import torch
from torch import nn
from tqdm import tqdm  # plain text bar: no widget state in executed notebooks

from tslib.errors import InputError
from tslib.runner.runner import resolve_device
from tslib.training.checkpoint import save_weights
from tslib.training.data import as_sequence_data, iter_batches
from tslib.training.loss import LossFn, evaluate_loss, sequence_loss
from tslib.training.seeding import seeded
from tslib.validation import check_non_negative_int, check_positive, check_positive_int

__all__ = ["fit", "progress_enabled"]

HISTORY_COLUMNS = ["epoch", "train_loss", "val_loss", "lr", "seconds", "best"]


def progress_enabled(progress: bool | None) -> bool:
    """Whether to show a progress bar: ``progress`` when given, else only on an interactive
    terminal outside CI (the ``CI`` environment variable set means quiet)."""
    if progress is not None:
        return bool(progress)
    return not os.environ.get("CI") and sys.stderr.isatty()


def fit(
    model: nn.Module,
    train: object,
    val: object | None = None,
    *,
    loss: LossFn | None = None,
    burn_in: int = 0,
    epochs: int = 20,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    clip_grad_norm: float | None = 1.0,
    patience: int | None = 5,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool | None = None,
    checkpoint_path: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Train ``model`` in place with AdamW and teacher forcing; keep the best weights.

    Every epoch visits the training windows in a seeded random order, then
    computes the validation loss with :func:`~tslib.training.loss.evaluate_loss`.
    The monitored loss is the validation loss (the training loss when ``val`` is
    None). Training stops after ``patience`` epochs without a strict improvement,
    and the weights of the best epoch are loaded back into ``model`` at the end.

    Parameters
    ----------
    model : torch.nn.Module
        A :class:`~tslib.encoders.base.StepEncoder`; ``forward(x) -> (y, state)``.
    train : tuple
        ``(x (N, T, F), y (N, T, n_targets))``, see :mod:`tslib.training.data`.
    val : tuple, optional
        Windows of the same form from a *later* time segment (see
        :func:`~tslib.training.data.split_windows_by_time`).
    loss : callable, optional
        ``loss(y_raw (B, T', O), target (B, T', n)) -> scalar``; default is the
        head's loss (MSE without a head), see :mod:`tslib.training.loss`.
    burn_in : int
        Leading warm-up steps of every window excluded from the loss.
    epochs : int
        Maximum number of passes over ``train``.
    batch_size : int
        Windows per optimisation step.
    lr, weight_decay : float
        AdamW learning rate and decoupled weight decay.
    clip_grad_norm : float or None
        Maximum global gradient norm; None disables clipping.
    patience : int or None
        Epochs without improvement before stopping; None never stops early.
    seed : int
        Seeds python, numpy and torch (shuffling, dropout). On the CPU, the same
        seed and the same initial weights give bit-identical trained weights. The
        initial weights are fixed by the encoder's own ``seed=`` argument (e.g.
        ``RecurrentEncoder(..., seed=0)``): build it that way for a run that is
        reproducible from a fresh process.
    device : str or torch.device
        ``"auto"`` picks CUDA when available. The model stays on it.
    progress : bool or None
        Show a tqdm bar; None shows it only on a terminal outside CI.
    checkpoint_path : path, optional
        Where to write the best weights (safetensors) whenever they improve;
        restore them with :func:`~tslib.training.checkpoint.load_weights`.

    Returns
    -------
    pandas.DataFrame
        One row per epoch: ``epoch`` (from 1), ``train_loss``, ``val_loss`` (NaN
        without ``val``), ``lr``, ``seconds`` and ``best`` (True on the epoch whose
        weights were restored). ``attrs`` hold ``best_epoch``, ``stopped_early``
        and ``device``. The model is left in eval mode.

    Raises
    ------
    InputError
        Bad data shapes or values, bad hyperparameters, or a non-finite training loss.
    """
    check_positive_int(epochs, "fit: epochs")
    check_positive_int(batch_size, "fit: batch_size")
    check_positive(lr, "fit: lr")
    if patience is not None:
        check_positive_int(patience, "fit: patience")
    if clip_grad_norm is not None:
        check_positive(clip_grad_norm, "fit: clip_grad_norm")
    check_non_negative_int(burn_in, "fit: burn_in")
    input_size = getattr(model, "input_size", None)
    train = as_sequence_data(train, "train", input_size, burn_in)
    if val is not None:
        val = as_sequence_data(val, "val", input_size, burn_in)
    device = resolve_device(device)
    rows: list[dict] = []
    best_value, best_epoch, best_state, waited = math.inf, 0, None, 0
    with seeded(seed, deterministic=device.type == "cpu") as generator:
        model.to(device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        bar = tqdm(
            range(1, epochs + 1), desc="fit", unit="epoch", disable=not progress_enabled(progress)
        )
        for epoch in bar:
            started = time.perf_counter()
            model.train()
            total, count = 0.0, 0
            for x, y in iter_batches(train, batch_size, generator):
                x, y = x.to(device), y.to(device)
                optimizer.zero_grad(set_to_none=True)
                outputs, _ = model(x)  # (B, T, O)
                value = sequence_loss(model, outputs, y, loss, burn_in)
                if not torch.isfinite(value):
                    raise InputError(
                        f"fit: the training loss became {float(value)} at epoch {epoch}; "
                        "check the data scale or lower lr"
                    )
                value.backward()
                if clip_grad_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                optimizer.step()
                total += float(value.detach()) * x.shape[0]
                count += x.shape[0]
            train_loss = total / count
            val_loss = evaluate_loss(model, val, loss, burn_in) if val is not None else math.nan
            monitored = val_loss if val is not None else train_loss
            if monitored < best_value:
                best_value, best_epoch, waited = monitored, epoch, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                if checkpoint_path is not None:
                    save_weights(
                        model, checkpoint_path, {"epoch": str(epoch), "loss": repr(monitored)}
                    )
            else:
                waited += 1
            rows.append(
                {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "val_loss": val_loss,
                    "lr": optimizer.param_groups[0]["lr"],
                    "seconds": time.perf_counter() - started,
                }
            )
            bar.set_postfix(train=f"{train_loss:.4g}", val=f"{val_loss:.4g}")
            if patience is not None and waited >= patience:
                break
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS[:-1])
    history["best"] = history["epoch"] == best_epoch
    history.attrs.update(
        best_epoch=best_epoch, stopped_early=len(rows) < epochs, device=str(device)
    )
    return history
