"""MovieLens ratings (GroupLens): ``variant="100k"`` or ``"1m"``.

* ml-100k ``u.data`` (``ml-100k/u.data`` in the zip): tab-separated
  ``user item rating timestamp``, not sorted, 100,000 lines;
* ml-1m ``ratings.dat`` (``ml-1m/ratings.dat`` in the zip):
  ``user::item::rating::timestamp``, 1,000,209 lines.

Both were checked against the GroupLens READMEs and real copies. Only the
ratings are read; they are ASCII (the ml-1m ``movies.dat`` and ml-100k
``u.item`` titles, which are latin-1, are not read). Bytes are decoded as
latin-1, which cannot fail.

The files may not be redistributed: users download the official zip from
grouplens.org themselves (or let the loader fetch it into the cache from the
official URL, verified by SHA-256). The frame has columns ``user, item, rating,
timestamp`` (Unix seconds) and ``datetime`` (UTC, tz-naive), sorted by
``(user, timestamp)`` on a 0..n-1 event index.
:func:`tslib.preprocess.leave_last_out_split` makes the usual split.

Ties: times are whole seconds and many events of a user share one (in both
files, often a user's last two). Their true order is unknown, so by default
(``ties="random"``) they are put in a random order drawn from ``tie_seed``;
``ties="file"`` keeps the order of the file. Never order them by item id: that
makes which item is held out depend on the id. The repairs say how many events
were tied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets.archive import read_member
from tslib.datasets.base import DatasetInfo, LoadedDataset, register
from tslib.datasets.cache import RemoteFile, resolve_source
from tslib.datasets.reading import read_delimited
from tslib.datasets.validate import check_no_nan, to_numeric
from tslib.errors import DataError, InputError
from tslib.validation import check_one_of

__all__ = ["load_movielens", "parse_ratings", "MOVIELENS_REMOTES"]

_COLUMNS = ["user", "item", "rating", "timestamp"]
_PAGE = "https://grouplens.org/datasets/movielens/"

#: variant -> official zip. Sizes and SHA-256 as published by TensorFlow Datasets in
#: github.com/tensorflow/datasets, tensorflow_datasets/url_checksums/movielens.txt (the
#: same digests are pinned by the Keras-RS MovieLens example and other projects).
MOVIELENS_REMOTES = {
    "100k": RemoteFile(
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        filename="ml-100k.zip",
        page=_PAGE,
        sha256="50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
        size=4924029,
    ),
    "1m": RemoteFile(
        url="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        filename="ml-1m.zip",
        page=_PAGE,
        sha256="a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
        size=5917549,
    ),
}
_MEMBERS = {"100k": "u.data", "1m": "ratings.dat"}

MOVIELENS_INFO = DatasetInfo(
    name="movielens",
    domain="recsys",
    kind="download",
    frequency="event",
    targets=("item",),
    units={"rating": "stars (1-5)", "timestamp": "s since 1970-01-01 UTC"},
    source=_PAGE,
    licence="GroupLens research licence: free for research use, no redistribution; "
    "users download the files themselves",
    citation="Harper, F. M., Konstan, J. A. (2015). The MovieLens Datasets: History and "
    "Context. ACM TiiS 5(4). https://doi.org/10.1145/2827872",
    description="Explicit movie ratings (ml-100k or ml-1m) as an interaction log sorted by "
    "(user, timestamp), for next-item recommendation.",
)


@register(MOVIELENS_INFO)
def load_movielens(
    path: str | Path | None = None,
    *,
    variant: str = "100k",
    cache_dir: str | Path | None = None,
    download: bool = True,
    url: str | None = None,
    sha256: str | None = None,
    ties: str = "random",
    tie_seed: int = 0,
) -> LoadedDataset:
    """Load MovieLens ratings as an interaction log.

    Parameters
    ----------
    path : str or Path, optional
        ``u.data`` / ``ratings.dat``, the official zip, or a folder holding either.
        Without it the official zip is read from (or downloaded once into) the cache.
    variant : str
        ``"100k"``, ``"1m"`` or ``"auto"`` (needs ``path``: ``ratings.dat`` or
        ``u.data``, whichever is found, told apart by the ``::`` separator).
    cache_dir, download, url, sha256
        See :func:`tslib.datasets.cache.resolve_source`.
    ties : {"random", "file"}
        Order of a user's events in the same second: seeded random, or file order.
    tie_seed : int
        Seed of the random tie order.
    """
    if variant == "auto":
        if path is None:
            raise InputError(
                "movielens: variant='auto' needs path= (u.data or ratings.dat); "
                "pass variant='100k' or '1m' to read the cache"
            )
        source_path = resolve_source("movielens", MOVIELENS_REMOTES["100k"], path=path)
        notes: list[str] = []  # a file read instead of the one path= names
        name, content = read_member(
            source_path, ["ratings.dat", "u.data"], dataset="movielens", notes=notes
        )
        variant = "1m" if b"::" in content[:1000] else "100k"
        frame, repairs = parse_ratings(
            content, variant=variant, source=f"movielens {name}", ties=ties, seed=tie_seed
        )
        repairs[:0] = [f"movielens: {note}" for note in notes]
        return LoadedDataset(frame=frame, info=MOVIELENS_INFO, repairs=repairs)
    if variant not in MOVIELENS_REMOTES:
        raise InputError(f"movielens: variant must be one of {list(MOVIELENS_REMOTES) + ['auto']}")
    remote = MOVIELENS_REMOTES[variant]
    source_path = resolve_source(
        "movielens",
        remote,
        path=path,
        cache_dir=cache_dir,
        download=download,
        url=url,
        sha256=sha256,
    )
    notes: list[str] = []  # a file read instead of the one path= names
    name, content = read_member(source_path, [_MEMBERS[variant]], dataset="movielens", notes=notes)
    frame, repairs = parse_ratings(
        content, variant=variant, source=f"movielens {name}", ties=ties, seed=tie_seed
    )
    repairs[:0] = [f"movielens: {note}" for note in notes]
    return LoadedDataset(frame=frame, info=MOVIELENS_INFO, repairs=repairs)


def parse_ratings(
    content: bytes,
    *,
    variant: str = "100k",
    source: str = "movielens",
    ties: str = "random",
    seed: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Parse ``u.data`` (``"100k"``) or ``ratings.dat`` (``"1m"``) bytes; return (frame, repairs).

    Rows are sorted by ``(user, timestamp)``; a user's events in the same second
    are ordered by ``ties`` (``"random"`` from ``seed``, or ``"file"`` order).
    """
    check_one_of(ties, ("random", "file"), "movielens: ties")
    text = content.decode("latin-1")
    if variant == "1m":
        text = text.replace("::", "\t")
    raw = read_delimited(
        text.encode("latin-1"), name=source, encoding="latin-1", sep="\t", header=None
    )
    if raw.shape[1] != len(_COLUMNS):
        raise DataError(f"{source}: expected 4 fields per line, found {raw.shape[1]}")
    raw.columns = _COLUMNS
    raw = to_numeric(raw, _COLUMNS, source=source)
    check_no_nan(raw, _COLUMNS, source=source)
    bad = ~raw["rating"].between(1, 5)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{source}: rating {raw['rating'].iloc[row]} at row {row} is not in 1..5")
    frame = raw.astype({"user": np.int64, "item": np.int64, "timestamp": np.int64})
    repairs: list[str] = []
    users, times = frame["user"].to_numpy(), frame["timestamp"].to_numpy()
    n = len(frame)
    tie_key = np.random.default_rng(seed).permutation(n) if ties == "random" else np.arange(n)
    order = np.lexsort((tie_key, times, users))
    moved = int((order != np.arange(n)).sum())
    if moved:
        frame = frame.iloc[order].reset_index(drop=True)
        repairs.append(f"{source}: sorted rows by (user, timestamp); {moved} row(s) moved")
    tied = int(frame.duplicated(["user", "timestamp"], keep=False).sum())
    if tied:
        how = f"a random order (seed {seed})" if ties == "random" else "file order"
        repairs.append(
            f"{source}: {tied} event(s) share their second with another event of the same "
            f"user; put in {how}"
        )
    frame["datetime"] = pd.to_datetime(frame["timestamp"], unit="s")
    frame.index.name = "event"
    return frame, repairs
