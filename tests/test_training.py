"""Tests for tslib.training: learning, early stopping, checkpoints, determinism, bad input."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from tslib.encoders import RecurrentEncoder
from tslib.errors import InputError, SnapshotError
from tslib.training import (
    evaluate_loss,
    fit,
    load_weights,
    progress_enabled,
    save_weights,
    split_windows_by_time,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models train faster on one thread, especially while other suites share the CPUs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def sine_windows(length: int = 400, window: int = 20, stride: int = 4):
    """Next-step windows of sin(0.3 t): x[:, t] = s(t), y[:, t] = s(t + 1)."""
    series = torch.sin(torch.arange(length) * 0.3)  # (length,)
    windows = series.unfold(0, window + 1, stride)  # (N, window + 1)
    return windows[:, :-1, None], windows[:, 1:, None]  # (N, T, 1) each


def small_model(seed: int = 0, **kwargs) -> RecurrentEncoder:
    torch.manual_seed(seed)
    return RecurrentEncoder(
        input_size=1, hidden_size=kwargs.pop("hidden_size", 8), output_size=1, **kwargs
    )


def test_sine_loss_decreases_and_beats_naive_forecast():
    x, y = sine_windows()
    (x_train, y_train), (x_val, y_val) = split_windows_by_time(x, y, val_fraction=0.3, gap=5)
    model = small_model(hidden_size=12)
    history = fit(
        model, (x_train, y_train), (x_val, y_val), epochs=15, batch_size=16, lr=2e-2,
        burn_in=3, device="cpu", patience=None,
    )  # fmt: skip
    assert len(history) == 15
    assert history["train_loss"].iloc[-1] < 0.1 * history["train_loss"].iloc[0]
    # Held-out windows: the model's next-step MSE against the naive (persistence) forecast.
    with torch.no_grad():
        predicted, _ = model(x_val)  # (N, T, 1)
    model_mse = float(((predicted - y_val)[:, 3:] ** 2).mean())
    naive_mse = float(((x_val - y_val)[:, 3:] ** 2).mean())
    assert naive_mse == pytest.approx(0.0444, abs=2e-3)  # 2 sin^2(0.15) / 2 ~ 0.0444
    assert model_mse < 0.2 * naive_mse


def test_split_windows_by_time_keeps_the_later_windows_for_validation():
    x = torch.arange(10.0).reshape(10, 1, 1)
    (x_train, _), (x_val, _) = split_windows_by_time(x, x, val_fraction=0.25, gap=2)
    assert x_train.flatten().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # 10 - ceil(2.5) - 2
    assert x_val.flatten().tolist() == [7.0, 8.0, 9.0]
    with pytest.raises(InputError, match="no training window"):
        split_windows_by_time(x[:3], x[:3], val_fraction=0.5, gap=1)


def test_early_stopping_restores_the_best_weights(tmp_path):
    # Training pushes the output towards +1 while validation wants -1, so the
    # validation loss rises after the first epoch and training must stop early.
    torch.manual_seed(1)
    x_train = torch.randn(16, 6, 1)
    x_val = torch.randn(8, 6, 1)
    train = (x_train, torch.ones(16, 6, 1))
    val = (x_val, -torch.ones(8, 6, 1))
    model = small_model()
    path = tmp_path / "best.safetensors"
    history = fit(
        model, train, val, epochs=30, lr=5e-2, patience=2, device="cpu", checkpoint_path=path
    )
    assert history.attrs["stopped_early"]
    assert len(history) < 30
    best = int(history["val_loss"].idxmin())
    assert history["best"].tolist() == [i == best for i in range(len(history))]
    assert len(history) == best + 1 + 2  # stopped after `patience` epochs without improvement
    assert history["val_loss"].iloc[-1] > history["val_loss"].min()
    assert evaluate_loss(model, val) == pytest.approx(history["val_loss"].min(), rel=1e-6, abs=0)
    # The checkpoint holds the same (best) weights, stored with safetensors.
    on_disk = load_file(str(path))
    for name, tensor in model.state_dict().items():
        assert torch.equal(on_disk[name], tensor)


def test_checkpoint_round_trip_and_mismatch(tmp_path):
    x, y = sine_windows(length=120)
    model = small_model()
    path = tmp_path / "ckpt" / "model.safetensors"
    history = fit(model, (x, y), epochs=3, device="cpu", checkpoint_path=path)
    restored = small_model(seed=99)
    assert not torch.equal(restored.output.weight, model.output.weight)
    metadata = load_weights(restored, path)
    assert metadata["epoch"] == str(history.attrs["best_epoch"])
    for (name, a), (_, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        assert torch.equal(a, b), name
    wrong = RecurrentEncoder(input_size=1, hidden_size=5, output_size=1)
    with pytest.raises(SnapshotError, match="wrong shape"):
        load_weights(wrong, path)
    with pytest.raises(SnapshotError, match="no weights file"):
        load_weights(model, tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(SnapshotError, match="cannot read"):
        load_weights(model, tmp_path / "junk.safetensors")
    save_weights(model, tmp_path / "again.safetensors")
    assert set(load_file(str(tmp_path / "again.safetensors"))) == set(model.state_dict())


def test_same_seed_gives_bit_identical_weights():
    x, y = sine_windows(length=160)
    first = small_model(num_layers=2, dropout=0.2)
    second = copy.deepcopy(first)
    third = copy.deepcopy(first)
    kwargs = dict(epochs=3, batch_size=8, lr=1e-2, device="cpu", patience=None)
    history_a = fit(first, (x, y), seed=7, **kwargs)
    history_b = fit(second, (x, y), seed=7, **kwargs)
    fit(third, (x, y), seed=8, **kwargs)
    for (name, a), b in zip(first.named_parameters(), second.parameters()):
        assert torch.equal(a, b), name
    assert not all(torch.equal(a, c) for a, c in zip(first.parameters(), third.parameters()))
    assert history_a["train_loss"].tolist() == history_b["train_loss"].tolist()
    assert not torch.are_deterministic_algorithms_enabled()  # the global switch is restored


def test_default_loss_is_the_head_loss_after_burn_in():
    torch.manual_seed(2)
    x, y = torch.randn(5, 7, 2), torch.randn(5, 7, 1)
    model = RecurrentEncoder(input_size=2, hidden_size=6, output_size=1, head="gaussian").eval()
    with torch.no_grad():
        raw, _ = model(x)  # (5, 7, 2): mean and unconstrained std
    mean = raw[:, 2:, :1]
    std = torch.nn.functional.softplus(raw[:, 2:, 1:]) + 1e-4
    reference = -torch.distributions.Normal(mean, std).log_prob(y[:, 2:]).mean()
    assert evaluate_loss(model, (x, y), burn_in=2, batch_size=2) == pytest.approx(
        float(reference), rel=1e-5
    )
    l1 = lambda outputs, target: (outputs[..., :1] - target).abs().mean()
    expected_l1 = float((raw[:, 2:, :1] - y[:, 2:]).abs().mean())
    assert evaluate_loss(model, (x, y), loss=l1, burn_in=2) == pytest.approx(expected_l1, rel=1e-5)


def test_without_head_the_loss_is_mse_and_without_val_train_loss_is_monitored():
    class Bare(torch.nn.Module):
        input_size = 1

        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.tensor(0.0))

        def forward(self, x, state=None):
            return self.scale * x, state

    x = torch.arange(1.0, 7.0).reshape(2, 3, 1)
    model = Bare()
    assert evaluate_loss(model, (x, 2 * x)) == pytest.approx(float((4 * x**2).mean()))
    history = fit(model, (x, 2 * x), epochs=40, lr=0.1, device="cpu", patience=None)
    assert np.isnan(history["val_loss"]).all()
    assert int(history["train_loss"].idxmin()) == int(np.flatnonzero(history["best"])[0])
    assert float(model.scale.detach()) == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ((torch.zeros(4, 5), torch.zeros(4, 5, 1)), r"expected \(N, T, F\)"),
        ((torch.zeros(4, 5, 1), torch.zeros(3, 5, 1)), "differ in windows N or steps T"),
        ((torch.zeros(4, 5, 2), torch.zeros(4, 5, 1)), "F=2 features but the model expects 1"),
        ((torch.zeros(4, 2, 1), torch.zeros(4, 2, 1)), "need more than burn_in=2"),
        ((torch.full((4, 5, 1), math.nan), torch.zeros(4, 5, 1)), "NaN or inf"),
        ((torch.zeros(0, 5, 1), torch.zeros(0, 5, 1)), "no windows"),
        (torch.zeros(4, 5, 1), "expected a pair"),
    ],
)
def test_bad_data_raises_input_error(train, message):
    with pytest.raises(InputError, match=message):
        fit(small_model(), train, burn_in=2, epochs=1, device="cpu")


def test_bad_hyperparameters_and_bad_val_raise_input_error():
    x, y = sine_windows(length=60)
    with pytest.raises(InputError, match="val y"):
        fit(small_model(), (x, y), (x, y[..., 0]), epochs=1, device="cpu")
    with pytest.raises(InputError, match="epochs"):
        fit(small_model(), (x, y), epochs=0, device="cpu")
    with pytest.raises(InputError, match="lr"):
        fit(small_model(), (x, y), lr=-1.0, device="cpu")


def test_progress_bar_is_quiet_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert progress_enabled(None) is False
    assert progress_enabled(True) is True
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert progress_enabled(None) is False
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert progress_enabled(None) is True
    assert progress_enabled(False) is False


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fit_on_cuda_leaves_model_on_gpu():
    x, y = sine_windows(length=80)
    model = small_model()
    history = fit(model, (x, y), epochs=2, device="cuda")
    assert history.attrs["device"].startswith("cuda")
    assert next(model.parameters()).is_cuda


def test_next_item_model_learns_a_cycle_with_the_item_head():
    from tslib.encoders import NextItemEncoder

    # Sessions walk the catalogue 0 -> 1 -> ... -> 5 -> 0 from random starts.
    n_items, steps = 6, 8
    starts = torch.arange(24) % n_items  # (N,)
    sequence = (starts[:, None] + torch.arange(steps + 1)[None]) % n_items  # (N, steps + 1)
    x = sequence[:, :-1, None].float()  # (N, T, 1) item ids as floats
    y = sequence[:, 1:, None].float()  # (N, T, 1) next item ids
    torch.manual_seed(0)
    model = NextItemEncoder(n_items=n_items, embedding_dim=8, hidden_size=12)
    history = fit(model, (x, y), epochs=30, lr=3e-2, batch_size=8, device="cpu", patience=None)
    assert history["train_loss"].iloc[0] > 0.8 * math.log(n_items)  # starts near chance
    with torch.no_grad():
        scores, _ = model(x)  # (N, T, n_items)
    accuracy = float((model.point(scores) == y).float().mean())
    assert accuracy > 0.95


def test_make_windows_next_step_targets_are_the_next_rows_and_bad_input_is_named():
    from tslib.errors import DataError
    from tslib.training import make_windows

    values = np.arange(20.0).reshape(10, 2)  # (N=10, F=2), row r = [2r, 2r + 1]
    x, y = make_windows(values, 4, stride=2, targets=(1,))
    assert x.shape == (3, 4, 2) and y.shape == (3, 4, 1)  # starts 0, 2, 4 (each needs row s+4)
    assert torch.equal(y[:, :, 0], x[:, :, 1] + 2)  # target = column 1 of the next row
    assert x[2, 0, 0].item() == 8.0
    with pytest.raises(DataError, match="fewer than"):
        make_windows(values, 10)
    with pytest.raises(InputError, match="out of range"):
        make_windows(values, 3, targets=(2,))
    with pytest.raises(DataError, match="NaN"):
        make_windows(np.array([1.0, np.nan, 2.0, 3.0]), 2)
