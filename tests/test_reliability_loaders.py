"""Bad files give one clear DataError naming the file (and the line), never a raw traceback.

Every file loader (``csv``, ``metro_traffic``, ``jena_climate``, ``cmapss``,
``movielens``) is fed the same damaged copies of its fixture: empty, binary,
Latin-1, UTF-16, gzip under a plain name, truncated gzip, ragged rows, an
unclosed quote, corrupt zips. Then the cases of one loader: time zones, inf in
targets, duplicate column names, a file read instead of the one ``path=`` names.
"""

from __future__ import annotations

import gzip
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tslib.datasets import load
from tslib.errors import DataError

pytestmark = pytest.mark.timeout(60)

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"

#: loader -> (fixture folder, file that gets damaged, load options)
LOADERS = {
    "csv": ("csv", "sensors.csv", {"targets": ["load"]}),
    "metro_traffic": ("metro", "Metro_Interstate_Traffic_Volume.csv", {"download": False}),
    "jena_climate": ("jena", "jena_climate_2009_2016.csv", {"download": False}),
    "cmapss": ("cmapss", "train_FD001.txt", {"download": False}),
    "movielens": ("movielens/ml-100k", "u.data", {"download": False, "variant": "100k"}),
}
#: loader -> field separator of its format
SEPARATORS = {"cmapss": b" ", "movielens": b"\t"}


def copy_fixture(tmp_path: Path, loader: str) -> Path:
    """A copy of the loader's fixture folder; returns the file that the tests damage."""
    folder, name, _ = LOADERS[loader]
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / folder, target)
    return target / name


def load_copy(loader: str, file: Path):
    """Load the damaged copy the way a user would: the folder for C-MAPSS, else the file."""
    options = LOADERS[loader][2]
    path = file.parent if loader == "cmapss" else file
    return load(loader, path=path, **options)


def with_line_changed(content: bytes, line: int, change) -> bytes:
    """``content`` with 1-based line ``line`` replaced by ``change(line_bytes)``."""
    lines = content.split(b"\n")
    lines[line - 1] = change(lines[line - 1].rstrip(b"\r"))
    return b"\n".join(lines)


def ragged(loader: str, content: bytes) -> bytes:
    separator = SEPARATORS.get(loader, b",")
    return with_line_changed(content, 3, lambda line: line.rstrip() + separator + b"7" * 3)


def unclosed_quote(loader: str, content: bytes) -> bytes:
    separator = SEPARATORS.get(loader, b",")
    return with_line_changed(content, 3, lambda line: line.rstrip() + separator + b'"7')


DAMAGE = {
    "empty": (lambda loader, content: b"", "empty"),
    "blank lines": (lambda loader, content: b"\n\n  \n", "empty"),
    "binary": (lambda loader, content: bytes(range(256)) * 8, "not text"),
    "utf-16": (lambda loader, content: content.decode().encode("utf-16"), "UTF-16"),
    "truncated gzip": (
        lambda loader, content: gzip.compress(content)[: len(gzip.compress(content)) // 2],
        "truncated gzip",
    ),
    "ragged row": (ragged, "line 3 has"),
    "unclosed quote": (unclosed_quote, "unclosed quote starting at line 3"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("loader", list(LOADERS))
def test_damaged_file_gives_a_data_error_naming_the_file(tmp_path, loader, damage):
    file = copy_fixture(tmp_path, loader)
    make, needle = DAMAGE[damage]
    file.write_bytes(make(loader, file.read_bytes()))
    with pytest.raises(DataError) as info:
        load_copy(loader, file)
    message = str(info.value)
    assert file.name in message, message
    assert needle in message, message


@pytest.mark.parametrize("loader", ["csv", "metro_traffic", "jena_climate", "cmapss"])
def test_latin1_text_names_the_line(tmp_path, loader):
    """UTF-8 formats: a Latin-1 byte is reported with its line (movielens is Latin-1 itself)."""
    file = copy_fixture(tmp_path, loader)
    file.write_bytes(with_line_changed(file.read_bytes(), 4, lambda line: line + b"\xe9"))
    with pytest.raises(DataError, match=rf"{file.name}: line 4: byte 0xe9 .* not valid utf-8"):
        load_copy(loader, file)


@pytest.mark.parametrize("loader", list(LOADERS))
def test_gzip_under_a_plain_name_is_read(tmp_path, loader):
    file = copy_fixture(tmp_path, loader)
    plain = load_copy(loader, file)
    file.write_bytes(gzip.compress(file.read_bytes()))
    pd.testing.assert_frame_equal(load_copy(loader, file).frame, plain.frame)


def test_truncated_download_named_csv_gz(tmp_path):
    """The UCI download is a .csv.gz; an interrupted copy of it is a DataError naming it."""
    file = copy_fixture(tmp_path, "metro_traffic")
    packed = gzip.compress(file.read_bytes())
    download = file.parent / (file.name + ".gz")
    download.write_bytes(packed[: len(packed) // 3])
    file.unlink()
    with pytest.raises(DataError, match=r"\.csv\.gz: corrupt or truncated gzip"):
        load("metro_traffic", path=download, download=False)


def zip_of(file: Path) -> Path:
    """A zip holding every file of ``file``'s folder, which is then emptied of them."""
    archive = file.parent / "archive.zip"
    members = sorted(p for p in file.parent.iterdir() if p.is_file())
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for member in members:
            out.write(member, member.name)
            member.unlink()
    return archive


@pytest.mark.parametrize("how", ["truncated", "flipped bytes"])
@pytest.mark.parametrize("loader", ["metro_traffic", "jena_climate", "cmapss", "movielens"])
def test_corrupt_zip_gives_a_data_error(tmp_path, loader, how):
    file = copy_fixture(tmp_path, loader)
    archive = zip_of(file)
    assert load(loader, path=archive, **LOADERS[loader][2]).frame.shape[0] > 0
    data = bytearray(archive.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    else:
        start = 30 + len(file.name) + 10  # inside the first member's compressed data
        data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    archive.write_bytes(bytes(data))
    with pytest.raises(DataError, match="archive.zip"):
        load(loader, path=archive, **LOADERS[loader][2])


def test_zip_given_to_the_csv_loader(tmp_path):
    file = copy_fixture(tmp_path, "csv")
    archive = zip_of(file)
    with pytest.raises(DataError, match="zip archive"):
        load("csv", path=archive, targets=["load"])


# ------------------------------------------------------------------ time zones
def write_csv(tmp_path: Path, text: str, name: str = "user.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_mixed_utc_offsets_are_converted_to_utc_and_reported(tmp_path):
    path = write_csv(
        tmp_path,
        "time,y\n2021-03-28 00:00+01:00,1\n2021-03-28 01:00+01:00,2\n"
        "2021-03-28 03:00+02:00,3\n2021-03-28 04:00+02:00,4\n",
    )
    loaded = load("csv", path=path)
    assert str(loaded.frame.index.tz) == "UTC"
    assert loaded.frame.index[2] == pd.Timestamp("2021-03-28 01:00", tz="UTC")
    assert any("+0100, +0200" in r and "converted every timestamp to UTC" for r in loaded.repairs)


def test_naive_and_aware_timestamps_mixed_are_refused_naming_rows(tmp_path):
    path = write_csv(tmp_path, "time,y\n2021-01-01 00:00,1\n2021-01-01 01:00+01:00,2\n")
    with pytest.raises(DataError, match=r"user.csv: column 'time' mixes .* \(row 0: .*\(row 1:"):
        load("csv", path=path)


# -------------------------------------------------------------- inf in targets
@pytest.mark.parametrize(
    ("loader", "column", "value", "row"),
    [
        ("csv", "load", b"inf", 2),
        ("csv", "load", b"-inf", 3),
        ("metro_traffic", "traffic_volume", b"inf", -1),  # a row whose time is not repeated
        ("jena_climate", "T (degC)", b"inf", -2),
    ],
)
def test_inf_in_a_target_column_is_refused(tmp_path, loader, column, value, row):
    file = copy_fixture(tmp_path, loader)
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    frame.loc[frame.index[row], column] = value.decode()
    frame.to_csv(file, index=False)
    pattern = rf"target column {re.escape(repr(column))} has 1 infinite value"
    with pytest.raises(DataError, match=pattern):
        load_copy(loader, file)


# --------------------------------------------------------- duplicate columns
@pytest.mark.parametrize(("loader", "column"), [("csv", "temp"), ("metro_traffic", "temp")])
def test_duplicate_column_names_are_reported(tmp_path, loader, column):
    file = copy_fixture(tmp_path, loader)
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    text = frame.to_csv(index=False)
    header, rest = text.split("\n", 1)
    rows = [line + ",0" for line in rest.rstrip("\n").split("\n")]
    file.write_text("\n".join([header + f",{column}", *rows]) + "\n")
    loaded = load_copy(loader, file)
    renamed = [r for r in loaded.repairs if "duplicate column name" in r]
    assert renamed and f"'{column}' -> '{column}.1'" in renamed[0], loaded.repairs


# ---------------------------------------------------------------- path= swaps
def test_a_sibling_read_instead_of_path_is_reported(tmp_path):
    file = copy_fixture(tmp_path, "metro_traffic")
    mine = file.parent / "my_metro_subset.csv"
    mine.write_bytes(b"\n".join(file.read_bytes().split(b"\n")[:5]) + b"\n")
    loaded = load("metro_traffic", path=mine, download=False)
    notes = [r for r in loaded.repairs if "my_metro_subset.csv" in r]
    assert notes and file.name in notes[0] and "instead" in notes[0], loaded.repairs
    assert len(loaded.frame) > 4  # the sibling was read, and the repairs say so


def test_cmapss_files_next_to_the_given_one_are_reported(tmp_path):
    file = copy_fixture(tmp_path, "cmapss")
    loaded = load("cmapss", path=file, download=False)
    assert [r for r in loaded.repairs if "test_FD001.txt" in r and "instead" in r]
    assert [r for r in loaded.repairs if "RUL_FD001.txt" in r and "instead" in r]


def test_csv_loader_on_a_folder_says_it_is_a_folder(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        load("csv", path=tmp_path)
