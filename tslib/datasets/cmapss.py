"""NASA C-MAPSS turbofan run-to-failure data (subsets FD001 .. FD004).

Files ``train_FD00k.txt``, ``test_FD00k.txt``, ``RUL_FD00k.txt`` (checked against
real copies): space-separated, no header, each line ending in two spaces, 26
columns ``unit, cycle, op_setting_1..3, sensor_1..21`` (NASA's readme says
"sensor measurement 26" for the last column; there are 21 sensors). Values such
as ``-0.0000`` occur. Training units run to failure; test units stop earlier,
and line ``u`` of the RUL file (one integer and a trailing space, e.g. ``112 ``)
is the true remaining life of test unit ``u`` at its last cycle. FD001 and
FD003 have 100 test units, FD002 259 and FD004 249.

NASA's zip holds ``6. Turbofan Engine Degradation Simulation Data Set/
CMAPSSData.zip``, which holds the 12 text files and ``readme.txt``;
the loader searches nested zips, so either zip, the folder or one of the text
files can be given as ``path``. Lines may end in ``\\r\\n`` in copies made on
Windows; both endings are read.

The loader returns ``frames = {"train", "test", "rul"}`` (``frame`` is train).
Train and test are indexed by ``(unit, cycle)`` and get a ``rul`` column:

* train: ``rul = last_cycle(unit) - cycle`` (0 at failure);
* test:  ``rul = RUL_file[unit] + last_cycle(unit) - cycle``.

``rul_cap=125`` (usual practice) clips both ``rul`` columns from above; the
``rul`` frame (one row per test unit, the official truth) is never capped.
:func:`constant_sensors` lists the sensors to drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets.archive import read_member
from tslib.datasets.base import DatasetInfo, LoadedDataset, register
from tslib.datasets.cache import RemoteFile, resolve_source
from tslib.datasets.reading import read_delimited
from tslib.datasets.validate import to_numeric
from tslib.errors import DataError, InputError

__all__ = [
    "load_cmapss",
    "parse_cmapss_table",
    "parse_rul_file",
    "constant_sensors",
    "add_rul",
    "CMAPSS_COLUMNS",
    "SUBSETS",
    "CMAPSS_REMOTE",
]

SUBSETS = ("FD001", "FD002", "FD003", "FD004")
OP_SETTINGS = [f"op_setting_{i}" for i in range(1, 4)]
SENSORS = [f"sensor_{i}" for i in range(1, 22)]
CMAPSS_COLUMNS = ["unit", "cycle", *OP_SETTINGS, *SENSORS]

#: NASA publishes no digest. The SHA-256 below is the one pinned for this exact URL by
#: github.com/Memorithm/scirust (scripts/fetch_industrial_datasets.sh and
#: scirust-srcc-bench/DATASETS.md); the RUL_FD001.txt digest pinned there matches an
#: independent copy of that file, which supports it. No size is known.
CMAPSS_REMOTE = RemoteFile(
    url="https://phm-datasets.s3.amazonaws.com/NASA/"
    "6.+Turbofan+Engine+Degradation+Simulation+Data+Set.zip",
    filename="cmapss.zip",
    page="https://www.nasa.gov/intelligent-systems-division/discovery-and-systems-health/"
    "pcoe/pcoe-data-set-repository/",
    sha256="c9c5dec12a945a82e8bb4446589d7fb3cc057b5e5d81fa1a12e25ee9912ad3b2",
)

CMAPSS_INFO = DatasetInfo(
    name="cmapss",
    domain="equipment",
    kind="download",
    frequency="cycle",
    targets=("rul",),
    units={"cycle": "flight cycles", "rul": "flight cycles"},
    source=CMAPSS_REMOTE.page,
    licence="Public domain (NASA)",
    citation="Saxena, A., Goebel, K., Simon, D., Eklund, N. (2008). Damage propagation "
    "modeling for aircraft engine run-to-failure simulation. PHM 2008.",
    description="Simulated turbofan engines run to failure under operating conditions and "
    "fault modes (FD001-FD004); train/test/RUL frames indexed by (unit, cycle).",
)


@register(CMAPSS_INFO)
def load_cmapss(
    path: str | Path | None = None,
    *,
    subset: str = "FD001",
    rul_cap: int | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    url: str | None = None,
    sha256: str | None = None,
) -> LoadedDataset:
    """Load one C-MAPSS subset.

    Parameters
    ----------
    path : str or Path, optional
        Folder holding the txt files, or the NASA zip (nested zips are searched).
        Without it the NASA zip is read from (or downloaded once into) the cache.
    subset : str
        ``"FD001"`` .. ``"FD004"``.
    rul_cap : int, optional
        Clip the ``rul`` columns at this value (125 is usual practice).
    cache_dir, download, url, sha256
        See :func:`tslib.datasets.cache.resolve_source`.
    """
    if subset not in SUBSETS:
        raise InputError(f"cmapss: subset must be one of {SUBSETS}, got {subset!r}")
    source_path = resolve_source(
        CMAPSS_INFO.name,
        CMAPSS_REMOTE,
        path=path,
        cache_dir=cache_dir,
        download=download,
        url=url,
        sha256=sha256,
    )
    parts = {}
    notes: list[str] = []  # files read next to the one path= names (documented)
    for part in ("train", "test", "RUL"):
        filename = f"{part}_{subset}.txt"
        _, content = read_member(source_path, [filename], dataset="cmapss", notes=notes)
        parts[part] = (filename, content)
    train = parse_cmapss_table(parts["train"][1], source=f"cmapss {parts['train'][0]}")
    test = parse_cmapss_table(parts["test"][1], source=f"cmapss {parts['test'][0]}")
    rul = parse_rul_file(parts["RUL"][1], source=f"cmapss {parts['RUL'][0]}")
    test_units = test.index.get_level_values("unit").unique()
    if len(rul) != len(test_units) or not np.array_equal(rul.index, np.sort(test_units)):
        raise DataError(
            f"cmapss {parts['RUL'][0]}: {len(rul)} line(s) but the test file has units "
            f"{test_units.min()}..{test_units.max()} ({len(test_units)} units)"
        )
    train = add_rul(train, cap=rul_cap)
    test = add_rul(test, final_rul=rul["rul"], cap=rul_cap)
    return LoadedDataset(
        frame=train,
        info=CMAPSS_INFO,
        frames={"train": train, "test": test, "rul": rul},
        repairs=[f"cmapss: {note}" for note in notes],
    )


def parse_cmapss_table(content: bytes, *, source: str = "cmapss") -> pd.DataFrame:
    """Parse a train or test file into a frame indexed by ``(unit, cycle)``.

    Raises
    ------
    DataError
        On a wrong number of columns, a non-numeric value, or cycles of a unit
        that do not run 1, 2, 3, ... in contiguous rows.
    """
    raw = read_delimited(content, name=source, sep=r"\s+", header=None)
    if raw.shape[1] != len(CMAPSS_COLUMNS):
        raise DataError(
            f"{source}: expected {len(CMAPSS_COLUMNS)} space-separated columns, found {raw.shape[1]}"
        )
    raw.columns = CMAPSS_COLUMNS
    short = raw.isna().any(axis=1).to_numpy()
    if short.any():
        row = int(np.flatnonzero(short)[0])
        raise DataError(f"{source}: line {row + 1} has fewer than {len(CMAPSS_COLUMNS)} values")
    raw = to_numeric(raw, CMAPSS_COLUMNS, source=source)
    for column in ("unit", "cycle"):
        values = raw[column].to_numpy(dtype=float)
        if not np.array_equal(values, np.round(values)):
            row = int(np.flatnonzero(values != np.round(values))[0])
            raise DataError(f"{source}: column {column!r} line {row + 1} is not an integer")
        raw[column] = values.astype(np.int64)
    _check_cycles(raw, source)
    return raw.set_index(["unit", "cycle"])


def parse_rul_file(content: bytes, *, source: str = "cmapss RUL") -> pd.DataFrame:
    """Parse ``RUL_FD00k.txt`` (one integer per line) into a frame indexed by unit 1..n."""
    raw = read_delimited(content, name=source, sep=r"\s+", header=None)
    if raw.shape[1] != 1:
        raise DataError(f"{source}: expected one value per line, found {raw.shape[1]} columns")
    raw.columns = ["rul"]
    raw = to_numeric(raw, ["rul"], source=source)
    if raw["rul"].isna().any() or (raw["rul"] < 0).any():
        row = int(np.flatnonzero((raw["rul"].isna() | (raw["rul"] < 0)).to_numpy())[0])
        raise DataError(f"{source}: line {row + 1} is not a non-negative remaining life")
    raw.index = pd.RangeIndex(1, len(raw) + 1, name="unit")
    return raw.astype({"rul": np.int64})


def add_rul(
    frame: pd.DataFrame, final_rul: pd.Series | None = None, cap: int | None = None
) -> pd.DataFrame:
    """Return a copy of a ``(unit, cycle)`` frame with a ``rul`` column.

    ``rul = final_rul[unit] + last_cycle(unit) - cycle``; ``final_rul`` defaults to
    0 (run to failure). ``cap`` clips it from above.
    """
    units = frame.index.get_level_values("unit")
    cycles = frame.index.get_level_values("cycle").to_numpy()
    last = pd.Series(cycles, index=units).groupby(level=0).transform("max").to_numpy()
    offset = 0 if final_rul is None else final_rul.reindex(units).to_numpy()
    rul = offset + last - cycles  # (N,)
    out = frame.copy()
    out["rul"] = rul if cap is None else np.minimum(rul, cap)
    return out


def constant_sensors(
    frame: pd.DataFrame,
    tol: float = 0.0,
    columns: Sequence[str] | None = None,
    by: object | None = None,
) -> list[str]:
    """Columns whose range (max - min) over ``frame`` is at most ``tol``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Usually the C-MAPSS train frame (or ``equipment_sim``'s).
    tol : float
        Threshold on the range; 0 keeps only exactly constant columns, a small
        positive value also catches near-constant ones (FD001's ``sensor_6``
        takes two values 0.01 apart).
    columns : sequence of str, optional
        Columns to consider; default every ``sensor_*`` column.
    by : array_like or str, optional
        Group labels (one per row, or a column name), e.g. the operating condition
        of each cycle: a column then counts as constant when its range is at most
        ``tol`` *within every group* (FD002/FD004 sensors that only move with the
        condition).
    """
    columns = (
        list(columns) if columns is not None else [c for c in frame if c.startswith("sensor_")]
    )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"constant_sensors: column(s) {missing} are not in the frame")
    if by is None:
        spread = frame[columns].max() - frame[columns].min()
    else:
        labels = frame[by].to_numpy() if isinstance(by, str) else np.asarray(by)
        if labels.shape != (len(frame),):
            raise InputError(
                f"constant_sensors: by needs one label per row ({len(frame)}), got {labels.shape}"
            )
        grouped = frame[columns].groupby(labels)
        spread = (grouped.max() - grouped.min()).max()
    return [c for c in columns if spread[c] <= tol]


def _check_cycles(raw: pd.DataFrame, source: str) -> None:
    units = raw["unit"].to_numpy()
    cycles = raw["cycle"].to_numpy()
    new_unit = np.r_[True, units[1:] != units[:-1]]  # (N,)
    starts = np.flatnonzero(new_unit)
    if len(np.unique(units[starts])) != len(starts):
        row = int(starts[pd.Series(units[starts]).duplicated().to_numpy()][0])
        raise DataError(f"{source}: rows of unit {units[row]} are not contiguous (line {row + 1})")
    expected = np.arange(len(raw)) - np.repeat(starts, np.diff(np.r_[starts, len(raw)])) + 1
    wrong = np.flatnonzero(cycles != expected)
    if len(wrong):
        row = int(wrong[0])
        raise DataError(
            f"{source}: unit {units[row]} line {row + 1} has cycle {cycles[row]}, "
            f"expected {expected[row]} (cycles must run 1, 2, 3, ...)"
        )
