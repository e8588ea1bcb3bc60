"""Next-item training windows, the training view's losses, and scoring after a history."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tslib.encoders import NextItemEncoder, SASRecEncoder
from tslib.errors import InputError
from tslib.evaluate.ranking_walk import _score_histories as score_histories
from tslib.runner import StepwiseRunner
from tslib.training import fit, make_windows
from tslib.training.next_item import PAD_TARGET, ItemTrainingView

N_ITEMS = 9


def models():
    return [
        NextItemEncoder(N_ITEMS, embedding_dim=4, hidden_size=5, seed=0),
        SASRecEncoder(N_ITEMS, d_model=4, n_heads=2, num_layers=2, context=6, dropout=0.0, seed=0),
    ]


def test_windows_keep_the_latest_items_and_pad_on_the_right():
    x, y = make_windows([np.arange(10), np.array([3, 4]), np.array([5])], 4)
    assert x.shape == (2, 4, 1) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert x[0, :, 0].tolist() == [5.0, 6.0, 7.0, 8.0] and y[0, :, 0].tolist() == [6, 7, 8, 9]
    assert x[1, :, 0].tolist() == [3.0, 0.0, 0.0, 0.0]
    assert y[1, :, 0].tolist() == [4, PAD_TARGET, PAD_TARGET, PAD_TARGET]


@pytest.mark.parametrize(
    "bad, match",
    [
        ([np.array([1.5, 2.0])], "integer"),
        ([np.array([-1, 2])], "negative"),
        ([np.array([1])], "two"),
    ],
)
def test_windows_reject_bad_sequences(bad, match):
    with pytest.raises(InputError, match=match):
        make_windows(bad, 3)


@pytest.mark.parametrize("model", models(), ids=["gru4rec", "sasrec"])
def test_full_loss_is_the_masked_cross_entropy_of_the_model_scores(model):
    x, y = make_windows([np.array([1, 2, 3, 4, 5]), np.array([6, 7, 8])], 5)
    view = ItemTrainingView(model).eval()
    encoded, _ = view(x)
    scores, _ = model(x)  # (B, T, N)
    keep = y[..., 0] != PAD_TARGET
    expected = F.cross_entropy(scores[keep], y[..., 0][keep])
    assert torch.allclose(view.loss(encoded, y), expected, atol=1e-6)
    padding_only = torch.full_like(y, PAD_TARGET)
    assert view.loss(encoded, padding_only).item() == 0.0


def test_sampled_loss_trains_only_in_training_mode():
    model = models()[0]
    view = ItemTrainingView(model, negatives=4)
    x, y = make_windows([np.array([1, 2, 3, 4, 5])], 5)
    full = ItemTrainingView(model).eval()
    assert torch.allclose(view.eval().loss(view(x)[0], y), full.loss(full(x)[0], y))
    view.train()
    torch.manual_seed(0)
    sampled = view.loss(view(x)[0], y)
    sampled.backward()
    assert torch.isfinite(sampled) and model.items.weight.grad is not None
    with pytest.raises(InputError, match="not a next-item encoder"):
        ItemTrainingView(torch.nn.Linear(2, 2))


@pytest.mark.parametrize("model", models(), ids=["gru4rec", "sasrec"])
def test_scores_after_histories_equal_runner_steps(model):
    rng = np.random.default_rng(0)
    histories = [rng.integers(0, N_ITEMS, n) for n in (1, 7, 3, 12, 7)]
    scores = score_histories(model, histories, max_len=8, batch_size=2)
    runner = StepwiseRunner(model, device="cpu")
    for user, history in enumerate(histories):
        for item in history[-8:]:
            runner.step([user], np.array([[float(item)]]))
        np.testing.assert_allclose(scores[user], runner.last_output(user).numpy(), atol=1e-5)
    with pytest.raises(InputError, match="history 1 is empty"):
        score_histories(model, [np.array([1]), np.array([], dtype=np.int64)])


def test_fit_learns_a_deterministic_successor_rule():
    # item i is always followed by (i + 1) % N: both models should learn it
    rng = np.random.default_rng(1)
    sequences = [(rng.integers(0, N_ITEMS) + np.arange(12)) % N_ITEMS for _ in range(40)]
    train = make_windows([s[:-1] for s in sequences], 10)
    val = make_windows(sequences, 10, last_only=True)
    for model in models():
        view = ItemTrainingView(model)
        history = fit(view, train, val, loss=view.loss, epochs=30, lr=5e-2, batch_size=8,
                      device="cpu", patience=None)  # fmt: skip
        assert history["val_loss"].min() < 0.5 * history["val_loss"].iloc[0]
        top = score_histories(model, [s[:-1] for s in sequences]).argmax(axis=1)
        assert (top == np.array([s[-1] for s in sequences])).mean() > 0.9
