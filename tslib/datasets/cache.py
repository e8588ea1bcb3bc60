"""The data cache: where downloaded files live, and how a loader finds its file.

Cache folder, first match wins:

1. the ``cache_dir=`` argument;
2. the ``TSLIB_DATA_DIR`` environment variable;
3. ``data/`` at the repository root (when tslib runs from a checkout);
4. ``~/.cache/tslib``.

A dataset's files go to ``<cache>/<dataset>/<filename>``. :func:`resolve_source`
returns the user's ``path=`` when given, else the cached file, else downloads it
once with :func:`tslib.datasets.download.fetch` (verified, atomic). A cached
file is trusted as it is: it was verified when it was written. When that is
impossible it raises :class:`~tslib.errors.DownloadError` saying where to get
the file and the exact path to put it at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tslib.datasets.download import fetch
from tslib.errors import DataError, DownloadError

__all__ = ["RemoteFile", "data_dir", "cached_path", "resolve_source", "DATA_DIR_ENV"]

#: environment variable that overrides the cache folder
DATA_DIR_ENV = "TSLIB_DATA_DIR"


@dataclass(frozen=True)
class RemoteFile:
    """An official public file that a dataset can be downloaded from.

    Attributes
    ----------
    url : str
        Direct download address.
    filename : str
        Name of the file in the cache folder.
    page : str
        Human-facing page where users can get the file themselves.
    sha256 : str or None
        Expected SHA-256; ``None`` when no published digest was available.
    size : int or None
        Expected size in bytes, when known.
    """

    url: str
    filename: str
    page: str
    sha256: str | None = None
    size: int | None = None


def data_dir(cache_dir: str | Path | None = None) -> Path:
    """The cache folder (see the module docstring for the order of precedence)."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data"
    return Path.home() / ".cache" / "tslib"


def cached_path(dataset: str, remote: RemoteFile, cache_dir: str | Path | None = None) -> Path:
    """Where ``remote`` is (or will be) stored for ``dataset``."""
    return data_dir(cache_dir) / dataset / remote.filename


def resolve_source(
    dataset: str,
    remote: RemoteFile,
    *,
    path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    url: str | None = None,
    sha256: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Return the file or folder to read ``dataset`` from, downloading it once if needed.

    Parameters
    ----------
    dataset : str
        Dataset name (used for the cache sub-folder and in messages).
    remote : RemoteFile
        The official file.
    path : str or Path, optional
        A file, archive or folder the user already has; used as is.
    cache_dir : str or Path, optional
        Cache folder override.
    download : bool
        Download into the cache when the file is not there.
    url : str, optional
        Download from this address instead of ``remote.url`` (a mirror); the file
        must still match ``remote``'s digest and size unless ``sha256`` is given.
    sha256 : str, optional
        Expected digest instead of ``remote.sha256`` (and no size check).
    timeout : float
        Network timeout in seconds.

    Raises
    ------
    DataError
        If ``path`` does not exist.
    DownloadError
        If the file is not cached and cannot be downloaded; the message gives the
        official page and the exact cache path.
    """
    if path is not None:
        source = Path(path).expanduser()
        if not source.exists():
            raise DataError(f"{dataset}: path {str(source)!r} does not exist")
        return source
    target = cached_path(dataset, remote, cache_dir)
    if target.is_file():
        return target
    if not download:
        raise DownloadError(_guidance(dataset, remote, target, "it is not in the cache"))
    # sha256= declares the expected file; the official size then no longer applies
    expected_sha = sha256 if sha256 is not None else remote.sha256
    expected_size = None if sha256 is not None else remote.size
    try:
        fetch(url or remote.url, target, expected_sha, size=expected_size, timeout=timeout)
    except DownloadError as error:
        raise DownloadError(_guidance(dataset, remote, target, str(error))) from error
    return target


def _guidance(dataset: str, remote: RemoteFile, target: Path, reason: str) -> str:
    return (
        f"{dataset}: could not get {remote.filename} ({reason}). "
        f"Download it from {remote.page} (direct link: {remote.url}) and save it as "
        f"{target}, or pass path= pointing at the file or its folder."
    )
