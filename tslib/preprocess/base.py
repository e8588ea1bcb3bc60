"""The causal step-transform contract.

A :class:`StepTransform` is fitted on a training frame and then used in two ways:

* ``transform(frame)`` over a whole frame, vectorised with pandas / numpy;
* ``step(row, state)`` for one new row, as a plain recursive update.

Every transform guarantees, and the contract tests check, that

(a) iterating ``step`` over the rows from ``init_state()`` equals ``transform(frame)``
    (up to 1e-9 in float64, with NaNs in the same places), and
(b) there is no look-ahead: ``transform(frame[:t])`` equals ``transform(frame)[:t]``
    for every ``t``.

Conventions (river-like, from :class:`tslib.base.Base`): ``__init__`` stores the
hyperparameters unchanged, fitted attributes end with ``_``, ``clone()`` returns an
unfitted copy, and using an unfitted transform raises
:class:`tslib.errors.NotFittedError` (a ``StateError``).
:func:`tslib.checks.check_transform` runs the contract suite on one transform.

A transform reads the numeric columns ``columns`` (``None``: every column of the
training frame) and passes every other column through unchanged. A state is a
``dict`` of immutable values; ``step`` returns a new dict and never mutates the
one it was given, so a state can be kept, copied and replayed freely.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tslib.base import Base, Registry
from tslib.errors import DataError, InputError
from tslib.validation import as_float_cell, check_is_fitted, check_numeric_columns

__all__ = [
    "StepTransform",
    "TRANSFORM_REGISTRY",
    "register_transform",
    "run_steps",
    "check_columns",
]

#: Kept under its old name; the check lives in :mod:`tslib.validation`.
check_columns = check_numeric_columns


class StepTransform(Base):
    """Base class for causal transforms whose iterated ``step`` equals ``transform``.

    Subclasses implement :meth:`_fit`, :meth:`_transform`, :meth:`_init_state`,
    :meth:`_step` and ``test_config()`` (see :meth:`tslib.base.Base.test_config`);
    ``get_params``, ``clone`` and ``repr`` come from :class:`tslib.base.Base`. Invertible
    transforms set ``invertible = True`` and implement :meth:`inverse_column`.

    Attributes
    ----------
    columns_ : list[str]
        Columns the fitted transform reads (set by :meth:`fit`).
    """

    #: True when :meth:`inverse_column` maps outputs back to input units.
    invertible: ClassVar[bool] = False
    #: False for transforms that read only the index (calendar features).
    reads_columns: ClassVar[bool] = True

    columns: Sequence[str] | None = None

    # ----------------------------------------------------------------- hooks
    def _fit(self, train: pd.DataFrame) -> None:  # noqa: B027 - optional hook
        """Learn fitted attributes from ``train[columns_]`` (float64); default: nothing."""

    @abstractmethod
    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Map ``data`` (the float64 ``columns_`` of a frame) to the output columns."""

    @abstractmethod
    def _init_state(self) -> dict:
        """Return the state before the first row (the transform is fitted)."""

    @abstractmethod
    def _step(
        self, x: dict[str, float], timestamp: Any, state: dict
    ) -> tuple[dict[str, float], dict]:
        """Advance one row: ``x`` maps each of ``columns_`` to a float (NaN if missing)."""

    # ------------------------------------------------------------ public API
    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return hasattr(self, "columns_")

    def fit(self, train: pd.DataFrame) -> StepTransform:
        """Learn fitted attributes from the training frame only; return ``self``."""
        self._check_frame(train)
        if isinstance(self.columns, str):
            raise InputError(f"{type(self).__name__}: columns must be a list, got {self.columns!r}")
        columns = list(train.columns) if self.columns is None else list(self.columns)
        if not self.reads_columns:
            columns = []
        check_columns(train, columns, type(self).__name__)
        self._fit(train[columns].astype(np.float64))
        self.columns_ = columns
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Transform a whole frame; columns not in ``columns_`` pass through unchanged.

        A frame with a MultiIndex, such as ``(unit, cycle)`` for run-to-failure data,
        holds one stream per first-level key: each stream is transformed on its own,
        from a fresh state, so no memory (differences, smoothing, fills) crosses from
        one unit into the next. Stepping such data keeps one state per unit.
        """
        self._check_fitted()
        self._check_frame(frame)
        check_columns(frame, self.columns_, type(self).__name__)
        data = frame[self.columns_].astype(np.float64)
        if isinstance(frame.index, pd.MultiIndex):
            result = self._transform_per_stream(data)
        else:
            result = self._transform(data)
        out = frame.copy()
        for column in result.columns:
            out[column] = result[column].to_numpy()
        return out

    def _transform_per_stream(self, data: pd.DataFrame) -> pd.DataFrame:
        """``_transform`` applied to the rows of each first-level index key separately."""
        parts = []
        for positions in data.groupby(level=0, sort=False).indices.values():
            part = self._transform(data.iloc[positions])
            parts.append((positions, part))
        columns = parts[0][1].columns if parts else data.columns
        values = np.full((len(data), len(columns)), np.nan)
        for positions, part in parts:
            values[positions] = part[columns].to_numpy(dtype=np.float64)
        return pd.DataFrame(values, index=data.index, columns=columns)

    def fit_transform(self, train: pd.DataFrame) -> pd.DataFrame:
        """``fit(train)`` then ``transform(train)``."""
        return self.fit(train).transform(train)

    def init_state(self) -> dict:
        """Return the state before the first row."""
        self._check_fitted()
        return self._init_state()

    def step(self, row: pd.Series | Mapping, state: dict) -> tuple[pd.Series, dict]:
        """Transform one row given the state after the previous rows.

        Parameters
        ----------
        row : pd.Series or Mapping
            Values of one time step; a ``pd.Series`` from ``frame.iterrows()``
            carries its timestamp as ``row.name``.
        state : dict
            State returned by :meth:`init_state` or by the previous ``step``.

        Returns
        -------
        out : pd.Series
            The transformed row, named like ``row``.
        state : dict
            The new state (the given one is left unchanged).
        """
        self._check_fitted()
        timestamp = row.name if isinstance(row, pd.Series) else None
        values = dict(row.items())
        x = {}
        for column in self.columns_:
            if column not in values:
                raise DataError(f"{type(self).__name__}: column {column!r} is missing from the row")
            x[column] = as_float_cell(values[column], column, type(self).__name__)
        out, new_state = self._step(x, timestamp, state)
        values.update(out)
        return pd.Series(values, name=timestamp), new_state

    def inverse_column(
        self, values: np.ndarray, column: str, last: np.ndarray | None = None
    ) -> np.ndarray:
        """Map outputs of ``column`` back to input units.

        Parameters
        ----------
        values : np.ndarray
            Transformed values, time along the last axis: (..., H).
        column : str
            Which fitted column the values belong to.
        last : np.ndarray or None
            Input values of ``column`` observed up to the origin, (L,); needed by
            transforms with memory (differencing), ignored by the others.
        """
        raise NotImplementedError(f"{type(self).__name__} is not invertible")

    def inverse_transform(
        self, frame: pd.DataFrame, history: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Invert every fitted column present in ``frame``.

        ``history`` is the input frame observed up to the first row of ``frame``;
        differencing transforms need its last rows to rebuild levels.
        """
        self._check_fitted()
        out = frame.copy()
        for column in self.columns_:
            if column in frame.columns:
                last = None if history is None else history[column].to_numpy(np.float64)
                values = frame[column].to_numpy(np.float64)  # (H,)
                out[column] = self.inverse_column(values, column, last)
        return out

    def fitted_params(self) -> dict:
        """Fitted attributes (names ending with ``_``), for inspection and tests."""
        return {key: value for key, value in vars(self).items() if key.endswith("_")}

    # --------------------------------------------------------------- helpers
    def _check_fitted(self) -> None:
        check_is_fitted(self, "fit(train)")

    def _check_frame(self, frame: pd.DataFrame) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{type(self).__name__} expects a pandas DataFrame, got {type(frame)}")
        if isinstance(frame.index, pd.MultiIndex):  # one stream per first-level key
            for key, positions in frame.groupby(level=0, sort=False).indices.items():
                if not frame.index[positions].droplevel(0).is_monotonic_increasing:
                    raise DataError(
                        f"{type(self).__name__}: rows of stream {key} are not sorted in time"
                    )
        elif not frame.index.is_monotonic_increasing:
            raise DataError(f"{type(self).__name__}: the frame index is not sorted in time")


#: name -> transform class; every registered class runs through the contract tests.
TRANSFORM_REGISTRY: Registry = Registry("transform", base=StepTransform)

#: Class decorator that adds a transform to :data:`TRANSFORM_REGISTRY`.
register_transform = TRANSFORM_REGISTRY.register


def run_steps(transform: StepTransform, frame: pd.DataFrame) -> pd.DataFrame:
    """Replay ``frame`` row by row through ``transform.step`` from ``init_state()``.

    This is the slow, obviously causal reference that ``transform`` must equal.
    """
    state = transform.init_state()
    rows = []
    for _, row in frame.iterrows():
        out, state = transform.step(row, state)
        rows.append(out.to_dict())
    if not rows:
        return transform.transform(frame)
    result = pd.DataFrame(rows, columns=list(out.index))
    result.index = frame.index
    return result.infer_objects()
