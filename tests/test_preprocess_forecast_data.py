"""prepare_forecast_data and make_windows(split=...): spans, causality, flags, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import DataError, InputError
from tslib.preprocess import run_steps
from tslib.preprocess.forecast_data import auto_calendar, prepare_forecast_data
from tslib.training import make_windows


def _station(days: int = 900, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-01", periods=days, freq="D")
    temp = 10 + 8 * np.sin(2 * np.pi * np.arange(days) / 365.25) + rng.normal(size=days)
    frame = pd.DataFrame(
        {"temp": temp, "rain": rng.gamma(0.5, 2.0, size=days), "kind": "x"}, index=index
    )
    frame.loc[frame.index[[30, 31, 700]], "temp"] = np.nan  # NaN cells
    return frame.drop(index=frame.index[[100, 101, 102, 850]])  # missing days


def test_grid_missing_flags_and_spans():
    data = prepare_forecast_data(_station(), "temp", test_fraction=0.2, val_fraction=0.1)
    assert len(data.inputs) == 900 and data.step == pd.Timedelta("1D")
    assert data.variables == ["temp", "rain"] and data.calendar == []  # 630 days < 2 years
    assert int(data.missing["temp"].sum()) == 7 and int(data.missing["rain"].sum()) == 4
    assert data.test_start == 720 and data.n_train == 630 and data.n_val == 90
    assert np.isfinite(data.inputs.to_numpy()).all()
    assert any("850" not in m and "1 of them in the test span" in m for m in data.messages)
    train = data.inputs.iloc[: data.n_train]
    np.testing.assert_allclose(train[["temp", "rain"]].mean(), 0.0, atol=0.02)


def test_transform_is_causal_and_equals_stepping():
    frame = _station()
    data = prepare_forecast_data(frame, "temp", calendar=("dayofyear",))
    assert data.calendar == ["dayofyear_sin", "dayofyear_cos"]
    assert data.known_columns == [2, 3]
    grid = frame[["temp", "rain"]].reindex(data.index)
    head = data.pipeline.transform(grid.iloc[:400])
    pd.testing.assert_frame_equal(head[data.inputs.columns], data.inputs.iloc[:400])
    stepped = run_steps(data.pipeline, grid.iloc[680:720])
    np.testing.assert_allclose(stepped[data.inputs.columns].iloc[-1], data.inputs.iloc[719])


def test_inverse_target_returns_data_units():
    frame = _station()
    data = prepare_forecast_data(frame, "temp")
    observed = ~data.missing["temp"].to_numpy()
    back = data.pipeline.inverse_target(data.y.to_numpy())
    np.testing.assert_allclose(back[observed], frame["temp"].reindex(data.index)[observed])
    assert data.raw["temp"].notna().all()


def test_auto_calendar():
    day, hour = pd.Timedelta("1D"), pd.Timedelta("1h")
    assert auto_calendar(day, pd.Timedelta(days=800)) == ["dayofyear"]
    assert auto_calendar(hour, pd.Timedelta(days=100)) == ["hour"]
    assert auto_calendar(day, pd.Timedelta(days=100)) == []


def test_subhourly_data_can_be_averaged_to_hours():
    index = pd.date_range("2020-01-01 00:10", periods=6 * 24 * 20, freq="10min")
    frame = pd.DataFrame({"T": np.arange(len(index), dtype=float)}, index=index)
    data = prepare_forecast_data(frame, "T", step="1h")
    assert data.step == pd.Timedelta("1h") and data.calendar == ["hour_sin", "hour_cos"]
    assert len(data.inputs) == 24 * 20  # Jena-like: 00:10 .. 00:00, every hour complete
    shorter = prepare_forecast_data(frame.iloc[:-1], "T", step="1h")
    assert len(shorter.inputs) == 24 * 20 - 1  # the last hour is incomplete: dropped


def test_prepare_errors():
    frame = _station()
    with pytest.raises(DataError, match="not a column"):
        prepare_forecast_data(frame, "wind")
    with pytest.raises(DataError, match="not numeric"):
        prepare_forecast_data(frame, "kind")
    with pytest.raises(DataError, match="missing or not numeric"):
        prepare_forecast_data(frame, "temp", variables=["kind"])
    with pytest.raises(InputError, match="test_fraction"):
        prepare_forecast_data(frame, "temp", test_fraction=1.5)
    with pytest.raises(DataError, match="too few"):
        prepare_forecast_data(frame.iloc[:12], "temp")


def test_windows_stay_inside_their_spans():
    values = np.arange(200.0)[:, None] * np.array([[1.0, -1.0]])  # (200, 2)
    (x, y), (xv, yv) = make_windows(values, 30, stride=10, split=(120, 160), burn_in=8)
    assert float(y[..., 0].max()) <= 119 and float(x[..., 0].max()) <= 118
    assert float(xv[..., 0].min()) == 112 and 150 <= float(yv[..., 0].max()) <= 159
    labels = (np.arange(200) % 2).astype(float)
    (xl, yl), _ = make_windows(values, 30, stride=10, labels=labels, split=(120, 160))
    assert xl.shape[-1] == 2 and yl.shape[-1] == 1
    np.testing.assert_array_equal(yl[0, :, 0].numpy(), labels[1:31])
    with pytest.raises(InputError, match="n_train"):
        make_windows(values, 30, stride=10, split=(170, 160))
    with pytest.raises(InputError, match="labels"):
        make_windows(values, 30, stride=10, labels=labels[:5], split=(120, 160))


def test_log1p_auto_picks_the_skewed_rain_and_keeps_raw_units():
    frame = _station()
    data = prepare_forecast_data(frame, "temp", log1p="auto")
    assert data.log_columns == ["rain"]
    assert any("rain: modelled as log1p" in m for m in data.messages)
    observed = ~data.missing["rain"].to_numpy()
    rain = frame["rain"].reindex(data.index).to_numpy()
    np.testing.assert_allclose(data.raw["rain"].to_numpy()[observed], rain[observed])
    logged = np.log1p(rain[: data.n_train][observed[: data.n_train]])
    scaled = data.inputs["rain"].to_numpy()[: data.n_train][observed[: data.n_train]]
    np.testing.assert_allclose(scaled, (logged - logged.mean()) / logged.std(), atol=0.05)
    with pytest.raises(DataError, match="cannot log1p"):
        prepare_forecast_data(frame, "temp", log1p=["temp"])
