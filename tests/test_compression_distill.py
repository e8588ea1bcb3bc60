"""tslib.compression.distill: a pruned student recovers by learning from its teacher."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tslib.compression import distill, one_step_mse, prune_units, teacher_outputs
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.training import fit, make_windows, split_windows_by_time


def series(n: int = 600, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n)).astype(np.float32)


@pytest.fixture(scope="module")
def trained():
    values = series(600)
    train_values, test_values = values[:450], values[450:]
    x, y = make_windows(train_values, 48, stride=12)
    train, val = split_windows_by_time(x, y, val_fraction=0.2, gap=1)
    teacher = RecurrentEncoder(1, 16, 1, seed=0)
    fit(
        teacher, train, val, epochs=15, lr=2e-2, batch_size=16, seed=0, device="cpu", progress=False
    )
    return teacher, train, val, test_values


def test_distillation_reduces_the_pruned_models_held_out_error(trained):
    teacher, train, val, test = trained
    student = prune_units(teacher, 0.25, train[0])
    before = one_step_mse(student, test)
    history = distill(student, teacher, train, val, alpha=0.5, epochs=8, lr=1e-2, batch_size=16)
    after = one_step_mse(student, test)
    assert len(history) >= 1 and student.hidden_size == 4
    assert after < 0.8 * before  # a real recovery, on data the student never saw
    assert one_step_mse(teacher, test) < float(np.mean((test[1:] - test[:-1]) ** 2))


def test_pure_distillation_moves_the_student_towards_the_teacher(trained):
    teacher, train, _, _ = trained
    before_weights = {k: v.clone() for k, v in teacher.state_dict().items()}
    student = prune_units(teacher, 0.5)
    gap_before = (student(train[0])[0] - teacher_outputs(teacher, train[0])).square().mean()
    distill(student, teacher, train, alpha=0.0, epochs=4, lr=5e-3)
    gap_after = (student(train[0])[0] - teacher_outputs(teacher, train[0])).square().mean()
    assert gap_after < gap_before
    for name, tensor in before_weights.items():
        assert torch.equal(teacher.state_dict()[name], tensor), name  # the teacher is untouched


def test_teacher_outputs_are_its_forward(trained):
    teacher, train, _, _ = trained
    with torch.no_grad():
        expected = teacher(train[0])[0]
    torch.testing.assert_close(teacher_outputs(teacher, train[0], batch_size=3), expected)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, True])
def test_bad_alpha_is_rejected(trained, alpha):
    teacher, train, _, _ = trained
    with pytest.raises(InputError, match=r"alpha must be in \[0, 1\]"):
        distill(prune_units(teacher, 0.5), teacher, train, alpha=alpha)


def test_mismatched_models_and_loss_option_are_rejected(trained):
    teacher, train, _, _ = trained
    wide = RecurrentEncoder(1, 4, 1, head="gaussian", seed=0)
    with pytest.raises(InputError, match="same n_outputs, got 2 and 1"):
        distill(wide, teacher, train)
    with pytest.raises(InputError, match="do not pass loss="):
        distill(prune_units(teacher, 0.5), teacher, train, loss=lambda y, t: y.mean())
