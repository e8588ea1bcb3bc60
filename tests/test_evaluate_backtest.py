"""Tests for tslib.evaluate.backtest: state reuse is exact, forecasters are not refitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from statsmodels.tsa.statespace.sarimax import SARIMAX

from tslib.baselines import NaiveForecaster, SarimaxForecaster
from tslib.encoders import CausalTransformerEncoder, RecurrentEncoder
from tslib.errors import InputError
from tslib.evaluate import backtest, score, summarize


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def series(length: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sin(np.arange(length) * 0.4) + 0.1 * rng.standard_normal(length)


def reference_forecast(model, inputs: torch.Tensor, origin: int, horizon: int) -> list[float]:
    """Recompute ``model.forward`` over the whole history for every forecast step."""
    context = inputs[:origin]  # (origin, F)
    predictions = []
    with torch.no_grad():
        for k in range(horizon):
            outputs, _ = model(context[None])  # (1, len, O)
            point = model.point(outputs[0, -1:])  # (1, n_targets)
            predictions.append(float(point[0, 0]))
            if k + 1 < horizon:
                row = inputs[origin + k].clone()  # (F,) known covariates of the next input
                row[list(model.feedback_inputs)] = point[0, : len(model.feedback_inputs)]
                context = torch.cat([context, row[None]])  # (len + 1, F)
    return predictions


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: RecurrentEncoder(2, 8, 1, cell="gru", feedback_inputs=(0,)),
        lambda: RecurrentEncoder(2, 8, 1, num_layers=2, head="quantile", feedback_inputs=(0,)),
        lambda: CausalTransformerEncoder(
            2, 8, 1, n_heads=2, num_layers=1, context=6, feedback_inputs=(0,)
        ),
    ],
    ids=["gru", "lstm-quantile", "transformer"],
)
def test_deep_backtest_with_state_reuse_equals_full_recompute(make_model):
    torch.manual_seed(0)
    model = make_model().eval()
    y = series()
    calendar = np.cos(np.arange(y.size) * 0.4)  # a covariate known in advance
    x = np.stack([y, calendar], axis=1)  # (T, 2)
    frame = backtest(
        {"deep": model}, y, x=x, known_columns=[1], start=20, horizon=3, every=4, device="cpu"
    )
    origins = [20, 24, 28, 32, 36]
    assert frame["origin"].unique().tolist() == [o - 1 for o in origins]
    inputs = torch.tensor(x, dtype=torch.float32)
    expected = [p for o in origins for p in reference_forecast(model, inputs, o, 3)]
    np.testing.assert_allclose(frame["y_pred"], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(frame["y_true"], [y[o + k] for o in origins for k in range(3)])
    np.testing.assert_array_equal(frame["timestamp"], [o + k for o in origins for k in range(3)])
    # State was carried forward: one step per observation up to the last origin.
    assert frame.attrs["steps"]["deep"] == origins[-1]


class CountingSarimax(SarimaxForecaster):
    fits = 0

    def fit(self, y_train, exog=None):
        type(self).fits += 1
        return super().fit(y_train, exog)


def test_sarimax_backtest_matches_results_apply_without_refit():
    y = series(60, seed=1)
    CountingSarimax.fits = 0
    forecaster = CountingSarimax(order=(2, 0, 0), trend="c")
    frame = backtest({"ar2": forecaster}, y, start=30, horizon=4, every=5, interval=0.8)
    assert CountingSarimax.fits == 1
    assert frame.attrs["fits"] == {"ar2": 1}
    results = SARIMAX(y[:30], order=(2, 0, 0), trend="c").fit(disp=False, maxiter=50)
    np.testing.assert_allclose(forecaster.params, results.params, rtol=1e-10)
    z = stats.norm.ppf(0.9)
    for origin in range(30, 57, 5):
        prediction = results.apply(y[:origin]).get_forecast(4)
        rows = frame[frame["origin"] == origin - 1]
        np.testing.assert_allclose(rows["y_pred"], prediction.predicted_mean, rtol=1e-6, atol=1e-8)
        half = z * np.asarray(prediction.se_mean)
        np.testing.assert_allclose(rows["upper"] - rows["y_pred"], half, rtol=1e-6)
        np.testing.assert_allclose(rows["y_pred"] - rows["lower"], half, rtol=1e-6)


def test_refit_every_refits_on_the_data_seen():
    y = series(50, seed=2)
    CountingSarimax.fits = 0
    frame = backtest(
        {"ar1": CountingSarimax(order=(1, 0, 0))}, y, start=20, horizon=2, every=3, refit_every=2
    )
    n_origins = len(range(20, 49, 3))  # 10 origins, refits at origin numbers 0, 2, 4, 6, 8
    assert frame["origin"].nunique() == n_origins
    assert CountingSarimax.fits == 5 == frame.attrs["fits"]["ar1"]
    # At a refit origin the forecast equals a fresh fit on all data seen.
    refit_origin = 20 + 2 * 3
    fresh = SARIMAX(y[:refit_origin], order=(1, 0, 0)).fit(disp=False, maxiter=50)
    rows = frame[frame["origin"] == refit_origin - 1]
    np.testing.assert_allclose(rows["y_pred"], fresh.forecast(2), rtol=1e-5)


def test_timestamps_from_series_index_and_gaussian_interval():
    torch.manual_seed(1)
    model = RecurrentEncoder(1, 6, 1, head="gaussian", feedback_inputs=(0,)).eval()
    index = pd.date_range("2024-01-01", periods=30, freq="h")
    y = pd.Series(series(30), index=index)
    models = {"g": model, "naive": NaiveForecaster()}
    frame = backtest(models, y, start=25, horizon=2, interval=0.9, device="cpu")
    deep = frame[frame["model"] == "g"]
    assert deep["origin"].tolist() == [index[o - 1] for o in range(25, 29) for _ in range(2)]
    assert deep["timestamp"].tolist() == [index[o + k] for o in range(25, 29) for k in range(2)]
    with torch.no_grad():
        raw, _ = model(torch.tensor(y.to_numpy()[:25, None], dtype=torch.float32)[None])
    mean, std = raw[0, -1, 0], torch.nn.functional.softplus(raw[0, -1, 1]) + 1e-4
    first = deep.iloc[0]
    assert first["y_pred"] == pytest.approx(float(mean), abs=1e-5)
    half = stats.norm.ppf(0.95) * float(std)
    assert (first["lower"], first["upper"]) == pytest.approx(
        (float(mean) - half, float(mean) + half), abs=1e-5
    )
    naive = frame[frame["model"] == "naive"]
    np.testing.assert_array_equal(
        naive["y_pred"], [y.iloc[o - 1] for o in range(25, 29) for _ in range(2)]
    )


def test_quantile_head_interval_is_the_outer_quantile_pair():
    torch.manual_seed(3)
    model = RecurrentEncoder(1, 6, 1, head="quantile", feedback_inputs=(0,)).eval()
    y = series(24)
    frame = backtest({"q": model}, y, start=20, horizon=1, interval=0.8, device="cpu")
    with torch.no_grad():
        raw, _ = model(torch.tensor(y[:20, None], dtype=torch.float32)[None])  # (1, 20, 3)
    quantiles = model.head.transform(raw[0, -1])[0]  # (3,) at levels 0.1, 0.5, 0.9
    first = frame.iloc[0]
    assert (first["lower"], first["y_pred"], first["upper"]) == pytest.approx(
        quantiles.tolist(), abs=1e-5
    )
    assert first["lower"] < first["y_pred"] < first["upper"]
    with pytest.raises(InputError, match="needs quantile levels 0.25 and 0.75"):
        backtest({"q": model}, y, start=20, interval=0.5, device="cpu")


def test_score_per_model_and_horizon_and_summarize_is_its_alias():
    frame = pd.DataFrame(
        {
            "model": ["a"] * 4 + ["b"] * 4,
            "horizon": [1, 2, 1, 2] * 2,
            "y_true": [1.0, 2.0, 3.0, 4.0] * 2,
            "y_pred": [1.0, 1.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            "lower": [0.0] * 8,
            "upper": [2.0] * 8,
        }
    )
    table = score(frame, ["mae", "rmse", "coverage"], by=["model", "horizon"])
    pd.testing.assert_frame_equal(summarize(frame, metrics=("mae", "rmse", "coverage")), table)
    assert table.columns.tolist() == ["model", "horizon", "n", "mae", "rmse", "coverage"]
    row = table[(table["model"] == "a") & (table["horizon"] == 2)].iloc[0]
    assert row["mae"] == pytest.approx(0.5)  # |2 - 1|, |4 - 4|
    assert row["rmse"] == pytest.approx(np.sqrt(0.5))
    assert row["coverage"] == pytest.approx(0.5)  # 2 in [0, 2], 4 not
    row = table[(table["model"] == "b") & (table["horizon"] == 1)].iloc[0]
    assert (row["n"], row["mae"]) == (2, pytest.approx(2.0))
    overall = summarize(frame, metrics={"bias": lambda t, p: float(np.mean(p - t))}, by=("model",))
    assert overall.set_index("model")["bias"].to_dict() == pytest.approx({"a": 0.0, "b": -2.5})
    with pytest.raises(InputError, match="unknown scorer 'nope'"):
        summarize(frame, metrics=("nope",))


def test_bad_arguments_raise_input_error():
    y = series(20)
    model = RecurrentEncoder(1, 4, 1).eval()
    with pytest.raises(InputError, match="no origin"):
        backtest({"m": NaiveForecaster()}, y, start=19, horizon=3)
    with pytest.raises(InputError, match="no evaluation protocol accepts a object"):
        backtest({"m": object()}, y, start=5)
    with pytest.raises(InputError, match="expects input_size=1"):
        backtest({"m": model}, y, x=np.zeros((20, 3)), start=5)
    with pytest.raises(InputError, match="x must be"):
        backtest({"m": model}, y, x=np.zeros((19, 1)), start=5)
    with pytest.raises(InputError, match="gives no interval"):
        backtest({"m": model}, y, start=5, interval=0.8)
    with pytest.raises(InputError, match="finite 1-D"):
        backtest({"m": model}, np.r_[y, np.nan], start=5)
    with pytest.raises(InputError, match="horizon"):
        backtest({"m": model}, y, start=5, horizon=0)
    labels = np.array(["a"] * 20, dtype=object)  # e.g. a categorical weather column
    with pytest.raises(InputError, match="backtest: y must be numeric"):
        backtest({"m": model}, labels, start=5)
    with pytest.raises(InputError, match="backtest: x must be numeric"):
        backtest({"m": model}, y, x=labels[:, None], start=5)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_backtest_on_cuda_matches_cpu():
    torch.manual_seed(4)
    model = RecurrentEncoder(1, 8, 1, head="gaussian", feedback_inputs=(0,)).eval()
    y = series(30)
    on_cpu = backtest({"m": model}, y, start=20, horizon=3, interval=0.8, device="cpu")
    on_gpu = backtest({"m": model}, y, start=20, horizon=3, interval=0.8, device="cuda")
    assert next(model.parameters()).is_cuda
    for column in ("y_pred", "lower", "upper"):
        np.testing.assert_allclose(on_gpu[column], on_cpu[column], rtol=1e-4, atol=1e-4)
