"""The headline comparison of a notebook: its best deep model against its best baseline.

A domain notebook calls :func:`record_headline` once, after its metrics table::

    from tslib.reports import record_headline
    record_headline("mae", "gru", 0.41, "seasonal_naive", 0.52, lower_is_better=True)

The values travel in the same store as :func:`tslib.reports.record` (a display
output of the executed notebook), under the reserved keys :data:`HEADLINE_KEYS`
(``headline.metric``, ``headline.deep_model``, ...). Their dotted names cannot be
passed as keyword arguments, so they never collide with a notebook's own
metrics. :func:`read_headline` finds them again in the dict that
:func:`tslib.reports.read_metrics` returns; the report index builds its
scoreboard from it (:mod:`tslib.reports.scoreboard`).
"""

from __future__ import annotations

import math
import numbers

from tslib.errors import InputError
from tslib.reports.metrics import emit_metrics

__all__ = ["HEADLINE_KEYS", "HEADLINE_PREFIX", "headline_ratio", "read_headline", "record_headline"]

#: Prefix of the reserved metric names written by :func:`record_headline`.
HEADLINE_PREFIX = "headline."

#: The reserved metric names, in order.
HEADLINE_KEYS = tuple(
    HEADLINE_PREFIX + name
    for name in (
        "metric",
        "deep_model",
        "deep_value",
        "baseline",
        "baseline_value",
        "lower_is_better",
    )
)


def _name(argument: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"record_headline: {argument} must be a non-empty string, got {value!r}")
    return value.strip()


def _value(argument: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"record_headline: {argument} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"record_headline: {argument} is not finite: {value}")
    return value


def record_headline(
    metric: str,
    deep_model: str,
    deep_value: float,
    baseline: str,
    baseline_value: float,
    lower_is_better: bool = True,
) -> dict:
    """Record the notebook's headline: best deep model versus best baseline on one metric.

    Parameters
    ----------
    metric : str
        Name of the headline metric, e.g. ``"mae"`` or ``"ndcg@10"``.
    deep_model : str
        Name of the best deep model on that metric, e.g. ``"gru"``.
    deep_value : float
        Its test value.
    baseline : str
        Name of the best baseline, e.g. ``"seasonal_naive"``.
    baseline_value : float
        Its test value, on the identical test points.
    lower_is_better : bool
        Direction of the metric (``True`` for errors, ``False`` for scores).

    Returns
    -------
    dict
        The recorded reserved keys (:data:`HEADLINE_KEYS`) and their values.

    Raises
    ------
    InputError
        If a name is empty, a value is not a finite number, or ``lower_is_better``
        is not a bool.

    Examples
    --------
    >>> record_headline("mae", "gru", 0.4, "naive", 0.5)["headline.deep_value"]
    0.4
    """
    if not isinstance(lower_is_better, bool):
        raise InputError(
            f"record_headline: lower_is_better must be True or False, got {lower_is_better!r}"
        )
    values = (
        _name("metric", metric),
        _name("deep_model", deep_model),
        _value("deep_value", deep_value),
        _name("baseline", baseline),
        _value("baseline_value", baseline_value),
        lower_is_better,
    )
    return emit_metrics(dict(zip(HEADLINE_KEYS, values, strict=True)))


def read_headline(metrics: dict) -> dict | None:
    """The headline of a notebook's recorded metrics, or None when it recorded none.

    Parameters
    ----------
    metrics : dict
        What :func:`tslib.reports.read_metrics` returned.

    Returns
    -------
    dict or None
        Keys ``metric, deep_model, deep_value, baseline, baseline_value,
        lower_is_better`` (without the prefix); None unless all are present.
    """
    if not all(key in metrics for key in HEADLINE_KEYS):
        return None
    return {key[len(HEADLINE_PREFIX) :]: metrics[key] for key in HEADLINE_KEYS}


def headline_ratio(headline: dict) -> float | None:
    """``deep_value / baseline_value``; None when the baseline value is zero.

    Below 1 the deep model wins when lower is better; above 1 it wins otherwise.
    """
    baseline_value = float(headline["baseline_value"])
    if baseline_value == 0.0:
        return None
    return float(headline["deep_value"]) / baseline_value
