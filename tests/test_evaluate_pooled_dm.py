"""Diebold–Mariano per horizon on absolute errors pooled over streams at each origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.evaluate.pooled_dm import pooled_dm_table
from tslib.metrics import diebold_mariano


def _frame(seed: int = 0, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for model, noise in (("a", 1.0), ("b", 1.3)):
        for stream in ("s0", "s1"):
            for horizon in (1, 3):
                rows.append(
                    pd.DataFrame(
                        {
                            "model": model,
                            "stream": stream,
                            "horizon": horizon,
                            "origin": np.arange(n),
                            "y_true": 0.0,
                            "y_pred": rng.normal(0, noise, n),
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def test_errors_are_averaged_over_streams_per_origin_before_the_test():
    frame = _frame()
    table = pooled_dm_table(frame, "a", "b", lags={1: 1, 3: 3})
    assert table["horizon"].tolist() == [1, 3] and (table["origins"] == 60).all()
    at = frame[frame["horizon"] == 3].assign(e=lambda d: (d.y_true - d.y_pred).abs())
    pooled = at.groupby(["origin", "model"])["e"].mean().unstack()
    expected = diebold_mariano(pooled["a"], pooled["b"], horizon=3, loss="absolute")
    row = table.iloc[1]
    assert row["DM stat"] == pytest.approx(expected["stat"])
    assert row["p-value"] == pytest.approx(expected["pvalue"])
    assert row["MAE a"] == pytest.approx(at[at.model == "a"]["e"].mean())
    # the lag defaults to the horizon value
    assert pooled_dm_table(frame, "a", "b")["p-value"].iloc[1] == pytest.approx(row["p-value"])


def test_unknown_models_and_columns_are_named():
    frame = _frame()
    with pytest.raises(InputError, match="'c'"):
        pooled_dm_table(frame, "a", "c")
    with pytest.raises(InputError, match="origin"):
        pooled_dm_table(frame.drop(columns="origin"), "a", "b")
