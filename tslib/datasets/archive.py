"""Find a named file inside whatever the user has: the file, a folder, or a zip.

Public datasets come as plain files, gzip files, zip archives, or zips nested in
zips (the NASA C-MAPSS download). :func:`read_member` hides the difference:
give it the path and the names the file may have, and it returns the bytes,
gunzipped when needed. A corrupt or truncated archive raises
:class:`~tslib.errors.DataError` naming the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from tslib.datasets.reading import gunzip
from tslib.errors import DataError

__all__ = ["read_member"]

_ZIP_MAGIC = b"PK\x03\x04"
_MAX_NESTING = 2


def read_member(
    source: str | Path,
    names: Sequence[str],
    *,
    dataset: str = "",
    notes: list[str] | None = None,
) -> tuple[str, bytes]:
    """Return ``(found_name, content)`` of the first of ``names`` found under ``source``.

    Parameters
    ----------
    source : str or Path
        A plain or gzip file (read whatever its name, unless a file named as
        wanted sits next to it, which is then read instead), a folder (searched
        recursively, then the zip archives in it), or a zip archive (searched
        by member base name, then nested zips).
    names : sequence of str
        Acceptable base names, in order of preference.
    dataset : str
        Dataset name for error messages.
    notes : list of str, optional
        Gets one message when a file other than the one named by ``source`` is
        read (a wanted name sitting next to it); loaders put it in ``repairs``.

    Returns
    -------
    tuple of (str, bytes)
        The name that was found and its content (decompressed if gzip).

    Raises
    ------
    DataError
        If none of ``names`` is found, or a file or archive cannot be read (a
        corrupt or truncated zip or gzip), naming the file.
    """
    source = Path(source)
    found: tuple[str, bytes] | None
    try:
        if source.is_dir():
            found = _from_folder(source, names)
        elif zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as archive:
                found = _from_zip(archive, names, depth=0)
        else:
            found = _from_file(source, names, notes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as error:
        raise DataError(
            f"{dataset}: corrupt or truncated archive {str(source)!r} ({error})"
        ) from None
    except OSError as error:
        raise DataError(f"{dataset}: cannot read {str(source)!r} ({error})") from None
    if found is None:
        raise DataError(f"{dataset}: none of {', '.join(names)} was found in {str(source)!r}")
    name, content = found
    if content.startswith(_ZIP_MAGIC):  # a zip that zipfile cannot open: truncated or corrupt
        raise DataError(f"{dataset}: {name} in {str(source)!r} is a corrupt or truncated zip")
    return name, gunzip(content, f"{dataset} {name}")


def _from_file(file: Path, names: Sequence[str], notes: list[str] | None) -> tuple[str, bytes]:
    """The file itself, unless it is a sibling of a wanted file (e.g. ``train_FD001.txt``
    given where ``test_FD001.txt`` is wanted): then that sibling, noted in ``notes``."""
    if file.name not in names:
        for name in names:
            sibling = file.parent / name
            if sibling.is_file():
                if notes is not None:
                    notes.append(
                        f"path {str(file)!r} is not {' or '.join(names)}; read the file "
                        f"{str(sibling)!r} next to it instead"
                    )
                return name, sibling.read_bytes()
    return file.name, file.read_bytes()


def _from_folder(folder: Path, names: Sequence[str]) -> tuple[str, bytes] | None:
    for name in names:
        matches = sorted(p for p in folder.rglob(name) if p.is_file())
        if matches:
            return matches[0].name, matches[0].read_bytes()
    for archive_path in sorted(folder.rglob("*.zip")):
        with zipfile.ZipFile(archive_path) as archive:
            found = _from_zip(archive, names, depth=0)
        if found is not None:
            return found
    return None


def _from_zip(
    archive: zipfile.ZipFile, names: Sequence[str], depth: int
) -> tuple[str, bytes] | None:
    members = [m for m in archive.namelist() if not m.endswith("/")]
    by_base = {}
    for member in members:
        by_base.setdefault(PurePosixPath(member).name, member)
    for name in names:
        if name in by_base:
            return name, archive.read(by_base[name])
    if depth >= _MAX_NESTING:
        return None
    for member in members:
        if member.lower().endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(archive.read(member))) as inner:
                found = _from_zip(inner, names, depth + 1)
            if found is not None:
                return found
    return None
