"""Notebook 03 (traffic) runs with QUICK=True on a Metro-format fixture and records its keys.

The fixture (``tests/helpers/metro_fixture.py``) reproduces every quirk of the UCI file:
repeated weather rows, temp = 0 K and a 9831.3 mm rain glitch, holidays named only at
midnight, snow_1h constant for more than a year, hundreds of short gaps, multi-day outages
and a ten-month gap.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest
from helpers.metro_fixture import write_metro_fixture

from tslib.datasets import load
from tslib.reports import read_metrics

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["lstm", "gru", "transformer", "snaive24", "snaive168", "sarimax"]


@pytest.fixture(scope="module")
def fixture_csv(tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("metro") / "Metro_Interstate_Traffic_Volume.csv"
    return path, write_metro_fixture(path)


@pytest.fixture(scope="module")
def executed(fixture_csv, tmp_path_factory) -> Path:
    import papermill

    from tslib.reports import ensure_kernel

    out = tmp_path_factory.mktemp("nb03") / "03.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "03_traffic.ipynb"),
        str(out),
        parameters={"QUICK": True, "DATASET": "metro_traffic", "DATA_PATH": str(fixture_csv[0])},
        kernel_name=ensure_kernel(),
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return out


def _text(executed: Path) -> str:
    notebook = nbformat.read(str(executed), as_version=4)
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_the_fixture_has_the_quirks_of_the_real_file(fixture_csv):
    path, facts = fixture_csv
    lines = path.read_text().splitlines()
    assert lines[0] == (
        "holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,"
        "date_time,traffic_volume"
    )
    assert lines[1].split(",")[0] == "None" and lines[1].split(",")[7].count(":") == 2
    data = load("metro_traffic", path=path)
    frame = data.frame
    gaps = (frame.index[1:] - frame.index[:-1]).total_seconds() / 3600
    assert (gaps > 1).sum() > 300  # many gaps longer than an hour
    assert gaps.max() > 24 * 30 * 9  # one gap of about ten months
    assert len(frame) == facts["hours"] < facts["rows"]  # repeated rows collapsed
    repairs = " ".join(data.repairs)
    assert "collapsed" in repairs and "disagree on ['temp']" in repairs
    assert "temp = 0 K" in repairs and "rain_1h" in repairs
    assert frame.loc[facts["temp_zero_hours"], "temp"].isna().all()
    assert math.isnan(frame.loc[facts["rain_outlier_at"], "rain_1h"])
    named = frame["holiday"].dropna()
    assert len(named) == facts["holidays"] > 5 and (named.index.hour == 0).all()
    assert (frame.loc["2014-04-01":, "snow_1h"] == 0).all() and frame["snow_1h"].max() > 0
    assert "Sky is Clear" in path.read_text()


def test_records_every_key_of_the_issue(executed):
    metrics = read_metrics(executed)
    expected = {f"{key}_h1_{m}" for key in ("mae", "rmse", "mase") for m in MODELS}
    expected |= {f"mae_h24_{m}" for m in MODELS}
    expected |= {"mae_h1_lstm_no_covariates", "dataset", "n_test"}
    assert expected <= set(metrics), sorted(expected - set(metrics))
    assert metrics["dataset"] == "metro_traffic"
    assert metrics["n_test"] > 100
    for key in expected - {"dataset", "n_test"}:
        assert 0.0 < metrics[key] < 10_000, key
    # last week's value is a real forecast: far better than nothing on hourly traffic
    assert metrics["mase_h1_snaive168"] < 2.0


def test_the_quirks_are_reported_and_handled(executed):
    text = _text(executed)
    assert "spread to the whole day" in text  # midnight-only holidays
    assert "snow_1h is 0 from" in text and "dropped" in text  # constant for over a year
    assert "temp = 0 K" in text and "collapsed" in text  # loader repairs on the data card
    assert "text columns not used: weather_main, weather_description" in text
    assert "fewer than 3 sensors" in text  # one sensor: no attach / detach
    assert "stepwise == forward: True" in text
    assert "goal, " in text  # the goal lines are printed, met or not
