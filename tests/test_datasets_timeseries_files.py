"""Metro traffic, Jena climate and user-CSV loaders on small files in the real formats."""

from __future__ import annotations

import gzip
import re
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
# The fixture is 23 real rows of the UCI file (see tests/fixtures/datasets/README.md).


def test_metro_collapses_weather_duplicates_and_reports_them():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    frame = ds.frame
    # 23 file rows; 2012-10-10 07h x2, 2016-07-12 14h x2, 2017-03-23 17h x3, 2018-09-29 19h x2
    assert len(frame) == 18
    assert frame.index.is_unique and frame.index.is_monotonic_increasing
    rain_hour = frame.loc["2012-10-10 07:00"]
    assert rain_hour["weather_description"] == "light rain | light intensity drizzle"
    assert rain_hour["weather_main"] == "Rain"  # first row kept
    assert rain_hour["traffic_volume"] == 6793
    assert frame.loc["2017-03-23 17:00", "weather_description"] == "light rain | haze | mist"
    assert frame.loc["2018-09-29 19:00", "weather_description"] == "overcast clouds"  # exact copy
    collapsed = [r for r in ds.repairs if "collapsed" in r]
    assert len(collapsed) == 1
    assert "5 duplicate row(s) at 4 repeated timestamp(s)" in collapsed[0]
    assert "first at 2012-10-10 07:00:00" in collapsed[0]


def test_metro_reports_repeats_that_disagree_on_weather_numbers():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    assert ds.frame.loc["2016-07-12 14:00", "temp"] == 301.01  # first of 301.01 / 300.97
    disagree = [r for r in ds.repairs if "disagree" in r]
    assert len(disagree) == 1
    assert "1 repeated hour(s) disagree on ['temp']" in disagree[0]
    assert "2016-07-12 14:00:00" in disagree[0]


def test_metro_marks_glitches_as_nan_and_reports_them():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    frame = ds.frame
    assert np.isnan(frame.loc["2014-02-02 03:00", "temp"])
    assert np.isnan(frame.loc["2014-02-02 04:00", "temp"])
    assert frame.loc["2014-02-02 02:00", "temp"] == 255.37
    assert frame["temp"].isna().sum() == 2
    assert np.isnan(frame.loc["2016-07-11 17:00", "rain_1h"])  # 9831.3 mm
    assert frame["rain_1h"].isna().sum() == 1
    assert frame.loc["2016-08-16 17:00", "rain_1h"] == 31.75  # real heavy rain kept
    assert any(
        "2 value(s) of 'temp' to NaN" in r and "2014-02-02 03:00:00" in r for r in ds.repairs
    )
    assert any("'rain_1h' to NaN" in r and "2016-07-11 17:00:00" in r for r in ds.repairs)
    assert len(ds.repairs) == 4


def test_metro_keeps_gaps_unless_reindex_and_parses_holidays():
    ds = tds.load("metro_traffic", path=METRO_CSV)
    steps = ds.frame.index.to_series().diff().dropna()
    assert steps.max() > pd.Timedelta(days=365)  # long gap kept
    assert ds.frame["holiday"].notna().sum() == 1
    assert ds.frame.loc["2012-10-08 00:00", "holiday"] == "Columbus Day"
    assert ds.frame.loc["2016-08-13 00:00", "weather_description"] == "Sky is Clear"  # as in file
    regular = tds.load("metro_traffic", path=METRO_CSV, reindex=True)
    hours = (ds.frame.index[-1] - ds.frame.index[0]) / pd.Timedelta("1h") + 1
    assert len(regular.frame) == hours
    assert regular.frame["traffic_volume"].notna().sum() == 18
    assert any(f"inserted {int(hours) - 18} all-NaN" in r for r in regular.repairs)


def test_metro_empty_holiday_and_crlf_variants_read_the_same(tmp_path):
    reference = tds.load("metro_traffic", path=METRO_CSV).frame
    text = METRO_CSV.read_text()
    empty = tmp_path / "empty_holiday.csv"
    empty.write_text(re.sub(r"(?m)^None,", ",", text))
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    pd.testing.assert_frame_equal(tds.load("metro_traffic", path=empty).frame, reference)
    pd.testing.assert_frame_equal(tds.load("metro_traffic", path=crlf).frame, reference)


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
        "Drizzle,light intensity drizzle,2012-10-10 07:00:00,6793",
        "Drizzle,light intensity drizzle,2012-10-10 07:00:00,6700",
    )
    bad = tmp_path / "metro.csv"
    bad.write_text(text)
    with pytest.raises(DataError, match=r"2012-10-10 07:00:00.*traffic_volume.*\[6793, 6700\]"):
        tds.load("metro_traffic", path=bad)


def test_metro_missing_column_is_named(tmp_path):
    frame = pd.read_csv(METRO_CSV).drop(columns="clouds_all")
    bad = tmp_path / "metro.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(DataError, match="missing column.*clouds_all"):
        tds.load("metro_traffic", path=bad)


# --- Jena climate --------------------------------------------------------------------------
# Hand-written rows in the real layout; 00:10 and 00:20 of 2010-01-07 repeat as a block.


def test_jena_parses_dates_sentinels_and_collapses_a_repeated_block():
    ds = tds.load("jena_climate", path=JENA_CSV)
    frame = ds.frame
    assert frame.index[0] == pd.Timestamp("2010-01-06 23:50:00")  # dd.mm.yyyy
    assert len(frame) == 7  # 9 rows, 2 exact repeats
    assert frame.index.is_monotonic_increasing  # the block repeat needed no sort=True
    assert frame.shape[1] == 14 and frame.dtypes.eq(float).all()
    assert frame.loc["2010-01-07 00:20", "T (degC)"] == -3.60
    assert np.isnan(frame.loc["2010-01-07 00:30", "wv (m/s)"])
    assert np.isnan(frame.loc["2010-01-07 00:30", "max. wv (m/s)"])
    assert frame.isna().sum().sum() == 2
    assert frame.index.to_series().diff().max() == pd.Timedelta("30min")  # gap kept
    assert sum("-9999" in r for r in ds.repairs) == 2
    collapsed = [r for r in ds.repairs if "collapsed" in r]
    assert collapsed and "2 duplicate row(s) at 2 repeated timestamp(s)" in collapsed[0]
    assert "first at 2010-01-07 00:10:00" in collapsed[0]
    assert not any("sorted" in r for r in ds.repairs)
    assert ds.info.units["p (mbar)"] == "mbar"


def test_jena_reads_the_keras_zip(tmp_path):
    archive = tmp_path / "jena_climate_2009_2016.csv.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("jena_climate_2009_2016.csv", JENA_CSV.read_bytes())
    pd.testing.assert_frame_equal(
        tds.load("jena_climate", path=archive).frame, tds.load("jena_climate", path=JENA_CSV).frame
    )


def test_jena_conflicting_duplicates_raise_unless_first(tmp_path):
    lines = JENA_CSV.read_text().splitlines()
    lines[5] = lines[5].replace("990.25", "990.99")  # the repeated 00:10 row now differs
    bad = tmp_path / "jena_climate_2009_2016.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"2010-01-07 00:10:00.*'p \(mbar\)'"):
        tds.load("jena_climate", path=bad)
    ds = tds.load("jena_climate", path=bad, duplicates="first")
    assert ds.frame.loc["2010-01-07 00:10", "p (mbar)"] == 990.25


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
    text = JENA_CSV.read_text().replace("07.01.2010 00:40:00", "2010-01-07 00:40")
    bad = tmp_path / "jena.csv"
    bad.write_text(text)
    with pytest.raises(DataError, match=r"'Date Time' row 7 holds '2010-01-07 00:40'"):
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
