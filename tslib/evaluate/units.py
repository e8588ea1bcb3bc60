"""Report errors in data units: invert the fitted target transform of a prediction frame.

Models are trained on scaled targets; a metric in scaled units (a MAE of 0.31
"standard deviations") is not what a reader wants. :func:`target_inverse`
turns the fitted target transform (a tslib scaler, a
:class:`~tslib.preprocess.pipeline.Pipeline` with ``target=``, or any callable)
into a pointwise inverse, and :func:`to_data_units` applies it to the value
columns of a tidy frame and marks the frame ``attrs["units"] = "data"``.

Only pointwise transforms can be inverted here (scalers, log): a forecast's
level after differencing depends on the history at its origin, which a tidy
frame does not carry, so such a transform raises :class:`InputError`.

Examples
--------
>>> import pandas as pd
>>> from tslib.preprocess import StandardScaler
>>> scaler = StandardScaler(columns=["y"]).fit(pd.DataFrame({"y": [0.0, 10.0]}))
>>> inverse = target_inverse(scaler)
>>> inverse(np.array([0.0, 1.0])).round(3).tolist()
[5.0, 10.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from tslib.errors import InputError, StateError
from tslib.preprocess.base import StepTransform
from tslib.preprocess.pipeline import Pipeline

__all__ = ["target_inverse", "to_data_units", "VALUE_COLUMNS"]

#: Columns of a tidy prediction frame that are in target units.
VALUE_COLUMNS = ("y_true", "y_pred", "lower", "upper")

Inverse = Callable[[np.ndarray], np.ndarray]


def target_inverse(target_transform: object, column: str | None = None) -> Inverse | None:
    """A pointwise ``inverse(values (...,)) -> values`` in data units, or None.

    Parameters
    ----------
    target_transform : StepTransform, Pipeline, callable or None
        The fitted transform applied to the target before training. A
        ``Pipeline`` must have been built with ``target=`` (one column). A plain
        transform inverts ``column`` (default: its only fitted column). A callable
        is used as the inverse itself.
    column : str, optional
        The target column of a transform that fitted several.

    Raises
    ------
    InputError
        An unfitted transform, an ambiguous column, a transform that is not
        pointwise invertible, or an object of another type.
    """
    if target_transform is None:
        return None
    if isinstance(target_transform, Pipeline):
        if not isinstance(target_transform.target, str):
            raise InputError(
                "target_transform: the Pipeline needs one target column (Pipeline(..., target='y'))"
            )
        inverse = lambda values: target_transform.inverse_target(values)  # noqa: E731
    elif isinstance(target_transform, StepTransform):
        if not target_transform.is_fitted:
            raise InputError(f"target_transform {target_transform!r} is not fitted")
        fitted = list(target_transform.columns_)
        if column is None and len(fitted) != 1:
            raise InputError(
                f"target_transform fitted columns {fitted}: say which is the target (column=...)"
            )
        name = fitted[0] if column is None else column
        if name not in fitted:
            raise InputError(f"target_transform was not fitted on column {name!r} ({fitted})")
        inverse = lambda values: target_transform.inverse_column(values, name)  # noqa: E731
    elif callable(target_transform):
        inverse = target_transform
    else:
        raise InputError(
            "target_transform must be a fitted tslib transform, a Pipeline with target=, or a "
            f"callable inverse; got {type(target_transform).__name__}"
        )

    def pointwise(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        try:
            out = np.asarray(inverse(values), dtype=np.float64)
        except (StateError, NotImplementedError, TypeError, ValueError) as error:
            raise InputError(
                "target_transform cannot be inverted value by value (differencing needs the "
                f"history at each origin; invert such forecasts yourself): {error}"
            ) from error
        if out.shape != values.shape:
            raise InputError(
                f"target_transform inverse changed the shape {values.shape} -> {out.shape}"
            )
        return out

    return pointwise


def to_data_units(
    frame: pd.DataFrame, inverse: Inverse | None, columns: Sequence[str] = VALUE_COLUMNS
) -> pd.DataFrame:
    """Return ``frame`` with its value columns inverted (a copy), marked ``units="data"``.

    A frame already marked ``attrs["units"] == "data"`` is refused, so that a
    transform is never inverted twice. With ``inverse=None`` the frame is
    returned as is, marked ``"model"`` unless it already says otherwise.
    """
    if inverse is None:
        frame.attrs.setdefault("units", "model")
        return frame
    if frame.attrs.get("units") == "data":
        raise InputError("the frame is already in data units; do not pass target_transform again")
    out = frame.copy()
    for name in columns:
        if name in out.columns:
            out[name] = inverse(out[name].to_numpy(np.float64))
    out.attrs.update(frame.attrs)
    out.attrs["units"] = "data"
    return out
