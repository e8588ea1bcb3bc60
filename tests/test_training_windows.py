"""make_windows (every training layout) and masked_mse: positions, fixed values, bad input.

The fixed digests were computed with the seven builders that ``make_windows``
replaced (``next_step_windows``, ``train_val_windows``, ``segment_windows``,
``preprocess.make_windows``, ``unit_sequences``, ``next_item_windows``) on the
same inputs, and the new builder matched them byte for byte before they were
deleted; the masked-loss values likewise come from the two former ``masked_mse``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.errors import DataError, InputError
from tslib.training import UnitSequences, fit, make_windows, masked_mse
from tslib.training.next_item import PAD_TARGET


def table(rows: int, cols: int) -> np.ndarray:
    """Exact float values that differ by row and column (no rounding anywhere)."""
    values = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
    return (values * 7 % 13) / 4 + np.arange(rows)[:, None]


def digest(*arrays: object) -> str:
    h = hashlib.sha256()
    for array in arrays:
        array = array.numpy() if isinstance(array, torch.Tensor) else np.asarray(array)
        h.update(str(array.dtype).encode())
        h.update(str(array.shape).encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:16]


def unit_frame() -> pd.DataFrame:
    rows = [(u, c) for u, m in ((5, 7), (2, 3), (9, 11)) for c in range(1, m + 1)]
    index = pd.MultiIndex.from_tuples(rows, names=["unit", "cycle"])
    return pd.DataFrame(table(len(rows), 3), columns=["a", "b", "rul"], index=index)


def test_every_layout_matches_the_builders_it_replaced_byte_for_byte():
    v = table(50, 3)
    labels = (np.arange(50) % 3 == 0).astype(float)
    segments = [(0, 11), (11, 12), (12, 37), (40, 50)]
    frame = pd.DataFrame(
        table(40, 3), columns=["y", "cov", "known"],
        index=pd.date_range("2024", periods=40, freq="h"),
    )  # fmt: skip
    histories = [np.arange(u, u + 3 * (u % 5), 3) for u in range(12)]
    (x, y), (xv, yv) = make_windows(v, 8, stride=3, targets=range(3), split=(30, 45), burn_in=4)
    (lx, ly), (lxv, lyv) = make_windows(v, 20, stride=5, labels=labels, split=(30, 45), burn_in=6)
    units = make_windows(unit_frame(), None, columns=["a", "b"], targets=["rul"], shift=0)
    got = {
        "next_step": digest(*make_windows(v, 8, stride=3, targets=(0, 2))),
        "split": digest(x, y, xv, yv),
        "split_labels": digest(lx, ly, lxv, lyv),
        "segments": digest(
            *make_windows(
                v, 6, stride=4, labels=table(50, 4), shift=0, segments=segments, tail=True
            )
        ),
        "future": digest(
            *make_windows(
                frame,
                5,
                future=3,
                stride=2,
                columns=["y", "cov", "known"],
                targets=["y"],
                known=["known"],
            )  # fmt: skip
        ),
        "units": digest(units.x, units.y, units.lengths),
        "items": digest(*make_windows(histories, 4)),
        "items_last": digest(*make_windows(histories, 4, last_only=True)),
    }
    assert got == {
        "next_step": "6cd43b52283fa5b5",
        "split": "fb1546e29fa6482c",
        "split_labels": "860c3d6fbe628735",
        "segments": "94221a6f96bc3b99",
        "future": "d4cfcd7f439d0e1b",
        "units": "a9797f4a47d31c73",
        "items": "9fcaa8199730dc50",
        "items_last": "aa1699e437260fe8",
    }


def test_next_step_targets_are_the_next_rows():
    values = np.arange(20.0).reshape(10, 2)  # (T=10, F=2), row r = [2r, 2r + 1]
    x, y = make_windows(values, 4, stride=2, targets=(1,))
    assert x.shape == (3, 4, 2) and y.shape == (3, 4, 1)  # starts 0, 2, 4 (each needs row s+4)
    assert x.dtype == y.dtype == torch.float32
    assert torch.equal(y[:, :, 0], x[:, :, 1] + 2)  # target = column 1 of the next row
    assert x[2, 0, 0].item() == 8.0
    x0, y0 = make_windows(values, 4, stride=2, targets=(1,), shift=0)  # aligned: same row
    assert torch.equal(y0[:, :, 0], x0[:, :, 1]) and x0.shape == (4, 4, 2)


def test_split_keeps_training_rows_before_validation_and_warms_up_on_burn_in():
    values = np.arange(20.0)[:, None]  # (20, 1)
    (x, y), (xv, yv) = make_windows(values, 5, stride=5, split=(12, 16), burn_in=2)
    assert x.shape == (2, 5, 1) and float(y.max()) == 10.0  # nothing reaches row 12 in training
    assert xv.shape == (1, 5, 1) and float(xv[0, 0, 0]) == 10.0 and float(yv.max()) == 15.0
    with pytest.raises(InputError, match="n_train"):
        make_windows(values, 5, split=(17, 16))


def test_segments_stay_inside_spans_and_tail_covers_their_ends():
    x = np.arange(20.0)[:, None]
    windows, targets = make_windows(
        x, 4, stride=2, labels=x, shift=0, segments=[(0, 7), (9, 12), (12, 20)], tail=True
    )
    assert windows[:, 0, 0].tolist() == [0.0, 2.0, 3.0, 12.0, 14.0, 16.0]
    assert torch.equal(windows, targets)
    no_tail, _ = make_windows(x, 4, stride=2, labels=x, shift=0, segments=[(0, 7)])
    assert no_tail[:, 0, 0].tolist() == [0.0, 2.0]
    with pytest.raises(DataError, match="no segment"):
        make_windows(x, 4, labels=x, shift=0, segments=[(0, 3), (5, 8)])


def test_future_layout_past_ends_strictly_before_future_and_units_never_mix():
    lengths = {1: 6, 2: 3, 3: 5}  # unit 2 is too short for a window
    index = pd.MultiIndex.from_tuples(
        [(unit, cycle) for unit, n in lengths.items() for cycle in range(1, n + 1)],
        names=["unit", "cycle"],
    )
    frame = pd.DataFrame(
        {"y": [10.0 * unit + cycle for unit, cycle in index], "known": np.arange(len(index))},
        index=index,
    )
    x, y, known = make_windows(frame, 3, future=1, stride=1, targets=["y"], known=["known"])
    assert x.shape == (5, 3, 2) and y.shape == (5, 1, 1) and known.shape == (5, 1, 1)
    assert x[:, :, 0].tolist() == [
        [11, 12, 13], [12, 13, 14], [13, 14, 15], [31, 32, 33], [32, 33, 34],
    ]  # fmt: skip
    assert y[:, 0, 0].tolist() == [14, 15, 16, 34, 35]
    with pytest.raises(DataError, match="no group of 'unit'"):
        make_windows(frame, 6, future=1, targets=["y"])


def test_whole_units_are_right_padded_with_a_mask():
    frame = unit_frame()
    data = make_windows(frame, None, columns=["a", "b"], targets=["rul"], shift=0)
    assert isinstance(data, UnitSequences)
    assert data.units == [5, 2, 9] and data.lengths.tolist() == [7, 3, 11]
    assert tuple(data.x.shape) == (3, 11, 2) and tuple(data.y.shape) == (3, 11, 2)
    np.testing.assert_array_equal(data.x[1, 3:].numpy(), np.repeat(data.x[1, 2:3].numpy(), 8, 0))
    assert data.y[1, :, 1].tolist() == [1.0] * 3 + [0.0] * 8
    np.testing.assert_array_equal(data.y[1, :3, 0].numpy(), frame.loc[2, "rul"].to_numpy())
    ahead = make_windows(frame, None, columns=["a"], targets=["rul"], shift=1)
    assert ahead.y[1, :, 1].tolist() == [1.0] * 2 + [0.0] * 9  # the last cycle has no next one
    assert make_windows(frame, None, columns=["a"], targets=()).y is None
    with pytest.raises(InputError, match="without targets"):
        _ = make_windows(frame, None, columns=["a"], targets=()).pair
    with pytest.raises(DataError, match="contiguous"):
        make_windows(frame.iloc[[0, 8, 1]], None, columns=["a"])
    with pytest.raises(InputError, match="unit, cycle"):
        make_windows(frame.reset_index(drop=True), None, columns=["a"])
    gappy = frame.copy()
    gappy.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="'b' is not finite"):
        make_windows(gappy, None, columns=["a", "b"])
    with pytest.raises(DataError, match="'zz'"):
        make_windows(frame, None, columns=["zz"])


def test_item_histories_keep_the_most_recent_items_and_pad_after_them():
    x, y = make_windows([np.arange(10), np.array([3, 4]), np.array([5])], 4)
    assert x.shape == (2, 4, 1) and y.dtype == torch.int64
    assert x[0, :, 0].tolist() == [5.0, 6.0, 7.0, 8.0] and y[0, :, 0].tolist() == [6, 7, 8, 9]
    assert (
        x[1, :, 0].tolist() == [3.0, 0.0, 0.0, 0.0]
        and y[1, :, 0].tolist() == [4] + [PAD_TARGET] * 3
    )
    _, last = make_windows([np.array([1, 2, 3])], 5, last_only=True)
    assert last[0, :, 0].tolist() == [PAD_TARGET, 3]
    with pytest.raises(InputError, match="negative"):
        make_windows([np.array([1, -2])], 3)
    with pytest.raises(InputError, match="shift"):
        make_windows([np.array([1, 2])], 3, shift=0)


def test_bad_input_is_named():
    values = np.arange(20.0).reshape(10, 2)
    with pytest.raises(DataError, match="fewer than"):
        make_windows(values, 10)
    with pytest.raises(InputError, match="out of range"):
        make_windows(values, 3, targets=(2,))
    with pytest.raises(DataError, match="NaN"):
        make_windows(np.array([1.0, np.nan, 2.0, 3.0]), 2)
    frame = pd.DataFrame({"y": np.arange(10.0), "cov": np.r_[np.ones(5), np.nan, np.ones(4)]})
    with pytest.raises(DataError, match="'cov'"):
        make_windows(frame, 3, future=2, stride=1, targets=["y"])
    with pytest.raises(DataError, match="'nope'"):
        make_windows(frame, 3, targets=["nope"])
    with pytest.raises(DataError, match="sorted"):
        make_windows(frame.iloc[::-1], 3)
    with pytest.raises(InputError, match="length"):
        make_windows(values, 0)
    with pytest.raises(InputError, match="last_only"):
        make_windows(values, 3, last_only=True)
    with pytest.raises(InputError, match="segments"):
        make_windows([np.array([1, 2])], 3, segments=[(0, 2)])
    with pytest.raises(InputError, match="known"):
        make_windows(frame, 3, known=["y"])


def test_masked_mse_matches_the_two_losses_it_replaced():
    out = (torch.arange(30, dtype=torch.float32).reshape(2, 5, 3) * 7 % 11) / 4  # (B, T, K=3)
    values = (torch.arange(30, dtype=torch.float32).reshape(2, 5, 3) * 5 % 7) / 2
    weights = (torch.arange(30).reshape(2, 5, 3) % 3 != 1).float()
    assert masked_mse(out, torch.cat([values, weights], -1)).item() == 2.015625
    target_1 = torch.cat([values[..., :1], weights[..., :1]], -1)  # (B, T, 2): value, mask
    assert masked_mse(out[..., :1], target_1).item() == 1.125
    with pytest.raises(InputError, match="weights"):
        masked_mse(out, torch.cat([values, weights], -1)[..., :5])


def test_masked_mse_ignores_padding_when_training_on_whole_units():
    from tslib.encoders import RecurrentEncoder

    frame = unit_frame()
    data = make_windows(frame, None, columns=["a", "b"], targets=["rul"], shift=0)
    model = RecurrentEncoder(input_size=2, hidden_size=4, output_size=1)
    history = fit(model, data.pair, loss=masked_mse, epochs=2, device="cpu")
    assert len(history) == 2 and np.isfinite(history["train_loss"]).all()
    padded = data.y.clone()
    padded[1, 3:, 0] = 1e6  # values under weight 0 change nothing
    outputs = torch.zeros(3, 11, 1)
    assert masked_mse(outputs, padded).item() == masked_mse(outputs, data.y).item()


def test_horizon_targets_weight_only_observed_targets_inside_the_data():
    from tslib.training.multi_horizon import horizon_targets

    y = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    table = horizon_targets(y, np.isfinite(y), [1, 2])  # (T, 2 H): values, then weights
    np.testing.assert_array_equal(table[:, :2], [[1, 0], [0, 3], [3, 4], [4, 0], [0, 0]])
    np.testing.assert_array_equal(table[:, 2:], [[1, 0], [0, 1], [1, 1], [1, 0], [0, 0]])
    outputs = torch.from_numpy(table[None, :, :2].copy())  # a perfect forecast: loss 0
    assert masked_mse(outputs, torch.from_numpy(table[None])).item() == 0.0
