"""Gaussian columns of a backtest frame, the forecast protocol's scorers and the paired DM test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tslib.baselines import NaiveForecaster
from tslib.errors import InputError
from tslib.evaluate import backtest, forecast_scorers, paired_dm_test, score
from tslib.evaluate.probabilistic import gaussian_columns
from tslib.metrics import crps_gaussian, interval_coverage
from tslib.metrics.comparison import diebold_mariano


def _frame(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Two Gaussian forecasters of N(0, 1) truth: a calibrated one and an overconfident one."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n)
    parts = []
    for name, sigma in (("calibrated", 1.0), ("narrow", 0.5)):
        parts.append(
            pd.DataFrame(
                {
                    "model": name,
                    "origin": np.arange(n),
                    "horizon": 1,
                    "y_true": truth,
                    "y_pred": np.zeros(n),
                    "lower": -1.959964 * sigma,
                    "upper": 1.959964 * sigma,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_sigma_levels_crps_and_pit_match_the_closed_forms():
    scored = gaussian_columns(_frame(), interval=0.95, levels=(0.8, 0.5))
    calibrated = scored[scored["model"] == "calibrated"]
    np.testing.assert_allclose(calibrated["sigma"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(calibrated["upper_80"], stats.norm.ppf(0.9), rtol=1e-5)
    np.testing.assert_allclose(calibrated["lower_50"], stats.norm.ppf(0.25), rtol=1e-5)
    np.testing.assert_allclose(calibrated["lower_95"], calibrated["lower"])
    expected = crps_gaussian(calibrated["y_true"], 0.0, 1.0)
    assert calibrated["crps"].mean() == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(calibrated["pit"], stats.norm.cdf(calibrated["y_true"]), rtol=1e-5)


def test_the_table_shows_coverage_and_ranks_the_calibrated_forecast_first():
    frame = gaussian_columns(_frame(), levels=(0.8,))
    scorers = forecast_scorers(levels=(0.8, 0.95), y_train=np.arange(10.0))
    table = score(frame, scorers, by=["model", "horizon"]).set_index("model")
    assert table.columns.tolist() == [
        "horizon", "n", "mae", "rmse", "mase", "coverage_80", "width_80", "coverage_95",
        "width_95", "crps",
    ]  # fmt: skip
    assert table.loc["calibrated", "coverage_95"] == pytest.approx(0.95, abs=0.015)
    assert table.loc["calibrated", "coverage_80"] == pytest.approx(0.80, abs=0.02)
    assert table.loc["narrow", "coverage_95"] == pytest.approx(0.68, abs=0.03)
    assert table.loc["calibrated", "crps"] < table.loc["narrow", "crps"]
    assert table.loc["calibrated", "width_95"] == pytest.approx(2 * 1.959964, rel=1e-5)
    truth = frame.loc[frame["model"] == "calibrated", "y_true"]
    assert table.loc["calibrated", "mase"] == pytest.approx(np.abs(truth).mean())  # scale 1
    assert table.loc["calibrated", "n"] == 4000
    assert "mase" not in forecast_scorers()


def test_protocol_scorers_of_a_real_backtest_agree_with_the_metric_functions():
    rng = np.random.default_rng(1)
    y = pd.Series(np.cumsum(rng.normal(size=300)), index=pd.date_range("2020", periods=300))
    options = {"start": 200, "horizon": 3, "interval": 0.9, "levels": (0.5,)}
    scored = backtest({"naive": NaiveForecaster()}, y, **options)
    table = backtest(
        {"naive": NaiveForecaster()}, y, scorers=["coverage_90", "crps", "pit_mean"], **options
    ).set_index("horizon")
    h2 = scored[scored["horizon"] == 2]
    assert table.loc[2, "coverage_90"] == interval_coverage(h2["y_true"], h2["lower"], h2["upper"])
    assert table.loc[2, "crps"] == pytest.approx(h2["crps"].mean())
    assert 0.0 < table.loc[2, "pit_mean"] < 1.0
    np.testing.assert_allclose(h2["sigma"].iloc[0] / scored["sigma"].iloc[0], np.sqrt(2))
    plain = backtest({"naive": NaiveForecaster()}, y, start=200, interval=0.9)
    with pytest.raises(InputError, match="levels="):
        score(plain, ["crps"], known=forecast_scorers())
    with pytest.raises(InputError, match="needs interval"):
        backtest({"naive": NaiveForecaster()}, y, start=200, levels=(0.5,))


def test_paired_dm_prefers_the_better_model_on_shared_rows():
    rng = np.random.default_rng(2)
    frame = _frame(n=500)
    frame.loc[frame["model"] == "narrow", "y_pred"] = rng.normal(scale=1.0, size=500)
    result = paired_dm_test(frame.iloc[:-10], "calibrated", "narrow", horizon=1)
    assert result["n"] == 490 and result["stat"] < 0 and result["pvalue"] < 0.01
    assert result["model_a"] == "calibrated"


def test_errors():
    frame = _frame(n=20)
    with pytest.raises(InputError, match="lacks columns"):
        gaussian_columns(frame.drop(columns="lower"))
    with pytest.raises(InputError, match="upper > lower"):
        gaussian_columns(frame.assign(upper=frame["lower"]))
    with pytest.raises(InputError, match="coverages"):
        gaussian_columns(frame, levels=(1.2,))
    with pytest.raises(InputError, match="lacks columns"):
        score(gaussian_columns(frame, levels=()), forecast_scorers(levels=(0.8,)))
    with pytest.raises(InputError, match="levels must lie"):
        forecast_scorers(levels=(80,))
    with pytest.raises(InputError, match="no rows"):
        paired_dm_test(frame, "calibrated", "missing", horizon=1)


def test_paired_dm_uses_the_overlap_of_spaced_origins():
    rng = np.random.default_rng(3)
    times = pd.date_range("2020-01-01", periods=2000, freq="h")
    origins = times[::6][:300]
    rows = []
    for name, scale in (("a", 1.0), ("b", 1.3)):
        rows.append(
            pd.DataFrame(
                {"model": name, "origin": origins, "horizon": 24,
                 "timestamp": origins + pd.Timedelta("24h"), "y_true": 0.0,
                 "y_pred": rng.normal(scale=scale, size=300)}
            )
        )  # fmt: skip
    frame = pd.concat(rows)
    result = paired_dm_test(frame, "a", "b", horizon=24)
    assert result["horizon"] == 24 and result["n"] == 300
    a = -frame.loc[frame["model"] == "a", "y_pred"].to_numpy()
    b = -frame.loc[frame["model"] == "b", "y_pred"].to_numpy()
    assert result["stat"] == pytest.approx(diebold_mariano(a, b, horizon=4)["stat"])


def test_event_probabilities_of_a_class_head_and_their_scorers():
    import torch

    from tslib.encoders import RecurrentEncoder
    from tslib.metrics import brier_score, roc_auc

    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 2)).astype(np.float32)  # (T, F)
    event = (rng.random(80) < 0.4).astype(float)  # (T,) 1.0 = it happened
    model = RecurrentEncoder(2, 6, 2, head="class", seed=0).eval()
    models = {"clf": model, "persistence": NaiveForecaster()}
    frame = backtest(models, event, start=60, x=x, event_class=1, device="cpu")
    with torch.no_grad():
        outputs, _ = model(torch.from_numpy(x)[None])  # (1, T, 2)
    expected = model.head.probs(outputs)[0, 59:-1, 1].double().numpy()  # P(event at t + 1)
    mine = frame[frame["model"] == "clf"]
    np.testing.assert_allclose(mine["y_pred"], expected, atol=1e-6)
    np.testing.assert_array_equal(
        frame.loc[frame["model"] == "persistence", "y_pred"], event[59:-1]
    )
    table = score(frame, ["brier", "auc", "event_share"], by=["model"]).set_index("model")
    assert table.loc["clf", "brier"] == pytest.approx(brier_score(event[60:], mine["y_pred"]))
    assert table.loc["clf", "auc"] == roc_auc(event[60:], mine["y_pred"].to_numpy())
    assert table.loc["clf", "event_share"] == event[60:].mean()
    with pytest.raises(InputError, match="horizon 1, no interval"):
        backtest(models, event, start=60, x=x, event_class=1, horizon=2, device="cpu")
    gaussian = RecurrentEncoder(2, 6, 1, head="gaussian", seed=0)
    with pytest.raises(InputError, match="needs a class head"):
        backtest({"g": gaussian}, event, start=60, x=x, event_class=1, device="cpu")
