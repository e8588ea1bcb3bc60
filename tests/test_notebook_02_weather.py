"""Notebook 02 (weather) runs with QUICK=True on station files written here and records its keys.

Three layouts, all through the same parameters (``DATASET`` and ``DATA_PATH`` only):

* a univariate daily CSV (a date column and one value, five days missing, one of them in
  the test span): fusion and rain classification print why they are skipped;
* a multivariate hourly CSV with a precipitation column and missing hours: horizons
  [1, 24], hour-of-day features, rain classification at the next hour;
* a Jena-format 10-minute file (quoted header, ``dd.mm.yyyy`` times, -9999 sentinels, a
  repeated day): averaged into hours by the notebook's ``RESAMPLE="auto"``.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest

from tests.helpers.weather_fixtures import (
    write_daily_univariate,
    write_hourly_multivariate,
    write_jena_like,
)
from tslib.reports import read_metrics

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["lstm", "gru", "transformer", "persistence", "climatology", "sarimax"]


def _keys(longest: int) -> set[str]:
    keys = {"dataset", "n_test", "rmse_h1_lstm_target_only"}
    for m in MODELS:
        keys |= {f"rmse_h1_{m}", f"mae_h1_{m}", f"rmse_h{longest}_{m}"}
        keys |= {f"coverage95_h1_{m}", f"crps_h1_{m}"}
    return keys


def _execute(folder: Path, dataset: str, data_path: Path) -> Path:
    import papermill

    from tslib.reports import ensure_kernel

    out = folder / "02.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "02_weather.ipynb"),
        str(out),
        parameters={"SEED": 1, "QUICK": True, "DATASET": dataset, "DATA_PATH": str(data_path)},
        kernel_name=ensure_kernel(),
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return out


def _text(path: Path) -> str:
    notebook = nbformat.read(str(path), as_version=4)
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def _check_values(metrics: dict) -> None:
    for key, value in metrics.items():
        if key.startswith(("rmse", "mae", "crps")):
            assert math.isfinite(value) and value > 0, key
        if key.startswith(("coverage95", "rain_brier")):
            assert 0.0 <= value <= 1.0, key
    assert metrics["rmse_h1_persistence"] >= metrics["mae_h1_persistence"]


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nb02_daily")
    path, _ = write_daily_univariate(folder / "station_daily.csv")
    return _execute(folder, "csv", path)


@pytest.fixture(scope="module")
def hourly(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nb02_hourly")
    path, _ = write_hourly_multivariate(folder / "station_hourly.csv")
    return _execute(folder, "csv", path)


@pytest.fixture(scope="module")
def jena(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nb02_jena")
    path, _ = write_jena_like(folder / "jena_climate_2009_2016.csv")
    return _execute(folder, "jena_climate", path)


def test_univariate_daily_file_with_missing_days(daily):
    metrics = read_metrics(daily)
    assert _keys(7) <= set(metrics), sorted(_keys(7) - set(metrics))
    assert not [k for k in metrics if k.startswith("rain_brier")]
    assert metrics["dataset"] == "csv" and 100 < metrics["n_test"] < 260
    assert metrics["rmse_h1_lstm_target_only"] == metrics["rmse_h1_lstm"]  # one variable
    _check_values(metrics)
    text = _text(daily)
    assert "5 missing timestamp(s) inserted" in text
    assert "1 of them in the test span (never scored)" in text
    assert "fusion skipped" in text and "rain classification skipped" in text
    assert "stepwise == forward: False" not in text and "stepwise == forward: True" in text


def test_multivariate_hourly_file_with_rain(hourly):
    metrics = read_metrics(hourly)
    assert _keys(24) <= set(metrics), sorted(_keys(24) - set(metrics))
    rain = {f"rain_brier_{m}" for m in ("lstm", "gru", "transformer", "climatology", "persistence")}
    assert rain <= set(metrics)
    assert metrics["dataset"] == "csv" and metrics["n_test"] > 50
    _check_values(metrics)
    text = _text(hourly)
    assert "4 missing timestamp(s) inserted" in text
    assert "hour" in text and "ETS skipped" in text


def test_jena_format_is_averaged_into_hours(jena):
    metrics = read_metrics(jena)
    assert _keys(24) <= set(metrics), sorted(_keys(24) - set(metrics))
    assert metrics["dataset"] == "jena_climate"
    _check_values(metrics)
    text = _text(jena)
    assert "into 1h buckets" in text and "-9999 is the missing-value sentinel" in text
    assert "collapsed 144 duplicate row(s)" in text
    assert "rain classification skipped" in text
