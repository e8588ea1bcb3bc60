"""What the risk protocol evaluates on: return streams with a test start and causal features.

A :class:`RiskStream` is one series of daily returns (one index, one asset) with the
first test day, and optionally the fitted causal transform (e.g.
:class:`~tslib.preprocess.VolatilityFeatures`) whose columns a deep risk model reads.
Row ``t`` of :attr:`RiskStream.inputs` is known at the close of day ``t``; a model's
output at row ``t`` predicts the return of day ``t + 1`` divided by
``scales[t]`` (the volatility the features were scaled by, e.g. RiskMetrics'
:math:`\\sigma_{t+1\\mid t}`; 1 without a scale column).

:func:`as_risk_streams` turns what a user passes to :func:`~tslib.evaluate.backtest` /
:func:`~tslib.evaluate.replay` into ``stream id -> RiskStream``: a stream, a mapping of
them, or a plain series / 1-D array of returns with ``start`` (no features: a deep
model then reads the return itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from tslib.errors import InputError

__all__ = ["RiskStream", "as_risk_streams", "is_return_data"]


@dataclass(eq=False)
class RiskStream:
    """One return series, its first test day and the features deep models read.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per day in time order (a DatetimeIndex for dated tables), with the
        returns in ``return_column`` and whatever else the transform reads (a range).
    start : int
        Position of the first test day; every forecast of day ``t >= start`` uses rows
        before ``t`` only.
    transform : StepTransform, optional
        The causal feature transform, fitted before ``start`` (training span only).
    features : sequence of str
        Transform output columns the deep models read, in order.
    scale_column : str, optional
        Transform output column the deep models' target was divided by (``"sigma"``);
        None: the target is the return itself.
    clip : float, optional
        Inputs are clipped to ``[-clip, clip]``.
    return_column : str
        Column of ``frame`` holding the returns.
    """

    frame: pd.DataFrame
    start: int
    transform: object | None = None
    features: Sequence[str] = ()
    scale_column: str | None = None
    clip: float | None = None
    return_column: str = "return"

    def __post_init__(self) -> None:
        if isinstance(self.frame, pd.Series):
            self.frame = self.frame.to_frame(self.return_column)
        if not isinstance(self.frame, pd.DataFrame) or self.return_column not in self.frame:
            raise InputError(
                f"RiskStream: frame must be a DataFrame with a {self.return_column!r} column"
            )
        if isinstance(self.start, bool) or not isinstance(self.start, (int, np.integer)):
            raise InputError(f"RiskStream: start must be an int, got {self.start!r}")
        self.start = int(self.start)
        if not 1 <= self.start < len(self.frame):
            raise InputError(
                f"RiskStream: start must lie in [1, {len(self.frame)}) (a day with history "
                f"before it), got {self.start}"
            )
        self.features = tuple(self.features)
        if self.transform is None and (self.features or self.scale_column is not None):
            raise InputError("RiskStream: features and scale_column need a fitted transform")
        if self.transform is not None and not self.features:
            raise InputError("RiskStream: name the transform columns the models read (features)")
        if self.clip is not None and not float(self.clip) > 0:
            raise InputError(f"RiskStream: clip must be > 0, got {self.clip!r}")

    @property
    def returns(self) -> pd.Series:
        """Every day's return (float), history and test span."""
        return self.frame[self.return_column].astype(np.float64)

    @property
    def n_test(self) -> int:
        """Days from ``start`` to the end."""
        return len(self.frame) - self.start

    @cached_property
    def feature_frame(self) -> pd.DataFrame:
        """The transform's output for every day (computed once); the returns without one."""
        if self.transform is None:
            return self.frame[[self.return_column]]
        out = self.transform.transform(self.frame)
        missing = [c for c in (*self.features, self.scale_column) if c and c not in out]
        if missing:
            raise InputError(f"RiskStream: the transform gives no columns {missing}")
        return out

    @cached_property
    def inputs(self) -> np.ndarray:
        """Deep-model inputs of every day, (T, F) float32, clipped."""
        columns = list(self.features) or [self.return_column]
        values = self.feature_frame[columns].to_numpy(np.float32)  # (T, F)
        return values if self.clip is None else np.clip(values, -self.clip, self.clip)

    @cached_property
    def scales(self) -> np.ndarray:
        """``scales[t]``: what the return of day ``t + 1`` was divided by, (T,) float64."""
        if self.scale_column is None:
            return np.ones(len(self.frame))
        return self.feature_frame[self.scale_column].to_numpy(np.float64)

    def input_row(self, out: Mapping) -> np.ndarray:
        """One day's model input from one :meth:`transform.step` output (or a raw row)."""
        columns = list(self.features) or [self.return_column]
        values = np.array([out[c] for c in columns], dtype=np.float64)  # (F,)
        return values if self.clip is None else np.clip(values, -self.clip, self.clip)


def is_return_data(data: object) -> bool:
    """Whether ``data`` is a RiskStream, a mapping of them, or a plain return series."""
    if isinstance(data, RiskStream):
        return True
    if isinstance(data, Mapping) and data:
        return all(isinstance(value, RiskStream) for value in data.values())
    if isinstance(data, pd.Series):
        return True
    return isinstance(data, np.ndarray) and data.ndim == 1


def as_risk_streams(data: object, start: int | None = None) -> dict[object, RiskStream]:
    """``stream id -> RiskStream`` from a stream, a mapping of them, or returns plus ``start``.

    Raises
    ------
    InputError
        Unknown data, a plain series without ``start``, or ``start`` given with streams
        (each carries its own).
    """
    if isinstance(data, RiskStream):
        data = {0: data}
    if isinstance(data, Mapping) and data and all(isinstance(v, RiskStream) for v in data.values()):
        if start is not None:
            raise InputError("risk: start is given by each RiskStream; do not pass start=")
        return dict(data)
    if isinstance(data, (pd.Series, np.ndarray)) and np.ndim(data) == 1:
        if start is None:
            raise InputError("risk: a plain return series needs start= (the first test day)")
        series = data if isinstance(data, pd.Series) else pd.Series(np.asarray(data, float))
        return {0: RiskStream(series.rename("return").to_frame(), start)}
    raise InputError(
        "risk: data must be a RiskStream, a mapping id -> RiskStream, or a 1-D return series "
        f"with start=; got {type(data).__name__}"
    )
