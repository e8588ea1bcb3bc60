"""Shared machinery of the native (C) kernels: switch, compiler, cache folder, cached builds.

Every native library of :mod:`tslib.runner.fast` (the fp32 recurrent step,
:mod:`.recurrent_library`; the transformer step, :mod:`.transformer_native`; the bf16
LSTM step, :mod:`.bf16_native`) is C source held in a Python string, compiled at first
use with the system C compiler into a shared library cached under
``$XDG_CACHE_HOME/tslib/native/`` (default ``~/.cache/tslib/native/``; the environment
variable ``TSLIB_NATIVE_CACHE`` overrides the folder), and called through
:mod:`ctypes`. This module holds what they share:

* :func:`native_enabled`: ``TSLIB_NATIVE=0`` disables every native path;
* :func:`find_compiler` and :func:`compiler_identity`: ``$CC``, else ``cc``, ``gcc`` or
  ``clang``, and its ``--version`` text (part of every cache key);
* :func:`compile_cached`: one build per key, named by the SHA-256 of the source, the
  compiler's identity and the flags, so a new source or compiler builds a new file;
  concurrent builds are safe (each writes a private temporary file and moves it into
  place with :func:`os.replace`);
* :func:`openmp_runtimes`: the OpenMP runtimes mapped into this process (a library
  built with ``-fopenmp`` uses threads only when it shares torch's runtime).

Flags never include ``-ffast-math`` (it changes results) nor ``-march=native``; on
x86-64 the hot loops carry per-ISA clones (``target_clones``) instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

__all__ = [
    "cache_dir",
    "compile_cached",
    "compiler_identity",
    "find_compiler",
    "native_enabled",
    "openmp_runtimes",
]


def native_enabled() -> bool:
    """False when the environment variable ``TSLIB_NATIVE`` is ``0`` (or ``false``/``no``/``off``)."""
    return os.environ.get("TSLIB_NATIVE", "1").strip().lower() not in {"0", "false", "no", "off"}


def cache_dir() -> Path:
    """Folder of the cached libraries (``TSLIB_NATIVE_CACHE`` or the per-user cache)."""
    override = os.environ.get("TSLIB_NATIVE_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tslib" / "native"


def find_compiler() -> str | None:
    """Path of the C compiler: ``$CC``, else ``cc``, ``gcc`` or ``clang`` on the PATH."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name:
            path = shutil.which(name)
            if path:
                return path
    return None


def compiler_identity(compiler: str) -> str:
    """The ``--version`` text of ``compiler`` (raises ``OSError`` / ``SubprocessError``)."""
    result = subprocess.run(
        [compiler, "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout.strip()


def compile_cached(
    source: str, key_parts: list[str], compiler: str, flags: tuple[str, ...], folder: Path,
    prefix: str = "",
) -> Path:  # fmt: skip
    """Compile C ``source`` with ``flags`` into ``folder`` once; return the cached ``.so``.

    The file is named by a hash of ``key_parts`` (source, ABI, compiler identity,
    flags: whatever changes the binary), so a cached build is reused and a changed
    one rebuilt. The build writes a private temporary file and renames it into
    place (atomic: concurrent builds of one key write the same bytes).
    """
    key = hashlib.sha256("\0".join(key_parts).encode()).hexdigest()
    target = folder / f"{prefix}{key}.so"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tslib-native-") as scratch:
        source_path = Path(scratch) / "tslib_native.c"
        source_path.write_text(source)
        partial = folder / f".{prefix}{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        command = [compiler, str(source_path), "-o", str(partial), *flags]
        try:
            subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def openmp_runtimes() -> set[str]:
    """Paths of the OpenMP runtimes mapped into this process (Linux; else empty).

    Two runtimes (ours and one torch bundles under another name) would each keep
    spinning threads on the same cores: a library then runs single-threaded.
    """
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "/lib" in line}
    except OSError:
        return set()
    pattern = ("libgomp", "libiomp", "libomp")
    return {p for p in paths if os.path.basename(p).startswith(pattern)}
