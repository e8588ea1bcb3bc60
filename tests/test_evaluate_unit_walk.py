"""The "units" protocol: RUL regressors over a (unit, cycle) frame through ts.backtest / ts.replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression

import tslib as ts
from tslib.encoders import RecurrentEncoder
from tslib.errors import DataError, InputError
from tslib.evaluate import UNIT_SCORERS, paired_unit_bootstrap
from tslib.evaluate.protocols import protocol_for
from tslib.evaluate.unit_comparison import bootstrap_verdict
from tslib.evaluate.unit_walk import (
    UNIT_COLUMNS,
    UNIT_TABLE_SCORERS,
    backtest_units,
    unit_score_table,
)
from tslib.metrics import nasa_score, rul_rmse
from tslib.training import make_windows, masked_mse


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [(unit, cycle) for unit, n in ((5, 7), (2, 3), (9, 11)) for cycle in range(1, n + 1)]
    index = pd.MultiIndex.from_tuples(rows, names=["unit", "cycle"])
    frame = pd.DataFrame(rng.normal(size=(len(rows), 2)), index=index, columns=["a", "b"])
    end = (
        frame.index.get_level_values(0).map({5: 3.0, 2: 10.0, 9: 0.0}).to_numpy()
    )  # RUL at the end
    frame["rul"] = frame.groupby(level=0).cumcount(ascending=False).to_numpy(float) + end
    return frame


def _model(seed: int = 0) -> RecurrentEncoder:
    torch.manual_seed(seed)
    return RecurrentEncoder(2, 6, 1, cell="gru", seed=seed)


def test_a_unit_frame_goes_to_the_units_protocol():
    frame = _frame()
    assert protocol_for(_model(), frame, "backtest").name == "units"
    assert protocol_for(DummyRegressor(), frame, "backtest").name == "units"
    assert protocol_for(_model(), np.arange(5.0), "backtest").name == "forecast"
    with pytest.raises(InputError, match="no evaluation protocol"):
        ts.backtest({"x": object()}, frame)


def test_encoder_predictions_equal_each_unit_run_alone_from_a_zero_state():
    frame = _frame()
    model = _model()
    data = make_windows(frame, None, columns=["a", "b"], targets=["rul"], shift=0)
    assert len(ts.fit(model, data.pair, loss=masked_mse, epochs=2, device="cpu")) == 2
    model.train()
    result = ts.backtest({"gru": model}, frame, columns=["a", "b"], floor=None, batch_size=2)
    assert model.training  # the backtest restores the training flag
    assert list(result.columns) == UNIT_COLUMNS and len(result) == len(frame)
    assert result.attrs["protocols"] == {"gru": "units"}
    assert result["unit"].tolist() == frame.index.get_level_values(0).tolist()
    assert result["cycle"].tolist() == frame.index.get_level_values(1).tolist()
    for unit, part in frame.groupby(level=0, sort=False):
        alone, _ = model(torch.tensor(part[["a", "b"]].to_numpy(np.float32))[None])  # (1, L, 1)
        rows = (result["unit"] == unit).to_numpy()
        np.testing.assert_allclose(
            result["y_pred"].to_numpy()[rows], alone[0, :, 0].detach().numpy(), atol=1e-5
        )
    assert result.groupby("unit", sort=False)["last"].sum().tolist() == [1, 1, 1]
    assert result["last"].to_numpy().nonzero()[0].tolist() == [6, 9, 20]


def test_scale_floor_cap_and_regressor_inputs():
    frame = _frame()
    model = _model()
    raw = ts.backtest({"gru": model}, frame, columns=["a", "b"], floor=None)["y_pred"].to_numpy()
    linear = LinearRegression().fit(frame[["a"]] * 2.0, frame["rul"])
    options = {"columns": ["a", "b"], "cap": 8.0, "scale": {"gru": 100.0}}
    result = ts.backtest(
        {"gru": model, "linear": linear}, frame, features=lambda f: f[["a"]] * 2.0, **options
    )
    gru, lin = result[result["model"] == "gru"], result[result["model"] == "linear"]
    np.testing.assert_allclose(gru["y_pred"], np.clip(raw * 100.0, 0.0, None))
    np.testing.assert_allclose(lin["y_pred"], np.clip(linear.predict(frame[["a"]] * 2.0), 0, None))
    np.testing.assert_array_equal(gru["y_true"], frame["rul"])
    np.testing.assert_array_equal(gru["y_capped"], np.minimum(frame["rul"], 8.0))
    assert result.attrs["cap"] == 8.0 and result.attrs["target"] == "rul"
    # a precomputed feature frame, and the default inputs data[columns]
    same = backtest_units({"linear": linear}, frame, features=frame[["a"]] * 2.0)
    np.testing.assert_array_equal(same["y_pred"], lin["y_pred"])
    plain = LinearRegression().fit(frame[["a", "b"]], frame["rul"])
    default = backtest_units({"p": plain}, frame, columns=["a", "b"], floor=None)
    np.testing.assert_allclose(default["y_pred"], plain.predict(frame[["a", "b"]]))


def test_scorers_score_the_last_cycle_every_cycle_and_the_cycles_within_the_cap():
    frame = _frame()
    mean = DummyRegressor(constant=None).fit(frame[["a"]], frame["rul"])
    result = backtest_units({"mean": mean}, frame, columns=["a"], cap=6.0)
    pred, truth = result["y_pred"].to_numpy(), frame["rul"].to_numpy()
    last = result["last"].to_numpy()
    capped = np.minimum(truth, 6.0)
    expected = {
        "rmse_last": rul_rmse(truth[last], pred[last]),
        "nasa_last": nasa_score(truth[last], pred[last]),
        "rmse_last_capped": rul_rmse(capped[last], pred[last]),
        "nasa_last_capped": nasa_score(capped[last], pred[last]),
        "rmse_all": rul_rmse(truth, pred),
        "nasa_all": nasa_score(truth, pred),
        "rmse_all_capped": rul_rmse(capped, pred),
        "nasa_all_capped": nasa_score(capped, pred),
        "rmse_within_cap": rul_rmse(truth[truth <= 6.0], pred[truth <= 6.0]),
    }
    assert set(UNIT_SCORERS) == set(expected)
    table = ts.score(result, list(expected), by=["model"], known=UNIT_SCORERS)
    for name, value in expected.items():
        assert table[name].iloc[0] == pytest.approx(value, rel=1e-12), name
    assert expected["rmse_last"] != expected["rmse_last_capped"]  # the cap bites at the last cycle
    # through the verb: default grouping is (model, unit); a unit with no cycle within the cap is NaN
    per_unit = ts.backtest(
        {"mean": mean}, frame, columns=["a"], cap=6.0, scorers=["rmse_last", "rmse_within_cap"]
    )
    assert per_unit[["model", "unit"]].values.tolist() == [["mean", 2], ["mean", 5], ["mean", 9]]
    assert per_unit["n"].tolist() == [3, 7, 11]
    # unit 2 ends at RUL 10: none of its cycles lies within the cap of 6
    assert per_unit["rmse_within_cap"].isna().tolist() == [True, False, False]
    assert per_unit["rmse_last"].tolist() == pytest.approx(np.abs(pred[0] - [10.0, 3.0, 0.0]))


def test_replay_streams_every_unit_and_labels_each_estimate_with_the_previous_cycle():
    frame = _frame()
    model = _model()
    frame["target"] = frame["rul"] / 10.0
    replayed, summary = ts.replay(model, frame, columns=["a", "b"], target="target", device="cpu")
    assert summary["streams"] == 3 and summary["ticks"] == 11
    assert set(replayed["stream"]) == {5, 2, 9} and len(replayed) == len(frame)
    forward = ts.backtest({"gru": model}, frame, columns=["a", "b"], floor=None)
    for unit, part in replayed.groupby("stream"):
        outputs = forward.loc[forward["unit"] == unit, "y_pred"].to_numpy()
        labels = frame.loc[unit, "target"].to_numpy()
        assert np.isnan(part["y_pred"].iloc[0]) and np.isnan(part["y_true"].iloc[0])
        np.testing.assert_allclose(part["y_pred"].to_numpy()[1:], outputs[:-1], atol=1e-5)
        np.testing.assert_array_equal(part["y_true"].to_numpy()[1:], labels[:-1])
    runner = ts.StepwiseRunner(model, device="cpu")
    again, _ = ts.replay(runner, frame, columns=["a", "b"])  # a runner; no target: nothing scored
    assert again["y_true"].isna().all()
    with pytest.raises(InputError, match="target=COLUMN"):
        ts.replay(model, frame, columns=["a", "b"], targets={})


def test_bad_input_names_the_problem():
    frame = _frame()
    model = _model()
    with pytest.raises(DataError, match=r"\(unit, cycle\)"):
        backtest_units({"gru": model}, frame.reset_index(drop=True), columns=["a"])
    with pytest.raises(DataError, match="contiguous"):
        backtest_units({"gru": model}, frame.iloc[[0, 8, 1]], columns=["a", "b"])
    with pytest.raises(DataError, match="increasing order"):
        backtest_units({"gru": model}, frame.iloc[[1, 0, 2]], columns=["a", "b"])
    with pytest.raises(InputError, match="needs columns"):
        backtest_units({"gru": model}, frame)
    with pytest.raises(InputError, match="features=FRAME"):
        backtest_units({"mean": DummyRegressor().fit(frame[["a"]], frame["rul"])}, frame)
    with pytest.raises(InputError, match="index"):
        backtest_units({"m": DummyRegressor()}, frame, features=frame[["a"]].iloc[:-1])
    with pytest.raises(InputError, match="scale of 'gru'"):
        backtest_units({"gru": model}, frame, columns=["a", "b"], scale={"gru": "x"})
    with pytest.raises(InputError, match="neither"):
        backtest_units({"x": object()}, frame, columns=["a", "b"])
    with pytest.raises(InputError, match="cap"):
        backtest_units({"gru": model}, frame, columns=["a", "b"], cap=-1)
    gappy = frame.copy()
    gappy.iloc[2, 2] = np.nan
    with pytest.raises(DataError, match="'rul' is not finite"):
        backtest_units({"gru": model}, gappy, columns=["a", "b"])
    with pytest.raises(DataError, match="'zz'"):
        backtest_units({"gru": model}, frame, columns=["a", "b"], target="zz")


def _last_rows(models: dict[str, np.ndarray], truth: np.ndarray) -> pd.DataFrame:
    units = np.arange(truth.size)
    return pd.concat(
        pd.DataFrame({"model": name, "unit": units, "last": True, "y_true": truth, "y_pred": pred})
        for name, pred in models.items()
    )


def test_paired_unit_bootstrap_is_scipys_paired_percentile_interval():
    rng = np.random.default_rng(3)
    truth = rng.uniform(10, 120, size=40)
    good, bad = truth + rng.normal(0, 5, 40), truth + rng.normal(0, 25, 40)
    frame = _last_rows({"good": good, "bad": bad}, truth)
    result = paired_unit_bootstrap(frame, "good", "bad", n_resamples=500, seed=1)
    a, b = good - truth, bad - truth
    expected = stats.bootstrap(
        (a, b),
        lambda x, y, axis=-1: np.sqrt(np.mean(x**2, axis)) - np.sqrt(np.mean(y**2, axis)),
        paired=True, vectorized=True, n_resamples=500, random_state=1, method="percentile",
    ).confidence_interval  # fmt: skip
    assert result["low"] == pytest.approx(expected.low) and result["high"] == pytest.approx(
        expected.high
    )
    assert result["difference"] == pytest.approx(np.sqrt(np.mean(a**2)) - np.sqrt(np.mean(b**2)))
    assert result["high"] < 0 and result["n_units"] == 40  # the better model is told apart
    # pairing is by unit, not by row order
    shuffled = pd.concat([frame[frame["model"] == "good"], frame[frame["model"] == "bad"][::-1]])
    again = paired_unit_bootstrap(shuffled, "good", "bad", n_resamples=500, seed=1)
    assert again["low"] == pytest.approx(result["low"])


def test_paired_unit_bootstrap_rejects_unpaired_input():
    truth = np.arange(10.0, 20.0)
    frame = _last_rows({"a": truth + 1, "b": truth - 1}, truth)
    with pytest.raises(InputError, match="no rows of model 'c'"):
        paired_unit_bootstrap(frame, "a", "c")
    with pytest.raises(InputError, match="different units"):
        paired_unit_bootstrap(frame.iloc[:-1], "a", "b")
    with pytest.raises(InputError, match="several rows per unit"):
        paired_unit_bootstrap(pd.concat([frame, frame]), "a", "b")


def test_unit_score_table_names_the_protocol_columns_per_model():
    frame = _frame()
    regressors = {
        "mean": DummyRegressor().fit(frame[["a"]], frame["rul"]),
        "linear": LinearRegression().fit(frame[["a", "b"]], frame["rul"]),
    }
    predictions = backtest_units(regressors, frame, columns=["a", "b"], cap=6.0)
    table = unit_score_table(predictions, ["linear", "mean"])
    assert list(table.index) == ["linear", "mean"]
    assert list(table.columns) == list(UNIT_TABLE_SCORERS)
    for model in ("linear", "mean"):
        rows = predictions[predictions["model"] == model]
        last = rows[rows["last"]]
        assert table.loc[model, "rmse"] == pytest.approx(rul_rmse(last["y_true"], last["y_pred"]))
        assert table.loc[model, "nasa_capped_truth"] == pytest.approx(
            nasa_score(last["y_capped"], last["y_pred"])
        )
        within = rows[rows["y_true"] <= 6.0]
        assert table.loc[model, "rmse_all_cycles"] == pytest.approx(
            rul_rmse(within["y_true"], within["y_pred"])
        )
    assert list(unit_score_table(predictions).index) == ["mean", "linear"]
    with pytest.raises(InputError, match="no predictions"):
        unit_score_table(predictions, ["gru"])


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [(-2.0, -0.5, "better"), (0.5, 2.0, "worse"), (-1.0, 1.0, "not distinguishable from")],
)
def test_bootstrap_verdict_reads_the_interval(low, high, verdict):
    result = {"difference": -1.0, "low": low, "high": high, "n_units": 9, "confidence": 0.95}
    lines = bootstrap_verdict(result, "gru", "gbt")
    assert lines == [
        f"RMSE difference gru - gbt: -1.00 cycles, 95% paired bootstrap CI [{low:+.2f}, "
        f"{high:+.2f}] over 9 test units",
        f"=> gru is {verdict} gbt at the 5% level",
    ]
    with pytest.raises(InputError, match="lacks"):
        bootstrap_verdict({"difference": 1.0}, "gru", "gbt")
