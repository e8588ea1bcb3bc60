"""Metro traffic, Jena climate and user-CSV loaders on small files in the real formats."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tslib.datasets as tds
from tslib.datasets.cache import DATA_DIR_ENV
from tslib.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
METRO_CSV = FIXTURES / "metro" / "Metro_Interstate_Traffic_Volume.csv"
JENA_CSV = FIXTURES / "jena" / "jena_climate_2009_2016.csv"


@pytest.fixture(autouse=True)
def isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "cache"))


# --- Metro Interstate Traffic Volume -------------------------------------------------------


def test_metro_collapses_weather_duplicates_and_reports_them():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    frame = ds.frame
    # 13 file rows, 12:00 repeated twice and 02:00 three times -> 10 rows
    assert len(frame) == 10
    assert frame.index.is_unique and frame.index.is_monotonic_increasing
    assert frame.loc["2012-10-02 12:00", "weather_description"] == "mist | haze"
    assert frame.loc["2012-10-08 02:00", "weather_description"] == "light rain | mist | fog"
    assert frame.loc["2012-10-08 02:00", "weather_main"] == "Rain"  # first row kept
    assert frame.loc["2012-10-08 02:00", "traffic_volume"] == 281
    collapsed = [r for r in ds.repairs if "collapsed" in r]
    assert len(collapsed) == 1 and "3 duplicate row(s) at 2 repeated timestamp(s)" in collapsed[0]


def test_metro_marks_glitches_as_nan_and_reports_them():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    frame = ds.frame
    assert np.isnan(frame.loc["2012-10-08 01:00", "temp"])
    assert frame["temp"].isna().sum() == 1
    assert np.isnan(frame.loc["2016-07-11 17:00", "rain_1h"])
    assert frame["rain_1h"].isna().sum() == 1
    assert frame.loc["2016-07-11 18:00", "rain_1h"] == 0.25  # plausible rain kept
    assert any("'temp' to NaN" in r and "2012-10-08 01:00:00" in r for r in ds.repairs)
    assert any("'rain_1h' to NaN" in r and "2016-07-11 17:00:00" in r for r in ds.repairs)
    assert len(ds.repairs) == 3


def test_metro_keeps_gaps_unless_reindex_and_parses_holidays():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    steps = ds.frame.index.to_series().diff().dropna()
    assert steps.max() > pd.Timedelta(days=365)  # long gap kept
    assert ds.frame["holiday"].notna().sum() == 1
    assert ds.frame.loc["2012-10-08 00:00", "holiday"] == "Columbus Day"
    regular = tds.load("metro_traffic", path=METRO_CSV, reindex=True)
    hours = (ds.frame.index[-1] - ds.frame.index[0]) / pd.Timedelta("1h") + 1
    assert len(regular.frame) == hours
    assert regular.frame["traffic_volume"].notna().sum() == 10
    assert any(f"inserted {int(hours) - 10} all-NaN" in r for r in regular.repairs)


def test_metro_reads_gzip_and_uci_zip(tmp_path):
    csv = METRO_CSV.read_bytes()
    gz = tmp_path / "metro.csv.gz"
    gz.write_bytes(gzip.compress(csv))
    archive = tmp_path / "uci.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("Metro_Interstate_Traffic_Volume.csv.gz", gzip.compress(csv))
    reference = tds.load("metro_traffic", path=METRO_CSV).frame
    pd.testing.assert_frame_equal(tds.load("metro_traffic", path=gz).frame, reference)
    pd.testing.assert_frame_equal(tds.load("metro_traffic", path=archive).frame, reference)
    pd.testing.assert_frame_equal(tds.load("metro_traffic", path=METRO_CSV.parent).frame, reference)


def test_metro_duplicates_disagreeing_on_volume_raise(tmp_path):
    text = METRO_CSV.read_text().replace(
        "Haze,haze,2012-10-02 12:00:00,5026", "Haze,haze,2012-10-02 12:00:00,5000"
    )
    bad = tmp_path / "metro.csv"
    bad.write_text(text)
    with pytest.raises(DataError, match=r"2012-10-02 12:00:00.*traffic_volume.*\[5026, 5000\]"):
        tds.load("metro_traffic", path=bad)


def test_metro_missing_column_is_named(tmp_path):
    frame = pd.read_csv(METRO_CSV).drop(columns="clouds_all")
    bad = tmp_path / "metro.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(DataError, match="missing column.*clouds_all"):
        tds.load("metro_traffic", path=bad)


# --- Jena climate --------------------------------------------------------------------------


def test_jena_parses_dates_sentinels_and_duplicates():
    ds = tds.load("jena_climate", path=JENA_CSV)
    frame = ds.frame
    assert frame.index[0] == pd.Timestamp("2009-01-01 00:10:00")  # dd.mm.yyyy
    assert len(frame) == 7  # 8 rows, one exact duplicate
    assert frame.shape[1] == 14 and frame.dtypes.eq(float).all()
    assert frame.loc["2009-01-01 00:30", "T (degC)"] == -8.51
    assert np.isnan(frame.loc["2009-01-01 00:40", "wv (m/s)"])
    assert np.isnan(frame.loc["2009-01-01 00:40", "max. wv (m/s)"])
    assert frame.isna().sum().sum() == 2
    assert (frame.index.to_series().diff().max()) == pd.Timedelta("30min")  # gap kept
    assert sum("-9999" in r for r in ds.repairs) == 2
    assert any("collapsed 1 duplicate row(s)" in r for r in ds.repairs)
    assert ds.info.units["p (mbar)"] == "mbar"


def test_jena_conflicting_duplicates_raise_unless_first(tmp_path):
    lines = JENA_CSV.read_text().splitlines()
    lines[4] = lines[4].replace("996.53", "996.99")  # the repeated 00:30 row now differs
    bad = tmp_path / "jena_climate_2009_2016.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"2009-01-01 00:30:00.*'p \(mbar\)'"):
        tds.load("jena_climate", path=bad)
    ds = tds.load("jena_climate", path=bad, duplicates="first")
    assert ds.frame.loc["2009-01-01 00:30", "p (mbar)"] == 996.53


def test_jena_out_of_order_rows_raise_unless_sorted(tmp_path):
    lines = JENA_CSV.read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    bad = tmp_path / "jena.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="not increasing: row 1"):
        tds.load("jena_climate", path=bad)
    ds = tds.load("jena_climate", path=bad, sort=True)
    pd.testing.assert_frame_equal(ds.frame, tds.load("jena_climate", path=JENA_CSV).frame)
    assert any("sorted rows by time" in r for r in ds.repairs)


def test_jena_bad_date_is_named(tmp_path):
    text = JENA_CSV.read_text().replace("01.01.2009 00:50:00", "2009-01-01 00:50")
    bad = tmp_path / "jena.csv"
    bad.write_text(text)
    with pytest.raises(DataError, match=r"'Date Time' row 5 holds '2009-01-01 00:50'"):
        tds.load("jena_climate", path=bad)


# --- user CSV -----------------------------------------------------------------------------


def test_csv_infers_time_column_and_keeps_gaps():
    ds = tds.load("csv", path=FIXTURES / "csv" / "sensors.csv", targets=["load"])
    assert ds.frame.index.name == "timestamp"
    assert list(ds.frame.columns) == ["load", "temp"]
    assert ds.frame["load"].tolist() == [1.5, 1.7, 1.6, 1.9]
    assert np.isnan(ds.frame["temp"].iloc[2])  # NaN allowed outside targets
    assert ds.frame.index[-1] - ds.frame.index[-2] == pd.Timedelta("2h")
    assert ds.info.targets == ("load",)


def test_csv_nan_in_default_targets_is_named():
    with pytest.raises(DataError, match=r"target column 'temp' has 1 missing value\(s\)"):
        tds.load("csv", path=FIXTURES / "csv" / "sensors.csv")


def test_csv_explicit_time_column_and_format(tmp_path):
    file = tmp_path / "days.csv"
    file.write_text("day,value\n01/02/2024,1\n02/02/2024,2\n")
    ds = tds.load("csv", path=file, time_column="day", time_format="%d/%m/%Y")
    assert list(ds.frame.index) == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-02")]


def test_csv_without_time_column_is_data_error(tmp_path):
    file = tmp_path / "numbers.csv"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_csv(file, index=False)
    with pytest.raises(DataError, match="no column parses as timestamps"):
        tds.load("csv", path=file)


def test_csv_round_trips_a_pandas_written_file(tmp_path):
    frame = pd.DataFrame(
        {"time": pd.date_range("2024-01-01", periods=3, freq="D"), "y": [3.0, 1.0, 2.0]}
    )
    file = tmp_path / "y.csv"
    frame.to_csv(file, index=False)
    loaded = tds.load("csv", path=file).frame
    np.testing.assert_array_equal(loaded["y"].to_numpy(), frame["y"].to_numpy())
    assert (loaded.index == pd.DatetimeIndex(frame["time"])).all()
