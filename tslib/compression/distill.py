"""Knowledge distillation: fine-tune a compressed student towards its teacher and the targets.

The student is trained with :func:`tslib.training.fit` on the loss::

    alpha * head_loss(student, targets) + (1 - alpha) * mean((student_raw - teacher_raw) ** 2)

where ``teacher_raw`` are the teacher's raw outputs on the same windows, computed
once before training (teacher forcing from a zero state, as ``fit`` trains).
``alpha = 1`` is plain fine-tuning on the targets; ``alpha = 0`` only imitates
the teacher. Early stopping monitors the same loss on ``val``.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from tslib.errors import InputError
from tslib.training.data import as_sequence_data
from tslib.training.fit import fit
from tslib.training.loss import sequence_loss

__all__ = ["distill", "teacher_outputs"]


@torch.no_grad()
def teacher_outputs(teacher: nn.Module, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Raw outputs (N, T, O) of ``teacher`` on windows ``x`` (N, T, F), in eval mode, on CPU."""
    was_training = teacher.training
    teacher.eval()
    device = next(teacher.parameters()).device
    try:
        parts = [
            teacher(x[start : start + batch_size].to(device))[0].float().cpu()  # (b, T, O)
            for start in range(0, x.shape[0], batch_size)
        ]
    finally:
        teacher.train(was_training)
    return torch.cat(parts)  # (N, T, O)


def _with_teacher(teacher: nn.Module, data: object, name: str, input_size: int) -> tuple:
    x, y = as_sequence_data(data, name, input_size)
    return x, torch.cat([y.float(), teacher_outputs(teacher, x)], dim=-1)  # (N, T, n + O)


def distill(
    student: nn.Module,
    teacher: nn.Module,
    train: object,
    val: object | None = None,
    *,
    alpha: float = 0.5,
    **fit_options: object,
) -> pd.DataFrame:
    """Train ``student`` in place to match the targets and ``teacher``'s outputs.

    Parameters
    ----------
    student : torch.nn.Module
        The compressed encoder (e.g. from :func:`~tslib.compression.prune_units`),
        with the teacher's outputs per step (same head and ``n_outputs``).
    teacher : torch.nn.Module
        The full trained encoder; not modified.
    train, val : tuple
        ``(x (N, T, F), y (N, T, n_targets))`` windows, as for :func:`~tslib.training.fit`.
    alpha : float
        Weight of the target loss, in [0, 1] (see the module docstring).
    **fit_options
        Passed to :func:`~tslib.training.fit` (``epochs``, ``lr``, ``patience``,
        ``seed``, ...); ``device`` defaults to ``"cpu"`` and ``progress`` to False.

    Returns
    -------
    pandas.DataFrame
        ``fit``'s history (losses are the distillation loss above).

    Raises
    ------
    InputError
        ``alpha`` outside [0, 1], ``loss`` among the options, students and teachers
        whose outputs differ in width, or bad data (from ``fit``).
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise InputError(f"distill: alpha must be in [0, 1], got {alpha!r}")
    if "loss" in fit_options:
        raise InputError("distill: the loss is the distillation loss; do not pass loss=")
    width = getattr(student, "n_outputs", None)
    if width is None or width != getattr(teacher, "n_outputs", None):
        raise InputError(
            f"distill: student and teacher must have the same n_outputs, got {width} and "
            f"{getattr(teacher, 'n_outputs', None)}"
        )
    input_size = getattr(student, "input_size", None)
    x, targets = _with_teacher(teacher, train, "train", input_size)
    n_targets = targets.shape[-1] - width
    integer_targets = not as_sequence_data(train, "train", input_size)[1].is_floating_point()

    def loss(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        truth, soft = target[..., :n_targets], target[..., n_targets:]  # (B, T, n), (B, T, O)
        truth = truth.long() if integer_targets else truth
        value = (1 - alpha) * (outputs - soft.to(outputs.dtype)).square().mean()
        return value + alpha * sequence_loss(student, outputs, truth) if alpha > 0 else value

    checked_val = None if val is None else _with_teacher(teacher, val, "val", input_size)
    fit_options.setdefault("device", "cpu")
    fit_options.setdefault("progress", False)
    return fit(student, (x, targets), checked_val, loss=loss, **fit_options)
