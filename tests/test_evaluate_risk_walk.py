"""The "risk" protocol's backtest: baselines walked day by day, deep risk models, options."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tslib.baselines import GarchVaR, HistoricalVaR, NormalVaR, RiskMetricsVaR
from tslib.calibration import AdaptiveConformal, calibrate_var
from tslib.encoders import RecurrentEncoder
from tslib.encoders.risk_head import StudentTQuantileHead
from tslib.errors import InputError
from tslib.evaluate import RiskStream, backtest
from tslib.evaluate.protocols import protocol_for
from tslib.evaluate.risk_forecast import LocationScaleForecast
from tslib.preprocess import VolatilityFeatures

FEATURES = ["z", "abs_z", "log_vol", "log_vol_ratio"]


@pytest.fixture(scope="module")
def returns() -> np.ndarray:
    rng = np.random.default_rng(0)
    sigma = np.r_[np.full(400, 1.0), np.full(200, 2.5)]
    return 0.03 + sigma * rng.standard_t(6, size=600) * np.sqrt(4 / 6)


def make_stream(values: np.ndarray, start: int = 300) -> RiskStream:
    days = pd.bdate_range("2004-01-01", periods=values.size)
    frame = pd.DataFrame({"return": values}, index=days)
    transform = VolatilityFeatures("return").fit(frame.iloc[: start - 50])
    return RiskStream(frame, start, transform, FEATURES, scale_column="sigma", clip=10.0)


def risk_encoder(seed: int = 0) -> RecurrentEncoder:
    head = StudentTQuantileHead(quantiles=(0.01, 0.05))
    return RecurrentEncoder(len(FEATURES), 6, 1, cell="gru", head=head, seed=seed)


def var_of(frame: pd.DataFrame, model: str, column: str = "var99") -> np.ndarray:
    return frame.loc[frame["model"] == model, column].to_numpy()


def test_walks_equal_the_stepwise_baselines(returns):
    models = {"ewma": RiskMetricsVaR(), "garch": GarchVaR(alpha=0.01), "normal": NormalVaR()}
    frame = backtest(models, returns, start=300, refit_every=None)
    path = RiskMetricsVaR().fit(returns[:300]).run(returns[300:])
    np.testing.assert_allclose(
        np.sqrt(var_of(frame, "ewma", "variance")), path["sigma"], rtol=1e-12
    )
    np.testing.assert_allclose(var_of(frame, "ewma"), path["var"], rtol=1e-12)
    reference = GarchVaR(alpha=0.01).fit(returns[:300]).run(returns[300:])["var"]
    np.testing.assert_allclose(var_of(frame, "garch"), reference, rtol=1e-8)
    fits = frame.attrs["fits"][("garch", 0)]
    assert len(fits) == 1 and fits[0]["n_obs"] == 300 and fits[0]["day"] == 300
    normal = var_of(frame, "normal")
    assert normal[0] == normal[-1]
    assert frame.attrs["protocols"] == dict.fromkeys(models, "risk")


def test_historical_simulation_equals_historical_var(returns):
    frame = backtest({"hs": HistoricalVaR(window=100)}, returns, start=300, levels=(0.05,))
    path = HistoricalVaR(window=100, alpha=0.05).fit(returns[:300]).run(returns[300:])
    np.testing.assert_allclose(var_of(frame, "hs", "var95"), path["var"], rtol=1e-12)
    np.testing.assert_allclose(var_of(frame, "hs", "es95"), path["es"], rtol=1e-12)
    np.testing.assert_allclose(var_of(frame, "hs", "variance")[0], returns[200:300].var(ddof=1))


def test_garch_refits_on_schedule_and_window(returns):
    frame = backtest({"g": GarchVaR()}, returns, start=300, refit_every=120, fit_window=250)
    fits = pd.DataFrame(frame.attrs["fits"][("g", 0)])
    assert fits["day"].tolist() == [300, 420, 540]
    assert fits["n_obs"].tolist() == [250, 250, 250]
    assert len(frame) == 300 and {"omega", "nu"} <= set(fits.columns)


@pytest.mark.parametrize(
    "model",
    [GarchVaR(), RiskMetricsVaR(), HistoricalVaR(window=150), "deep"],
    ids=["garch", "riskmetrics", "historical", "deep"],
)
def test_no_look_ahead(returns, model):
    model = risk_encoder() if model == "deep" else model

    def var99(values: np.ndarray) -> np.ndarray:
        frame = backtest({"m": model}, make_stream(values), refit_every=100)
        return var_of(frame, "m")

    reference = var99(returns)
    for day in (0, 57, 150):
        shocked = returns.copy()
        shocked[300 + day :] *= 5.0
        np.testing.assert_allclose(var99(shocked)[: day + 1], reference[: day + 1], rtol=1e-6)
        assert not np.allclose(var99(shocked)[day + 1 :], reference[day + 1 :])


def test_deep_model_reads_the_head_of_the_day_before(returns):
    stream, model = make_stream(returns), risk_encoder()
    frame = backtest({"gru": model}, stream)
    with torch.no_grad():
        raw, _ = model(torch.from_numpy(stream.inputs)[None])
        params = model.head.transform(raw)[0, :, 0].double().numpy()  # (T, 5)
    sigma = stream.scales[299:-1]
    expected = LocationScaleForecast.from_risk_head(params[299:-1], sigma)
    np.testing.assert_allclose(var_of(frame, "gru"), expected.var(0.01), rtol=1e-6)
    np.testing.assert_allclose(var_of(frame, "gru", "es95"), expected.es(0.05), rtol=1e-6)
    np.testing.assert_allclose(
        var_of(frame, "gru", "qvar95"), -sigma * params[299:-1, 4], rtol=1e-6
    )
    assert frame["date"].iloc[0] == stream.frame.index[300]


def test_calibration_columns_are_aci_over_the_forecasts(returns):
    calibrators = [AdaptiveConformal(0.01, 0.5, "log"), AdaptiveConformal(0.05, 0.01)]
    frame = backtest({"ewma": RiskMetricsVaR()}, returns, start=300, calibrate=calibrators)
    path = RiskMetricsVaR().fit(returns[:300]).run(returns[300:])
    forecast = LocationScaleForecast(np.zeros(300), path["sigma"].to_numpy())
    expected = calibrate_var(forecast, returns[300:], alpha=0.01, gamma=0.5, scale="log")
    np.testing.assert_allclose(frame["aci_log_var99"], expected["var"])
    np.testing.assert_allclose(frame["aci_log_level99"], expected["level"])
    assert {"aci_linear_var95", "aci_linear_level95"} <= set(frame.columns)
    with pytest.raises(InputError, match="one per scale and level"):
        backtest({"ewma": RiskMetricsVaR()}, returns, start=300, calibrate=calibrators * 2)


def test_periods_label_every_day(returns):
    periods = {"stress": ("2005-03-01", "2005-06-30"), "future": ("2030-01-01", "2030-12-31")}
    frame = backtest({"ewma": RiskMetricsVaR()}, make_stream(returns), periods=periods)
    assert set(frame["period"]) == {"stress", "calm (rest)"}
    assert (frame["period"] == "stress").sum() == len(pd.bdate_range("2005-03-01", "2005-06-30"))
    with pytest.raises(InputError, match="overlaps"):
        backtest(
            {"e": RiskMetricsVaR()},
            make_stream(returns),
            periods={**periods, "x": periods["stress"]},
        )
    with pytest.raises(InputError, match="DatetimeIndex"):
        backtest({"e": RiskMetricsVaR()}, returns, start=300, periods=periods)


def test_several_streams_and_a_reference(returns):
    streams = {"a": make_stream(returns), "b": make_stream(returns[::-1].copy())}
    models = {"ewma": RiskMetricsVaR(), "normal": NormalVaR()}
    frame = backtest(models, streams, reference="normal")
    assert frame.groupby(["stream", "model"]).size().tolist() == [300] * 4
    rows = frame[frame["stream"] == "b"]
    np.testing.assert_array_equal(
        rows.loc[rows["model"] == "ewma", "ref_variance"], var_of(rows, "normal", "variance")
    )


def test_bad_input_raises(returns):
    with pytest.raises(InputError, match="start"):
        backtest({"hs": HistoricalVaR(window=250)}, returns, start=10)
    with pytest.raises(InputError, match="dist"):
        backtest({"g": GarchVaR(dist="skewt")}, returns, start=300)
    with pytest.raises(InputError, match="reference"):
        backtest({"g": RiskMetricsVaR()}, returns, start=300, reference="garch")
    with pytest.raises(InputError, match="start="):
        backtest({"g": RiskMetricsVaR()}, returns)
    with pytest.raises(InputError, match="start"):
        RiskStream(pd.DataFrame({"return": returns}), 600)
    with pytest.raises(InputError, match="features"):
        RiskStream(pd.DataFrame({"return": returns}), 300, scale_column="sigma")


def test_risk_models_go_to_the_risk_protocol(returns):
    assert protocol_for(GarchVaR(), returns, "backtest").name == "risk"
    assert protocol_for(risk_encoder(), make_stream(returns), "replay").name == "risk"
    assert protocol_for(RecurrentEncoder(1, 4, 1), returns, "backtest").name == "forecast"
