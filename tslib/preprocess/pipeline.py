"""A chain of step transforms that is itself a step transform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tslib.errors import DataError, InputError, StateError
from tslib.preprocess.base import StepTransform, register_transform

__all__ = ["Pipeline"]


@register_transform("pipeline")
class Pipeline(StepTransform):
    """Apply transforms one after the other, in ``transform`` and in ``step`` alike.

    Each transform is fitted on the training frame as transformed by the ones
    before it. The pipeline keeps the step-equals-transform and no-look-ahead
    guarantees of its parts.

    Parameters
    ----------
    steps : Sequence[tuple[str, StepTransform]]
        Named transforms, applied in order; the pipeline fits them in place.
    target : str, Sequence[str] or None
        Target column(s) that :meth:`inverse_target` maps back to original units.

    Examples
    --------
    >>> from tslib.preprocess import Difference, StandardScaler
    >>> frame = pd.DataFrame({"y": [1.0, 2.0, 4.0, 7.0, 11.0]})
    >>> pipe = Pipeline([("diff", Difference()), ("scale", StandardScaler())], target="y")
    >>> scaled = pipe.fit(frame).transform(frame)["y"].to_numpy()
    >>> pipe.inverse_target(scaled[1:3], history=frame.iloc[:1]).tolist()
    [2.0, 4.0]
    """

    def __init__(
        self,
        steps: Sequence[tuple[str, StepTransform]],
        target: str | Sequence[str] | None = None,
    ):
        names = [name for name, _ in steps]
        if len(set(names)) != len(names):
            raise InputError(f"Pipeline: step names must be unique, got {names}")
        for name, transform in steps:
            if not isinstance(transform, StepTransform):
                raise InputError(f"Pipeline: step {name!r} is not a StepTransform")
        self.steps = steps
        self.target = target

    @property
    def targets(self) -> list[str]:
        """The target columns as a list."""
        if self.target is None:
            return []
        return [self.target] if isinstance(self.target, str) else list(self.target)

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "columns_") and all(t.is_fitted for _, t in self.steps)

    def fit(self, train: pd.DataFrame) -> Pipeline:
        self._check_frame(train)
        missing = [c for c in self.targets if c not in train.columns]
        if missing:
            raise DataError(f"Pipeline: target column {missing[0]!r} is missing from the frame")
        frame = train
        for _, transform in self.steps:
            frame = transform.fit(frame).transform(frame)
        self.columns_ = list(dict.fromkeys(c for _, t in self.steps for c in t.columns_))
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        self._check_fitted()
        for _, transform in self.steps:
            frame = transform.transform(frame)
        return frame

    def _transform(self, data: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover - unused
        raise NotImplementedError("Pipeline.transform chains its steps")

    def _init_state(self) -> dict:
        return {name: transform.init_state() for name, transform in self.steps}

    def step(self, row: pd.Series | Mapping, state: dict) -> tuple[pd.Series, dict]:
        self._check_fitted()
        new_state = {}
        for name, transform in self.steps:
            row, new_state[name] = transform.step(row, state[name])
        if not isinstance(row, pd.Series):  # an empty pipeline returns its input
            row = pd.Series(dict(row))
        return row, new_state

    def _step(self, x: dict[str, float], timestamp: Any, state: dict):  # pragma: no cover
        raise NotImplementedError("Pipeline.step chains its steps")

    def inverse_target(self, values: np.ndarray, history: pd.DataFrame | None = None) -> np.ndarray:
        """Map forecasts of the target(s) back to original units.

        Inverts, in reverse order, every invertible transform that touched a target
        (scalers, differencing, log-returns). The others (filling, clipping,
        smoothing) keep the units and are skipped.

        Parameters
        ----------
        values : np.ndarray
            Transformed forecasts, (..., H) for a single target name or
            (..., H, n_targets) for a list of targets.
        history : pd.DataFrame or None
            The raw frame observed up to the forecast origin, needed to rebuild
            levels after differencing (at least the last ``lag`` rows, more when a
            stateful transform such as a smoother comes before the difference).

        Returns
        -------
        np.ndarray
            Forecasts in original units, same shape as ``values``.
        """
        self._check_fitted()
        if not self.targets:
            raise StateError("Pipeline.inverse_target needs Pipeline(..., target=...)")
        values = np.asarray(values, dtype=np.float64)
        if isinstance(self.target, str):
            columns = {self.target: values}  # (..., H)
        else:
            if values.shape[-1] != len(self.targets):
                raise InputError(
                    f"Pipeline.inverse_target: values end with {values.shape[-1]} columns, "
                    f"expected {len(self.targets)} targets {self.targets}"
                )
            columns = {c: values[..., j] for j, c in enumerate(self.targets)}  # (..., H)
        columns = self._inverse_columns(columns, history)
        if isinstance(self.target, str):
            return columns[self.target]
        return np.stack([columns[c] for c in self.targets], axis=-1)  # (..., H, n_targets)

    def _inverse_columns(
        self, columns: dict[str, np.ndarray], history: pd.DataFrame | None
    ) -> dict[str, np.ndarray]:
        """Invert ``columns`` through the steps, newest first."""
        inputs: list[pd.DataFrame | None] = [history] * len(self.steps)
        if history is not None:  # the input of each step, over the history
            frame = history
            for index, (_, transform) in enumerate(self.steps):
                inputs[index] = frame
                frame = transform.transform(frame)
        columns = dict(columns)
        for index in reversed(range(len(self.steps))):
            transform = self.steps[index][1]
            if isinstance(transform, Pipeline):
                columns = transform._inverse_columns(columns, inputs[index])
                continue
            if not transform.invertible:
                continue
            for column in columns:
                if column in transform.columns_:
                    frame = inputs[index]
                    last = None if frame is None else frame[column].to_numpy(np.float64)
                    columns[column] = transform.inverse_column(columns[column], column, last)
        return columns

    def fitted_params(self) -> dict:
        return {name: transform.fitted_params() for name, transform in self.steps}

    @classmethod
    def test_config(cls) -> list[dict]:
        from tslib.preprocess.calendar_features import CalendarFeatures
        from tslib.preprocess.denoise import EWMASmoother
        from tslib.preprocess.differencing import Difference, LogReturn
        from tslib.preprocess.imputation import ForwardFill
        from tslib.preprocess.outliers import HampelFilter
        from tslib.preprocess.scaling import RobustScaler, StandardScaler

        gappy = [
            ("fill", ForwardFill(limit=3)),
            ("hampel", HampelFilter(window=5)),
            ("smooth", EWMASmoother(alpha=0.6, columns=["b"])),
            ("diff", Difference(columns=["a"])),
            ("scale", StandardScaler()),
            ("calendar", CalendarFeatures(features=("hour",))),
        ]
        positive = [("returns", LogReturn()), ("scale", RobustScaler())]
        return [
            {"params": {"steps": gappy, "target": "a"}, "frame": "gappy"},
            {"params": {"steps": positive, "target": ["a", "b"]}, "frame": "positive"},
        ]
