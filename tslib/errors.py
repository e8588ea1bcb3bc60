"""Exception hierarchy for tslib.

Every error that tslib raises on purpose derives from :class:`TslibError`, so a
caller can catch the whole family at once. The subclasses also derive from the
closest built-in exception, so existing ``except ValueError`` code keeps working.
"""

from __future__ import annotations

__all__ = [
    "TslibError",
    "DataError",
    "DownloadError",
    "InputError",
    "StateError",
    "NotFittedError",
    "SnapshotError",
]


class TslibError(Exception):
    """Base class of every error raised by tslib."""


class DataError(TslibError, ValueError):
    """A dataset or frame is malformed: bad timestamps, NaNs, wrong dtypes, missing columns."""


class DownloadError(DataError):
    """A dataset could not be fetched or verified; the message says where to get it."""


class InputError(TslibError, ValueError):
    """Bad input to a model or runner step: NaN/inf, wrong shape or dtype, bad stream ids."""


class StateError(TslibError, RuntimeError):
    """An operation does not fit the current state, e.g. an unknown stream or an unfitted transform."""


class NotFittedError(StateError, InputError):
    """A model or transform was used before ``fit``.

    It is a :class:`StateError` (the object is in the wrong state) and an
    :class:`InputError` (the call is a usage error), so either ``except`` catches it.
    """


class SnapshotError(TslibError):
    """A runner snapshot is truncated, corrupt, or belongs to a different model."""
