"""Each validation check raises a DataError that names the problem; repairs are logged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tslib.datasets as tds
from tslib.datasets.validate import (
    check_no_nan,
    check_time_order,
    collapse_duplicate_times,
    parse_times,
    require_columns,
    set_invalid_to_nan,
    to_numeric,
)
from tslib.errors import DataError, TslibError


def _timed(stamps: list[str], **columns) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.DatetimeIndex(pd.to_datetime(stamps), name="time"))


def _write(tmp_path, text: str):
    file = tmp_path / "user.csv"
    file.write_text(text)
    return file


def test_missing_columns_are_listed():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(DataError, match=r"src: missing column\(s\) \['b', 'c'\]"):
        require_columns(frame, ["a", "b", "c"], source="src")


def test_non_numeric_value_names_column_row_and_value():
    frame = pd.DataFrame({"x": ["1.5", "2", "oops", "n/a?"]})
    with pytest.raises(DataError, match=r"column 'x' must be numeric, but row 2 holds 'oops' \(2 "):
        to_numeric(frame, ["x"], source="src")
    converted = to_numeric(pd.DataFrame({"x": ["1.5", None]}), ["x"], source="src")
    assert converted["x"].iloc[0] == 1.5 and np.isnan(converted["x"].iloc[1])


def test_unparseable_timestamp_names_row():
    values = pd.Series(["2024-01-01 00:00", "2024-01-01 01:00", "yesterday"])
    with pytest.raises(DataError, match=r"column 't' row 2 holds 'yesterday'"):
        parse_times(values, column="t", source="src")
    ok = parse_times(
        pd.Series(["01.02.2024 00:00:00"]), column="t", source="s", formats=["%d.%m.%Y %H:%M:%S"]
    )
    assert ok.iloc[0] == pd.Timestamp("2024-02-01")


def test_duplicate_timestamp_names_stamp_and_rows():
    frame = _timed(["2024-01-01", "2024-01-02", "2024-01-02"], y=[1, 2, 3])
    with pytest.raises(
        DataError, match=r"duplicate timestamp 2024-01-02 00:00:00 at rows \[1, 2\]"
    ):
        check_time_order(frame, source="src")


def test_non_monotonic_names_row_and_sort_repairs():
    frame = _timed(["2024-01-01", "2024-01-03", "2024-01-02"], y=[1, 3, 2])
    with pytest.raises(DataError, match=r"row 2 \(2024-01-02 00:00:00\) comes after 2024-01-03"):
        check_time_order(frame, source="src")
    repairs: list[str] = []
    fixed = check_time_order(frame, source="src", sort=True, repairs=repairs)
    assert fixed["y"].tolist() == [1, 2, 3] and len(repairs) == 1


def test_missing_timestamp_is_named():
    frame = pd.DataFrame({"y": [1, 2]}, index=pd.DatetimeIndex(["2024-01-01", None]))
    with pytest.raises(DataError, match="missing timestamp at row 1"):
        check_time_order(frame, source="src")


def test_nan_in_target_names_column_count_and_row():
    frame = _timed(["2024-01-01", "2024-01-02", "2024-01-03"], y=[1.0, np.nan, np.nan], z=[1, 2, 3])
    check_no_nan(frame, ["z"], source="src")  # no NaN: no error
    with pytest.raises(DataError, match=r"'y' has 2 missing value\(s\), first at row 2024-01-02"):
        check_no_nan(frame, ["z", "y"], source="src")


def test_collapse_exact_duplicates_and_conflicts():
    frame = _timed(["2024-01-01", "2024-01-01", "2024-01-02"], y=[1.0, 1.0, 2.0], w=["a", "b", "c"])
    repairs: list[str] = []
    out = collapse_duplicate_times(
        frame, source="src", agree=["y"], join={"w": "+"}, repairs=repairs
    )
    assert out["w"].tolist() == ["a+b", "c"] and out["y"].tolist() == [1.0, 2.0]
    assert repairs == [
        "src: collapsed 1 duplicate row(s) at 1 repeated timestamp(s), keeping the first row, "
        "joining ['w']; first at 2024-01-01 00:00:00"
    ]
    with pytest.raises(DataError, match=r"disagree on 'w'"):
        collapse_duplicate_times(frame, source="src", repairs=[])  # agree=None: every column


def test_set_invalid_to_nan_logs_rows():
    frame = _timed(["2024-01-01", "2024-01-02"], t=[0, 280])
    repairs: list[str] = []
    out = set_invalid_to_nan(
        frame, "t", frame["t"] == 0, reason="glitch", source="s", repairs=repairs
    )
    assert np.isnan(out["t"].iloc[0]) and out["t"].iloc[1] == 280
    assert frame["t"].iloc[0] == 0  # input untouched
    assert repairs == ["s: set 1 value(s) of 't' to NaN (glitch); rows 2024-01-01 00:00:00"]


def test_errors_are_tslib_and_value_errors():
    with pytest.raises(TslibError):
        require_columns(pd.DataFrame(), ["a"], source="s")
    with pytest.raises(ValueError):
        require_columns(pd.DataFrame(), ["a"], source="s")


# --- the same checks through a loader (messages name the file) ----------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "pattern"),
    [
        ("time,y\n2024-01-01,1\n2024-01-01,2\n", {}, r"csv user.csv: duplicate timestamp"),
        ("time,y\n2024-01-02,1\n2024-01-01,2\n", {}, r"not increasing: row 1"),
        ("time,y\n2024-01-01,1\n2024-01-02,\n", {}, r"target column 'y' has 1 missing"),
        (
            "time,y\n2024-01-01,1\n2024-01-02,high\n",
            {},
            r"'y' must be numeric, but row 1 holds 'high'",
        ),
        ("time,y\n2024-01-01,1\n", {"targets": ["z"]}, r"missing column\(s\) \['z'\]"),
        ("time,y\n2024-01-01,1\n", {"time_column": "when"}, r"missing column\(s\) \['when'\]"),
        ("time,y\n2024-01-01,1\nlater,2\n", {"time_column": "time"}, r"'time' row 1 holds 'later'"),
    ],
)
def test_user_csv_errors(tmp_path, text, kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        tds.load("csv", path=_write(tmp_path, text), **kwargs)


def test_user_csv_sort_is_reported(tmp_path):
    ds = tds.load("csv", path=_write(tmp_path, "time,y\n2024-01-02,1\n2024-01-01,2\n"), sort=True)
    assert ds.frame["y"].tolist() == [2, 1]
    assert ds.repairs and "sorted rows by time" in ds.repairs[0]
