"""One reader for every delimited text file a loader parses, with errors that name the file.

:func:`read_delimited` wraps :func:`pandas.read_csv`. Whatever goes wrong, an
empty file, binary data, text that is not in the expected encoding (Latin-1 or
UTF-16 where UTF-8 is expected), a gzip that is truncated, ragged rows or an
unclosed quote, it raises :class:`~tslib.errors.DataError` naming the file and,
where it is known, the line. A gzip-compressed file is decompressed whatever its
name. Duplicate column names, which pandas renames silently (``a``, ``a.1``),
are reported in ``repairs`` (or raise when no repair log is given).
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import zlib
from pathlib import Path
from typing import Any

import pandas as pd

from tslib.errors import DataError

__all__ = ["check_text", "gunzip", "read_delimited"]

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SNIFF = 8192  # bytes inspected for NUL bytes (binary data)
_CHUNK = 1 << 22  # bytes decoded at a time when checking the encoding
#: read_csv options that also apply when only the header line is read.
_HEADER_OPTIONS = ("sep", "delimiter", "quotechar", "escapechar", "comment", "skiprows", "engine")


def read_delimited(
    source: str | os.PathLike | bytes,
    *,
    name: str,
    repairs: list[str] | None = None,
    **pandas_kwargs: Any,
) -> pd.DataFrame:
    """Read delimited text with :func:`pandas.read_csv`; every failure is a :class:`DataError`.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A file path, or the file's content.
    name : str
        Names the file in messages, e.g. ``"csv prices.csv"``.
    repairs : list of str, optional
        Repair log: a duplicate column name that pandas renames is reported
        here. Without a log such a rename raises instead.
    **pandas_kwargs
        Passed to :func:`pandas.read_csv` (``sep``, ``header``, ``na_values``,
        ``encoding`` (default UTF-8), ...).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        A missing, unreadable or empty file, binary data, undecodable text
        (naming the line), a corrupt or truncated gzip, rows with the wrong
        number of fields or an unclosed quote (naming the line), or duplicate
        column names when ``repairs`` is None.
    """
    encoding = pandas_kwargs.pop("encoding", "utf-8")
    if isinstance(source, (bytes, bytearray)):
        content = bytes(source)
    else:
        content = _read_file(Path(source), name)
    content = gunzip(content, name)
    if not content or content.isspace():
        raise DataError(f"{name}: the file is empty")
    check_text(content, name, encoding)
    try:
        frame = pd.read_csv(io.BytesIO(content), encoding=encoding, **pandas_kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(f"{name}: the file holds no columns (empty or only blank lines)") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{name}: {_describe_parser_error(error)}") from None
    except (ValueError, TypeError, OSError) as error:
        raise DataError(f"{name}: cannot be parsed as delimited text ({error})") from None
    if pandas_kwargs.get("header", "infer") is not None and "names" not in pandas_kwargs:
        _report_duplicate_names(content, encoding, frame, name, repairs, pandas_kwargs)
    return frame


def gunzip(content: bytes, name: str) -> bytes:
    """``content`` decompressed when it is gzip (by its magic bytes, whatever the file name).

    Raises
    ------
    DataError
        If the gzip stream is truncated or corrupt.
    """
    if content[:2] != _GZIP_MAGIC:
        return content
    try:
        return gzip.decompress(content)
    except (EOFError, OSError, zlib.error) as error:
        raise DataError(f"{name}: corrupt or truncated gzip data ({error})") from None


def check_text(content: bytes, name: str, encoding: str = "utf-8") -> None:
    """Check that ``content`` is text in ``encoding``; a :class:`DataError` names the line.

    Binary data (NUL bytes), zip archives and UTF-16 text are recognised and
    named; other undecodable bytes are reported with their line and offset.
    The text is decoded in chunks and not kept.
    """
    utf16 = encoding.lower().replace("_", "-").startswith("utf-16")
    if content.startswith(_ZIP_MAGIC):
        raise DataError(f"{name}: is a zip archive, not text; unpack it or pass the archive")
    if content[:2] in _UTF16_BOMS and not utf16:
        raise DataError(f"{name}: is UTF-16 text; save it as UTF-8")
    if b"\x00" in content[:_SNIFF] and not utf16:
        offset = content.index(b"\x00")
        raise DataError(f"{name}: is not text (binary data: NUL byte at offset {offset})")
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise DataError(f"{name}: unknown text encoding {encoding!r}") from None
    for start in range(0, len(content), _CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(content[start : start + _CHUNK], final=start + _CHUNK >= len(content))
        except UnicodeDecodeError as error:
            offset = start - pending + error.start
            line = content[:offset].count(b"\n") + 1
            byte = content[offset : offset + 1].hex()
            raise DataError(
                f"{name}: line {line}: byte 0x{byte} at offset {offset} is not valid "
                f"{encoding} text (a Latin-1 or Windows-1252 file?); save it as UTF-8"
            ) from None


def _read_file(path: Path, name: str) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except FileNotFoundError:
        raise DataError(f"{name}: file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"{name}: {str(path)!r} is a folder, not a file") from None
    except OSError as error:
        raise DataError(f"{name}: cannot read {str(path)!r} ({error.strerror})") from None


def _describe_parser_error(error: Exception) -> str:
    """pandas' tokenizer message, restated with 1-based file line numbers."""
    message = str(error)
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, saw = fields.groups()
        return f"line {line} has {saw} fields where {expected} were expected (a ragged row)"
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return f"unclosed quote starting at line {int(quote.group(1)) + 1}"
    return f"cannot be parsed as delimited text ({message.strip()})"


def _report_duplicate_names(
    content: bytes,
    encoding: str,
    frame: pd.DataFrame,
    name: str,
    repairs: list[str] | None,
    kwargs: dict,
) -> None:
    """Report (or raise on) header names that pandas made unique by appending ``.1``."""
    options = {key: kwargs[key] for key in _HEADER_OPTIONS if key in kwargs}
    try:
        header = pd.read_csv(
            io.BytesIO(content), header=None, nrows=1, dtype=str, encoding=encoding, **options
        )
    except (ValueError, pd.errors.ParserError):
        return
    names = [str(value) for value in header.iloc[0].tolist()] if len(header) else []
    repeated = sorted({n for n in names if names.count(n) > 1}, key=names.index)
    if not repeated or len(names) != frame.shape[1]:
        return
    renames = [
        f"{original!r} -> {renamed!r} (column {position + 1})"
        for position, (original, renamed) in enumerate(zip(names, map(str, frame.columns)))
        if original in repeated and original != renamed
    ]
    message = f"{name}: duplicate column name(s) {repeated}; renamed {', '.join(renames)}"
    if repairs is None:
        raise DataError(message)
    repairs.append(message)
