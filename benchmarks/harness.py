"""Compatibility shim: the timing harness moved to :mod:`tslib.timing`, ``Goal`` to
:mod:`benchmarks.common`.

Kept only for ``benchmarks/bench_peers.py`` (maintained separately), which imports
``Goal`` and ``compare`` from here; ``compare`` is :func:`tslib.timing.measure`.
New code imports from :mod:`tslib.timing` and :mod:`benchmarks.common`.
"""

from __future__ import annotations

from benchmarks.common import Goal
from tslib.timing import Timing, machine_info, machine_slug, sync_for
from tslib.timing import measure as compare

__all__ = ["Goal", "Timing", "compare", "machine_info", "machine_slug", "sync_for"]
