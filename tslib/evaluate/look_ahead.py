"""The no-look-ahead rule of :func:`~tslib.evaluate.backtest.backtest` for deep models.

A multi-step forecast from origin ``o`` rolls the model forward on inputs
``x[o .. o + horizon - 2]``. Those rows are only legitimate where they are
known at ``o``: columns the model feeds back from its own predictions, and
columns declared known in advance (calendar features, planned covariates).
Anything else would leak the future into the forecast, so it is refused with
an :class:`~tslib.errors.InputError` that says what to set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tslib.encoders.base import StepEncoder
from tslib.errors import InputError

__all__ = ["known_column_list", "check_no_look_ahead"]


def known_column_list(known_columns: Sequence[int], width: int) -> list[int]:
    """Validated, sorted, distinct column indices of ``x`` known in advance."""
    if isinstance(known_columns, (str, bytes)) or not hasattr(known_columns, "__iter__"):
        raise InputError(
            f"backtest: known_columns must be a sequence of ints, got {known_columns!r}"
        )
    known = list(known_columns)
    bad = [
        c
        for c in known
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < width
    ]
    if bad:
        raise InputError(f"backtest: known_columns {bad} are not columns of x (0 .. {width - 1})")
    return sorted(set(int(c) for c in known))


def check_no_look_ahead(
    name: str, model: StepEncoder, known: list[int], width: int, default_x: bool
) -> None:
    """Refuse a multi-step forecast that would read an input column after its origin."""
    fed_back = set(model.feedback_inputs)
    unknown = [c for c in range(width) if c not in fed_back and c not in known]
    if not unknown:
        return
    if default_x:
        raise InputError(
            f"backtest: model {name!r} does not feed its prediction back into input column 0, "
            "which is y itself (x defaults to y[:, None]); a forecast beyond one step would read "
            "the true future y. Build the model with feedback_inputs=(0,), or use horizon=1."
        )
    raise InputError(
        f"backtest: model {name!r} would read input column(s) {unknown} of x after the origin: "
        "they are neither fed back (the model's feedback_inputs) nor declared known in advance. "
        "Pass known_columns=[...] for calendar features and planned covariates, build the model "
        "with feedback_inputs for columns derived from y, or use horizon=1."
    )
