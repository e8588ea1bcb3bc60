"""unit_sequences / masked_mse / unit_predictions: padded whole trajectories, masked loss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.encoders import RecurrentEncoder
from tslib.errors import DataError, InputError
from tslib.training import fit
from tslib.training.unit_sequences import masked_mse, unit_predictions, unit_sequences


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [(unit, cycle) for unit, n in ((5, 7), (2, 3), (9, 11)) for cycle in range(1, n + 1)]
    index = pd.MultiIndex.from_tuples(rows, names=["unit", "cycle"])
    frame = pd.DataFrame(rng.normal(size=(len(rows), 2)), index=index, columns=["a", "b"])
    frame["rul"] = frame.groupby(level=0).cumcount(ascending=False).astype(float)
    return frame


def test_units_are_padded_after_their_end_with_a_mask():
    frame = _frame()
    data = unit_sequences(frame, ["a", "b"], "rul")
    assert data.units == [5, 2, 9] and data.lengths.tolist() == [7, 3, 11]
    assert tuple(data.x.shape) == (3, 11, 2) and tuple(data.y.shape) == (3, 11, 2)
    np.testing.assert_allclose(data.x[1, :3].numpy(), frame.loc[2, ["a", "b"]].to_numpy())
    np.testing.assert_allclose(data.x[1, 3:].numpy(), np.repeat(data.x[1, 2:3].numpy(), 8, 0))
    assert data.y[1, :, 1].tolist() == [1.0] * 3 + [0.0] * 8
    assert data.y[1, :3, 0].tolist() == [2.0, 1.0, 0.0]
    assert unit_sequences(frame, ["a"]).y is None
    with pytest.raises(InputError, match="without a target"):
        _ = unit_sequences(frame, ["a"]).pair


def test_masked_mse_ignores_padding():
    outputs = torch.tensor([[[1.0], [2.0], [100.0]]])  # (1, 3, 1)
    target = torch.tensor([[[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]]])  # last step is padding
    assert float(masked_mse(outputs, target)) == pytest.approx(2.5)
    with pytest.raises(InputError, match="masked_mse"):
        masked_mse(outputs, target[..., :1])


def test_predictions_per_row_equal_each_unit_run_alone():
    frame = _frame()
    torch.manual_seed(0)
    model = RecurrentEncoder(2, 6, 1, cell="gru")
    data = unit_sequences(frame, ["a", "b"], "rul")
    history = fit(model, data.pair, loss=masked_mse, epochs=2, device="cpu")
    assert len(history) == 2
    predictions = unit_predictions(model, frame, ["a", "b"], batch_size=2)
    assert predictions.shape == (len(frame), 1)
    for unit, part in frame.groupby(level=0, sort=False):
        alone, _ = model(torch.tensor(part[["a", "b"]].to_numpy(np.float32))[None])  # (1, L, 1)
        rows = frame.index.get_level_values(0) == unit
        np.testing.assert_allclose(predictions[rows, 0], alone[0, :, 0].detach().numpy(), atol=1e-5)


def test_errors_name_the_problem():
    frame = _frame()
    with pytest.raises(DataError, match="MultiIndex"):
        unit_sequences(frame.reset_index(drop=True), ["a"])
    with pytest.raises(DataError, match="contiguous"):
        unit_sequences(frame.iloc[[0, 8, 1]], ["a"])
    gappy = frame.copy()
    gappy.iloc[3, 1] = np.nan
    with pytest.raises(DataError, match="'b' is not finite"):
        unit_sequences(gappy, ["a", "b"])
    with pytest.raises(DataError, match="'zz'"):
        unit_sequences(frame, ["zz"])
