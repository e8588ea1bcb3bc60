"""Frames with a (unit, cycle) MultiIndex hold one stream per unit: no memory crosses units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.preprocess import Difference, EWMASmoother, ForwardFill, Pipeline, StandardScaler


def _units_frame() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(
        [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)], names=["unit", "cycle"]
    )
    values = [1.0, 2.0, 4.0, 100.0, np.nan, 7.0, 9.0, 8.0]
    return pd.DataFrame({"s": values, "other": np.arange(8.0)}, index=index)


@pytest.mark.parametrize(
    "transform",
    [Difference(columns=["s"]), EWMASmoother(alpha=0.5, columns=["s"]), ForwardFill(columns=["s"])],
    ids=["difference", "ewma", "ffill"],
)
def test_each_unit_is_transformed_from_a_fresh_state(transform):
    frame = _units_frame()
    transform.fit(frame)
    whole = transform.transform(frame)
    for unit, part in frame.groupby(level=0):
        alone = transform.transform(part.droplevel(0))  # the unit as a plain series
        np.testing.assert_allclose(
            whole.loc[unit, "s"].to_numpy(), alone["s"].to_numpy(), equal_nan=True
        )
        # stepping a unit from init_state equals its slice of transform
        state, stepped = transform.init_state(), []
        for _, row in part.iterrows():
            out, state = transform.step(row, state)
            stepped.append(out["s"])
        np.testing.assert_allclose(whole.loc[unit, "s"].to_numpy(), stepped, equal_nan=True)
    assert whole["other"].tolist() == frame["other"].tolist()  # pass-through untouched


def test_difference_does_not_subtract_the_previous_units_last_value():
    frame = _units_frame()
    diffs = Difference(columns=["s"]).fit(frame).transform(frame)["s"]
    assert np.isnan(diffs.loc[(2, 1)]) and np.isnan(diffs.loc[(3, 1)])
    assert diffs.loc[(3, 2)] == 2.0


def test_pipeline_over_units_and_interleaved_rows_keep_their_order():
    frame = _units_frame().iloc[[0, 3, 5, 1, 4, 6, 2, 7]]  # units interleaved by time
    pipeline = Pipeline([("fill", ForwardFill(columns=["s"])), ("diff", Difference(columns=["s"]))])
    out = pipeline.fit(frame).transform(frame)
    assert list(out.index) == list(frame.index)
    assert out.loc[(1, 2), "s"] == 1.0 and np.isnan(out.loc[(2, 1), "s"])
    assert out.loc[(2, 2), "s"] == 0.0  # forward fill stayed inside unit 2, then differenced


def test_scaler_fits_pooled_units_and_scales_every_row():
    frame = _units_frame().dropna()
    scaled = StandardScaler(columns=["s"]).fit(frame).transform(frame)["s"]
    expected = (frame["s"] - frame["s"].mean()) / frame["s"].std(ddof=0)
    np.testing.assert_allclose(scaled.to_numpy(), expected.to_numpy())


def test_rows_out_of_order_inside_a_unit_are_rejected_naming_the_unit():
    from tslib.errors import DataError

    frame = _units_frame().iloc[[0, 2, 1, 3, 4, 5, 6, 7]]  # unit 1: cycles 1, 3, 2
    with pytest.raises(DataError, match="stream 1 are not sorted"):
        Difference(columns=["s"]).fit(frame)
