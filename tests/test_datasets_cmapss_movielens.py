"""C-MAPSS and MovieLens loaders on small files in the real formats.

The C-MAPSS fixtures are verbatim prefixes of NASA's FD001 files; the MovieLens
fixtures are hand-written in the verified layouts (tests/fixtures/datasets/README.md).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tslib.datasets as tds
from tslib.datasets.cache import DATA_DIR_ENV
from tslib.datasets.cmapss import CMAPSS_COLUMNS, add_rul, parse_cmapss_table
from tslib.errors import DataError, InputError
from tslib.preprocess import leave_last_out_split

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
CMAPSS_DIR = FIXTURES / "cmapss"
ML100K = FIXTURES / "movielens" / "ml-100k" / "u.data"
ML1M = FIXTURES / "movielens" / "ml-1m" / "ratings.dat"


@pytest.fixture(autouse=True)
def isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "cache"))


# --- C-MAPSS -------------------------------------------------------------------------------


def test_cmapss_frames_index_and_columns():
    ds = tds.load("cmapss", path=CMAPSS_DIR, subset="FD001")
    train, test, rul = ds.frames["train"], ds.frames["test"], ds.frames["rul"]
    assert ds.frame is train
    assert train.index.names == ["unit", "cycle"]
    assert list(train.columns) == CMAPSS_COLUMNS[2:] + ["rul"]
    assert train.shape == (7, 25) and test.shape == (10, 25)
    # the two trailing spaces do not create extra columns; values parse exactly
    assert train.loc[(1, 1), "sensor_2"] == 641.82
    assert train.loc[(2, 3), "sensor_21"] == 23.4250
    assert test.loc[(1, 7), "op_setting_1"] == 0.0  # written -0.0000 in the file
    assert test.loc[(1, 8), "op_setting_2"] == 0.0
    assert test.loc[(2, 2), "sensor_21"] == 23.2902
    assert list(rul["rul"]) == [112, 98] and list(rul.index) == [1, 2]


def test_cmapss_rul_columns_by_hand():
    ds = tds.load("cmapss", path=CMAPSS_DIR)
    assert ds.frames["train"]["rul"].tolist() == [3, 2, 1, 0, 2, 1, 0]
    # unit 1 stops at cycle 8 with 112 cycles left, unit 2 at cycle 2 with 98
    assert ds.frames["test"]["rul"].tolist() == [119, 118, 117, 116, 115, 114, 113, 112, 99, 98]
    capped = tds.load("cmapss", path=CMAPSS_DIR, rul_cap=115)
    assert capped.frames["test"]["rul"].tolist() == [115] * 5 + [114, 113, 112, 99, 98]
    assert capped.frames["rul"]["rul"].tolist() == [112, 98]  # official truth never capped


def test_cmapss_constant_sensors():
    train = tds.load("cmapss", path=CMAPSS_DIR).frame
    expected = ["sensor_1", "sensor_5", "sensor_10", "sensor_16", "sensor_18", "sensor_19"]
    assert tds.constant_sensors(train) == expected
    loose = tds.constant_sensors(train, tol=0.02)
    assert loose == sorted(expected + ["sensor_6"], key=CMAPSS_COLUMNS.index)


def test_cmapss_reads_nested_nasa_zip(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        for file in CMAPSS_DIR.iterdir():
            archive.writestr(file.name, file.read_bytes())
    outer = tmp_path / "nasa.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr(
            "6. Turbofan Engine Degradation Simulation Data Set/CMAPSSData.zip", inner.getvalue()
        )
    zipped = tds.load("cmapss", path=outer)
    plain = tds.load("cmapss", path=CMAPSS_DIR)
    for key in ("train", "test", "rul"):
        pd.testing.assert_frame_equal(zipped.frames[key], plain.frames[key])


def test_cmapss_crlf_copies_read_the_same(tmp_path):
    for file in CMAPSS_DIR.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
    crlf = tds.load("cmapss", path=tmp_path)
    plain = tds.load("cmapss", path=CMAPSS_DIR)
    for key in ("train", "test", "rul"):
        pd.testing.assert_frame_equal(crlf.frames[key], plain.frames[key])


def test_cmapss_path_to_one_file_finds_its_siblings():
    single = tds.load("cmapss", path=CMAPSS_DIR / "train_FD001.txt")
    plain = tds.load("cmapss", path=CMAPSS_DIR)
    for key in ("train", "test", "rul"):
        pd.testing.assert_frame_equal(single.frames[key], plain.frames[key])


def test_cmapss_missing_subset_file_is_named():
    with pytest.raises(DataError, match="train_FD002.txt"):
        tds.load("cmapss", path=CMAPSS_DIR, subset="FD002")
    with pytest.raises(InputError, match="FD005"):
        tds.load("cmapss", path=CMAPSS_DIR, subset="FD005")


def test_cmapss_wrong_column_count_raises():
    lines = (CMAPSS_DIR / "train_FD001.txt").read_text().splitlines()
    short = "\n".join(" ".join(line.split()[:-1]) for line in lines).encode()
    with pytest.raises(DataError, match="expected 26 space-separated columns, found 25"):
        parse_cmapss_table(short, source="train_FD001.txt")


def test_cmapss_broken_cycle_sequence_raises():
    lines = (CMAPSS_DIR / "train_FD001.txt").read_text().splitlines()
    fields = lines[2].split()
    fields[1] = "4"  # unit 1 goes 1, 2, 4, 4
    lines[2] = " ".join(fields)
    with pytest.raises(DataError, match="unit 1 line 3 has cycle 4, expected 3"):
        parse_cmapss_table("\n".join(lines).encode(), source="train")


def test_cmapss_rul_count_must_match_test_units(tmp_path):
    for file in CMAPSS_DIR.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / "RUL_FD001.txt").write_text("112 \n98 \n7 \n")
    with pytest.raises(DataError, match="3 line"):
        tds.load("cmapss", path=tmp_path)


def test_add_rul_matches_equipment_sim_truth():
    sim = tds.load("equipment_sim", n_units=3, seed=1, min_life=20, max_life=40)
    recomputed = add_rul(sim.frame.drop(columns="rul"))
    np.testing.assert_array_equal(recomputed["rul"], sim.frame["rul"])


# --- MovieLens -----------------------------------------------------------------------------


def test_movielens_100k_sorted_by_user_then_time():
    ds = tds.load("movielens", path=ML100K.parent, variant="100k")
    frame = ds.frame
    assert list(frame.columns) == ["user", "item", "rating", "timestamp", "datetime"]
    assert frame["user"].tolist() == [7, 7, 7, 31, 31, 102, 102, 102]
    assert frame["item"].tolist() == [301, 88, 12, 220, 47, 9, 640, 15]
    assert frame["rating"].tolist() == [4, 5, 2, 3, 1, 2, 3, 4]
    assert frame["datetime"].iloc[0] == pd.Timestamp(875000050, unit="s")
    assert list(frame.index) == list(range(8))
    assert any("sorted rows by (user, timestamp)" in r for r in ds.repairs)


def test_movielens_1m_double_colon_format():
    frame = tds.load("movielens", path=ML1M, variant="1m").frame
    assert frame["user"].tolist() == [5, 5, 5, 12, 12]
    assert frame["item"].tolist() == [1210, 2571, 318, 1196, 260]
    assert frame["rating"].tolist() == [5, 4, 3, 2, 5]


def test_movielens_official_zip_layouts(tmp_path):
    for variant, member, fixture in (
        ("100k", "ml-100k/u.data", ML100K),
        ("1m", "ml-1m/ratings.dat", ML1M),
    ):
        archive = tmp_path / f"ml-{variant}.zip"
        with zipfile.ZipFile(archive, "w") as out:
            out.writestr(member, fixture.read_bytes())
            out.writestr(member.split("/")[0] + "/README", "not read\n")
        pd.testing.assert_frame_equal(
            tds.load("movielens", path=archive, variant=variant).frame,
            tds.load("movielens", path=fixture, variant=variant).frame,
        )


def test_movielens_bad_rating_is_named(tmp_path):
    bad = tmp_path / "u.data"
    bad.write_text("1\t2\t7\t100\n")
    with pytest.raises(DataError, match="rating 7 at row 0"):
        tds.load("movielens", path=bad)


def test_leave_last_out_by_hand():
    frame = tds.load("movielens", path=ML100K).frame
    split = leave_last_out_split(frame, validation=False, ties="file")
    assert dict(zip(split.test["user"], split.test["item"])) == {7: 12, 31: 47, 102: 15}
    assert len(split.train) == 5 and set(split.train["item"]) == {301, 88, 220, 9, 640}
    assert split.valid.empty and split.dropped_users == 0
    shuffled = frame.sample(frac=1, random_state=0)
    split = leave_last_out_split(shuffled, ties="file")
    assert dict(zip(split.valid["user"], split.valid["item"])) == {7: 88, 102: 640}
    assert dict(zip(split.test["user"], split.test["item"])) == {7: 12, 102: 15}
    assert split.dropped_users == 1 and 31 not in set(split.events["user"])  # 2 events < 3
    assert len(split.train) + len(split.valid) + len(split.test) == len(frame) - 2
