"""Verified, atomic file download.

:func:`fetch` streams a URL in chunks into a temporary file *in the destination
folder*, checks the byte count against ``Content-Length`` and the optional
expected size and SHA-256, and only then renames it onto ``dest`` with
:func:`os.replace` (atomic on one file system). On any failure (network error,
HTTP error, connection closed mid-body, size or checksum mismatch) the temporary
file is deleted and ``dest`` is left untouched, so the cache never holds a
partial file.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm  # plain text bar: no widget state in executed notebooks

from tslib.errors import DownloadError

__all__ = ["fetch", "sha256_of"]

_CHUNK_BYTES = 1 << 16


def fetch(
    url: str,
    dest: str | Path,
    sha256: str | None = None,
    *,
    size: int | None = None,
    timeout: float = 60.0,
    progress: bool | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying size and checksum.

    Parameters
    ----------
    url : str
        ``http(s)://`` (or ``file://``) address.
    dest : str or Path
        Final path; its folder is created if needed.
    sha256 : str, optional
        Expected SHA-256 hex digest of the file.
    size : int, optional
        Expected size in bytes.
    timeout : float
        Socket timeout in seconds, for connecting and for each read.
    progress : bool, optional
        Show a tqdm progress bar; by default only when stderr is a terminal.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    DownloadError
        On an HTTP or network error, an interrupted body, or a size or checksum
        mismatch. Nothing is left at ``dest`` or in its folder in that case.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    show = sys.stderr.isatty() if progress is None else progress
    handle, temp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            digest, received = _stream(url, out, timeout=timeout, show=show)
        if size is not None and received != size:
            raise DownloadError(f"{url}: expected {size} bytes, received {received}")
        if sha256 is not None and digest != sha256.lower():
            raise DownloadError(
                f"{url}: SHA-256 mismatch (expected {sha256.lower()}, got {digest}); "
                "the file was discarded"
            )
        os.replace(temp_path, dest)
    finally:
        temp_path.unlink(missing_ok=True)
    return dest


def sha256_of(path: str | Path) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stream(url: str, out, *, timeout: float, show: bool) -> tuple[str, int]:
    """Copy the body of ``url`` into ``out``; return (sha256 hex, bytes received)."""
    digest = hashlib.sha256()
    received = 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "tslib"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length_header = response.headers.get("Content-Length")
            expected = int(length_header) if length_header else None
            with tqdm(
                total=expected, unit="B", unit_scale=True, desc=Path(url).name, disable=not show
            ) as bar:
                for chunk in iter(lambda: response.read(_CHUNK_BYTES), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        raise DownloadError(f"{url}: download failed ({error})") from error
    if expected is not None and received != expected:
        raise DownloadError(
            f"{url}: connection closed after {received} of {expected} bytes (interrupted download)"
        )
    return digest.hexdigest(), received
