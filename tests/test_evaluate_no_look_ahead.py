"""backtest never sees a value after its origin (property), and reports data units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tslib.baselines import (
    BASELINE_REGISTRY,
    ETSForecaster,
    GarchVaR,
    NaiveForecaster,
    SarimaxForecaster,
    SeasonalNaiveForecaster,
)
from tslib.baselines.testing import make_test_data
from tslib.encoders import CausalTransformerEncoder, RecurrentEncoder
from tslib.errors import InputError
from tslib.evaluate import backtest, replay, summarize
from tslib.evaluate.protocols import protocol_for
from tslib.preprocess import StandardScaler

LENGTH, START, HORIZON = 48, 24, 4


def _series(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(LENGTH)
    return 10 + 3 * np.sin(t * 0.5) + rng.standard_normal(LENGTH)


def _calendar() -> np.ndarray:
    return np.cos(np.arange(LENGTH) * 0.5)  # known in advance


def _inputs(y: np.ndarray) -> np.ndarray:
    return np.stack([y, _calendar()], axis=1)  # (T, 2): column 0 derived from y


# name -> (model factory, uses x with a known calendar column)
MODELS = {
    "lstm_default_x": (lambda: RecurrentEncoder(1, 6, 1, feedback_inputs=(0,), seed=0), False),
    "gru_calendar": (
        lambda: RecurrentEncoder(2, 6, 1, cell="gru", feedback_inputs=(0,), seed=1),
        True,
    ),
    "lstm_quantile": (
        lambda: RecurrentEncoder(2, 6, 1, head="quantile", feedback_inputs=(0,), seed=2),
        True,
    ),
    "transformer": (
        lambda: CausalTransformerEncoder(
            2, 8, 1, n_heads=2, num_layers=1, context=5, feedback_inputs=(0,), seed=3
        ),
        True,
    ),
    "naive": (NaiveForecaster, False),
    "seasonal_naive": (lambda: SeasonalNaiveForecaster(4), False),
    "sarimax": (lambda: SarimaxForecaster(order=(1, 0, 0)), False),
    "ets": (lambda: ETSForecaster(), False),
}


def _run(name: str, y: np.ndarray) -> pd.DataFrame:
    factory, with_x = MODELS[name]
    options = {"x": _inputs(y), "known_columns": [1]} if with_x else {}
    return backtest(
        {name: factory()}, y, start=START, horizon=HORIZON, every=3, device="cpu", **options
    )


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", sorted(MODELS))
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(START, LENGTH - HORIZON),
    shift=st.floats(-50, 50).filter(abs),
    seed=st.integers(0, 3),
)
def test_perturbing_y_after_the_origin_never_changes_its_forecast(name, cut, shift, seed):
    y = _series(seed)
    perturbed = y.copy()
    perturbed[cut:] += shift * (1 + np.arange(LENGTH - cut))  # every value from `cut` on changes
    before, after = _run(name, y), _run(name, perturbed)
    seen = before["origin"] < cut  # origin = last observation seen, so it saw only y[:cut]
    assert seen.any()
    np.testing.assert_array_equal(
        before.loc[seen, "y_pred"].to_numpy(), after.loc[seen, "y_pred"].to_numpy()
    )


def test_a_model_that_does_not_feed_y_back_is_refused_at_horizon_above_one():
    y = _series()
    leaky = RecurrentEncoder(1, 6, 1, feedback_inputs=(), seed=0)  # the reproduction in the issue
    with pytest.raises(InputError, match=r"feedback_inputs=\(0,\)"):
        backtest({"m": leaky}, y, start=START, horizon=3, device="cpu")
    frame = backtest({"m": leaky}, y, start=START, horizon=1, device="cpu")  # one step is fine
    assert len(frame) == LENGTH - START


def test_undeclared_covariates_are_refused_and_declared_ones_are_used():
    y = _series()
    model = RecurrentEncoder(2, 6, 1, feedback_inputs=(0,), seed=0)
    with pytest.raises(InputError, match=r"column\(s\) \[1\].*known_columns"):
        backtest({"m": model}, y, x=_inputs(y), start=START, horizon=3, device="cpu")
    with pytest.raises(InputError, match="known_columns"):
        backtest({"m": model}, y, x=_inputs(y), known_columns=[5], start=START, horizon=3)
    base = backtest(
        {"m": model}, y, x=_inputs(y), known_columns=[1], start=START, horizon=3, device="cpu"
    )
    other = _inputs(y)
    other[:, 1] += 1.0  # the known covariate matters to the forecast
    moved = backtest(
        {"m": model}, y, x=other, known_columns=[1], start=START, horizon=3, device="cpu"
    )
    assert not np.allclose(base["y_pred"], moved["y_pred"])


def test_backtest_summarize_and_replay_report_data_units():
    raw = _series()
    frame = pd.DataFrame({"y": raw})
    scaler = StandardScaler(columns=["y"]).fit(frame.iloc[:START])
    scaled = scaler.transform(frame)["y"].to_numpy()
    mean, std = raw[:START].mean(), raw[:START].std()
    model = RecurrentEncoder(1, 6, 1, feedback_inputs=(0,), seed=0)
    models = {"m": model, "naive": NaiveForecaster()}
    in_model_units = backtest(models, scaled, start=START, horizon=2, device="cpu")
    in_data_units = backtest(
        models, scaled, start=START, horizon=2, device="cpu", target_transform=scaler
    )
    assert in_model_units.attrs["units"] == "model" and in_data_units.attrs["units"] == "data"
    np.testing.assert_allclose(in_data_units["y_true"], raw[in_data_units["timestamp"]])
    np.testing.assert_allclose(in_data_units["y_pred"], in_model_units["y_pred"] * std + mean)
    scaled_table = summarize(in_model_units, metrics=("mae",))
    data_table = summarize(in_data_units, metrics=("mae",))
    np.testing.assert_allclose(data_table["mae"], scaled_table["mae"] * std)
    again = summarize(in_model_units, metrics=("mae",), target_transform=scaler)
    np.testing.assert_allclose(again["mae"], data_table["mae"])
    with pytest.raises(InputError, match="already in data units"):
        summarize(in_data_units, target_transform=scaler)
    plain = replay(model, scaled[:, None], device="cpu")
    live = replay(model, scaled[:, None], device="cpu", target_transform=scaler)
    assert live.frame.attrs["units"] == "data"
    np.testing.assert_allclose(live.frame["y_true"], raw)
    np.testing.assert_allclose(live.summary["mae"], plain.summary["mae"] * std, rtol=1e-6)


def test_replay_starts_warm_from_a_history():
    y = _series()[:, None]
    model = RecurrentEncoder(1, 6, 1, feedback_inputs=(0,), seed=0)
    cold = replay(model, {0: y}, device="cpu")
    warm = replay(model, {0: y[START:]}, warmup={0: y[:START]}, device="cpu")
    # Warm from y[:START] is exactly the cold run's continuation from tick START on.
    np.testing.assert_allclose(
        warm.frame["y_pred"].to_numpy(), cold.frame["y_pred"].to_numpy()[START:], atol=1e-5
    )
    assert not np.isnan(warm.frame["y_pred"].iloc[0])  # informed from the first tick
    with pytest.raises(InputError, match="not replayed"):
        replay(model, {0: y}, warmup={1: y[:3]}, device="cpu")


REGISTERED_FORECASTERS = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, cls in sorted(BASELINE_REGISTRY.items())
    if cls.kind == "forecaster"
    for i, config in enumerate(cls.test_config())
    if config.get("data") == "seasonal" and "exog" not in config
]


@pytest.mark.parametrize(("name", "i"), REGISTERED_FORECASTERS)
def test_every_registered_forecaster_sees_nothing_after_its_origin(name, i):
    cls = BASELINE_REGISTRY[name]
    config = cls.test_config()[i]
    y, n_train = make_test_data(config["data"])
    cut = n_train + 7
    perturbed = np.asarray(y, dtype=np.float64).copy()
    perturbed[cut:] += 100.0
    runs = [
        backtest({name: cls(**config["params"])}, series, start=n_train, horizon=3, every=2)
        for series in (y, perturbed)
    ]
    seen = runs[0]["origin"] < cut
    assert seen.any()
    np.testing.assert_array_equal(runs[0].loc[seen, "y_pred"], runs[1].loc[seen, "y_pred"])


def test_a_risk_model_is_not_taken_for_a_forecaster():
    """GarchVaR goes to the "risk" protocol (VaR / ES rows), never to the forecast backtest."""
    assert protocol_for(GarchVaR(), _series(), "backtest").name == "risk"
    with pytest.raises(InputError, match="horizon"):  # a risk option set, not forecast_backtest's
        backtest({"garch": GarchVaR()}, _series(), start=START, horizon=1)
    returns = np.random.default_rng(0).standard_normal(200)
    frame = backtest({"garch": GarchVaR()}, returns, start=150)
    assert frame.attrs["protocols"] == {"garch": "risk"}
    assert {"var99", "es99", "variance"} <= set(frame.columns) and "y_pred" not in frame
