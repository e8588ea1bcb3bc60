"""window_features: trailing per-unit statistics, causal, equal to a plain loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.baselines.rul_features import window_features
from tslib.errors import DataError, InputError


def _frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(unit, cycle) for unit, n in ((3, 9), (1, 2), (7, 14)) for cycle in range(1, n + 1)]
    index = pd.MultiIndex.from_tuples(rows, names=["unit", "cycle"])
    data = rng.normal(size=(len(rows), 2)) * [1.0, 50.0] + [0.0, 2000.0]
    return pd.DataFrame(data, index=index, columns=["a", "b"])


def _reference(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    rows = []
    for _, part in frame.groupby(level=0, sort=False):
        for i in range(len(part)):
            block = part.iloc[max(0, i - window + 1) : i + 1]
            row = {}
            for column in frame.columns:
                x = block[column].to_numpy()
                t = np.arange(len(x), dtype=float)
                slope = np.polyfit(t, x, 1)[0] if len(x) > 1 else 0.0
                row |= {
                    f"{column}_last": x[-1],
                    f"{column}_mean": x.mean(),
                    f"{column}_std": x.std(),
                    f"{column}_slope": slope,
                }
            rows.append(row | {"cycles_seen": i + 1.0})
    return pd.DataFrame(rows, index=frame.index)


@pytest.mark.parametrize("window", [1, 4, 30])
def test_features_equal_a_plain_loop_per_unit(window):
    frame = _frame()
    features = window_features(frame, ["a", "b"], window)
    expected = _reference(frame, window)
    assert list(features.columns) == list(expected.columns)
    np.testing.assert_allclose(features.to_numpy(), expected.to_numpy(), atol=1e-7)


def test_features_are_causal_and_never_cross_units():
    frame = _frame(1)
    whole = window_features(frame, ["a"], 5)
    for stop in (4, 10, 20):
        head = window_features(frame.iloc[:stop], ["a"], 5)
        np.testing.assert_allclose(head.to_numpy(), whole.to_numpy()[:stop])
    changed = frame.copy()
    changed.loc[3, "a"] = 1e6  # unit 3 comes first; unit 1 must not see it
    np.testing.assert_allclose(
        window_features(changed, ["a"], 5).loc[1].to_numpy(), whole.loc[1].to_numpy()
    )


def test_errors_name_the_problem():
    frame = _frame()
    with pytest.raises(DataError, match="MultiIndex"):
        window_features(frame.reset_index(drop=True), ["a"], 3)
    with pytest.raises(DataError, match="'zz'"):
        window_features(frame, ["zz"], 3)
    with pytest.raises(InputError, match="window"):
        window_features(frame, ["a"], 0)
    gappy = frame.copy()
    gappy.iloc[4, 0] = np.nan
    with pytest.raises(DataError, match="'a' is not finite"):
        window_features(gappy, ["a"], 3)
    with pytest.raises(DataError, match="contiguous"):
        window_features(frame.iloc[[0, 10, 1]], ["a"], 3)
