r"""Anomaly / fault detection metrics.

Two views are offered:

* **point-wise** - each time step is a labelled sample (:func:`precision_recall_f1`,
  :func:`roc_auc`);
* **event-wise** - a fault is a contiguous run of positive labels, or an onset
  time per unit (:func:`event_metrics`, :func:`detection_delay`,
  :func:`false_alarms_per_unit_time`).

Alarm times are given per unit as 1-D arrays of time stamps (step indices or
any increasing clock); :func:`alarm_times` turns a boolean alarm series into one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from tslib.errors import InputError
from tslib.validation import as_bool_array, as_float_array, broadcast_to_length, check_same_shape

__all__ = [
    "precision_recall_f1",
    "roc_auc",
    "alarm_times",
    "detection_delay",
    "false_alarms_per_unit_time",
    "event_segments",
    "event_metrics",
    "point_adjust",
    "unit_alarm_summary",
]


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2.0 * precision * recall / total if total > 0 else 0.0


def precision_recall_f1(y_true: object, y_pred: object) -> dict:
    r"""Point-wise precision, recall and F1 of binary labels.

    :math:`P = TP/(TP+FP)`, :math:`R = TP/(TP+FN)`, :math:`F_1 = 2PR/(P+R)`;
    a ratio with a zero denominator is 0 (scikit-learn's ``zero_division=0``).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``tp``, ``fp``, ``fn``.
    """
    truth = as_bool_array(y_true, "y_true")
    pred = as_bool_array(y_pred, "y_pred")
    check_same_shape(y_true=truth, y_pred=pred)
    tp = int(np.sum(truth & pred))
    fp = int(np.sum(~truth & pred))
    fn = int(np.sum(truth & ~pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def roc_auc(y_true: object, scores: object) -> float:
    r"""Area under the ROC curve via the Mann-Whitney rank statistic.

    .. math:: \mathrm{AUC} = \frac{R_+ - n_+(n_+ + 1)/2}{n_+ n_-},

    with :math:`R_+` the sum of the (average, for ties) ranks of the positive
    scores. Equals :func:`sklearn.metrics.roc_auc_score`.

    Raises
    ------
    InputError
        If ``y_true`` holds only one class.
    """
    truth = as_bool_array(y_true, "y_true")
    score = as_float_array(scores, "scores", ndim=1)
    check_same_shape(y_true=truth, scores=score)
    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise InputError("y_true must contain both classes for ROC AUC")
    ranks = stats.rankdata(score)  # average ranks for ties
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def alarm_times(alarms: object, times: object | None = None) -> np.ndarray:
    """Times at which a boolean alarm series is on (step indices when ``times`` is None)."""
    mask = as_bool_array(alarms, "alarms")
    if times is None:
        return np.flatnonzero(mask).astype(np.float64)
    clock = as_float_array(times, "times", ndim=1)
    check_same_shape(alarms=mask, times=clock)
    return clock[mask]


def _unit_alarms(alarm_times: Sequence[object], n_units: int) -> list[np.ndarray]:
    if (
        isinstance(alarm_times, np.ndarray)
        and alarm_times.ndim == 1
        and alarm_times.dtype != object
    ):
        raise InputError(
            "alarm_times must be a sequence with one array of alarm times per unit; "
            "wrap a single unit's times in a list: [times]"
        )
    if len(alarm_times) != n_units:
        raise InputError(f"alarm_times has {len(alarm_times)} units but fault_onsets has {n_units}")
    units = []
    for unit, times in enumerate(alarm_times):
        array = np.asarray(times, dtype=np.float64).ravel()
        if np.isnan(array).any():
            raise InputError(f"alarm_times[{unit}] contains NaN")
        units.append(np.sort(array))
    return units


def detection_delay(alarm_times: Sequence[object], fault_onsets: object) -> np.ndarray:
    """Delay from each unit's fault onset to its first alarm at or after the onset.

    Parameters
    ----------
    alarm_times : sequence of array_like
        ``alarm_times[i]`` holds the alarm times of unit ``i`` (may be empty).
    fault_onsets : array_like, shape (n_units,)
        Onset time of the fault in each unit.

    Returns
    -------
    numpy.ndarray, shape (n_units,)
        ``first alarm >= onset - onset``; NaN where the fault was missed. Alarms
        before the onset are false alarms and do not count as detections.
    """
    onsets = as_float_array(fault_onsets, "fault_onsets", ndim=1)
    units = _unit_alarms(alarm_times, onsets.size)
    delays = np.full(onsets.size, np.nan)
    for unit, (times, onset) in enumerate(zip(units, onsets)):
        after = times[times >= onset]
        if after.size:
            delays[unit] = after[0] - onset
    return delays


def false_alarms_per_unit_time(
    alarm_times: Sequence[object], fault_onsets: object, start_times: object = 0.0
) -> float:
    r"""Pooled false-alarm rate: alarms before the onset per unit of fault-free time.

    .. math:: \mathrm{FAR} = \frac{\sum_i \#\{a \in A_i : a < \tau_i\}}{\sum_i (\tau_i - s_i)}

    with onsets :math:`\tau_i` and observation starts :math:`s_i`. For a healthy
    unit pass its end of observation as the onset.
    """
    onsets = as_float_array(fault_onsets, "fault_onsets", ndim=1)
    starts = broadcast_to_length(start_times, "start_times", onsets.size)
    units = _unit_alarms(alarm_times, onsets.size)
    exposure = float(np.sum(onsets - starts))
    if np.any(onsets < starts) or exposure <= 0.0:
        raise InputError("fault_onsets must come after start_times (no fault-free time)")
    false = sum(
        int(np.sum((times < onset) & (times >= start)))
        for times, onset, start in zip(units, onsets, starts)
    )
    return false / exposure


def event_segments(mask: object) -> list[tuple[int, int]]:
    """Maximal runs of ``True`` as half-open ``(start, stop)`` index pairs."""
    flags = as_bool_array(mask, "mask").astype(np.int8)
    edges = np.diff(np.concatenate(([0], flags, [0])))  # +1 at starts, -1 after ends
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


def event_metrics(y_true: object, y_pred: object) -> dict:
    """Event-wise detection metrics for one labelled series.

    A true event (maximal run of positive labels) is *detected* when at least one
    predicted point falls inside it; a predicted event (run of positive
    predictions) is *false* when it overlaps no true event.

    Returns
    -------
    dict
        ``n_events``, ``n_detected``, ``recall`` (= detected / events),
        ``n_pred_events``, ``n_false_events``, ``precision``
        (= 1 - false / predicted events, 0 when nothing is predicted), ``f1`` and
        ``mean_delay`` (steps from event start to its first predicted point,
        over detected events; NaN if none).
    """
    truth = as_bool_array(y_true, "y_true")
    pred = as_bool_array(y_pred, "y_pred")
    check_same_shape(y_true=truth, y_pred=pred)
    true_events = event_segments(truth)
    pred_events = event_segments(pred)
    delays = []
    for start, stop in true_events:
        hits = np.flatnonzero(pred[start:stop])
        if hits.size:
            delays.append(hits[0])
    n_false = sum(1 for start, stop in pred_events if not truth[start:stop].any())
    recall = len(delays) / len(true_events) if true_events else 0.0
    precision = 1.0 - n_false / len(pred_events) if pred_events else 0.0
    return {
        "n_events": len(true_events),
        "n_detected": len(delays),
        "recall": recall,
        "n_pred_events": len(pred_events),
        "n_false_events": n_false,
        "precision": precision,
        "f1": _f1(precision, recall),
        "mean_delay": float(np.mean(delays)) if delays else float("nan"),
    }


def point_adjust(y_true: object, y_pred: object) -> np.ndarray:
    """Point-adjusted predictions (Xu et al., 2018): a hit anywhere in a true event marks it all.

    Widely used in anomaly-detection papers, and known to inflate F1 (Kim et
    al., AAAI 2022: random scores can reach high point-adjusted F1). Report it
    next to the unadjusted and event-wise metrics, never alone.
    """
    truth = as_bool_array(y_true, "y_true")
    pred = as_bool_array(y_pred, "y_pred")
    check_same_shape(y_true=truth, y_pred=pred)
    adjusted = pred.copy()
    for start, stop in event_segments(truth):
        if pred[start:stop].any():
            adjusted[start:stop] = True
    return adjusted


def unit_alarm_summary(alarms: Sequence[object], events: object, per: float = 1000.0) -> dict:
    """Detection delay, false-alarm rate and missed units over many monitored units.

    Unit ``i`` is observed at positions ``0 .. n_i - 1`` (its cycles) and
    ``alarms[i]`` says at which of them the detector is on. An alarm is due from
    position ``events[i]`` on (a fault onset, or the first cycle whose true RUL is
    at most the alarm horizon); a unit whose event lies at or after ``n_i`` (or is
    ``inf``) is healthy for its whole observation.

    * delay: first alarm at or after the event minus the event, over the units whose
      event was observed and detected (:func:`detection_delay`);
    * false alarms: every alarm before the event, pooled over all units, per ``per``
      cycles of pre-event exposure (:func:`false_alarms_per_unit_time`);
    * missed: units whose event was observed but that raised no alarm from it to
      their last cycle.

    Parameters
    ----------
    alarms : sequence of array_like
        One boolean array per unit (0/1 or bool), length ``n_i``.
    events : array_like, shape (n_units,)
        Position of each unit's event (``inf`` for none).
    per : float
        Exposure unit of the false-alarm rate (1000 cycles).

    Returns
    -------
    dict
        ``mean_delay`` (NaN when nothing was detected), ``median_delay``,
        ``censored_mean_delay`` (missed units count the cycles they were observed
        after the event, a lower bound on their delay), ``false_alarms_per_k``
        (per ``per`` cycles), ``false_alarms``, ``exposure``, ``missed_units``,
        ``n_events``, ``n_detected`` and ``delays`` (per unit, NaN where missed or
        healthy).

    Examples
    --------
    >>> summary = unit_alarm_summary([[0, 1, 0, 0, 1, 1], [0, 0]], events=[3, float("inf")])
    >>> summary["mean_delay"], summary["false_alarms_per_k"], summary["missed_units"]
    (1.0, 200.0, 0)
    """
    if isinstance(alarms, np.ndarray) and alarms.ndim == 1 and alarms.dtype != object:
        raise InputError("alarms must hold one boolean array per unit; wrap one unit as [alarms]")
    masks = [as_bool_array(mask, f"alarms[{i}]") for i, mask in enumerate(alarms)]
    try:
        onsets = np.asarray(events, dtype=np.float64).reshape(-1)  # inf allowed: no event
    except (TypeError, ValueError) as error:
        raise InputError(f"events must be numeric positions: {error}") from error
    if not masks or onsets.size != len(masks):
        raise InputError(f"events must hold one position per unit ({len(masks)} units)")
    if np.isnan(onsets).any() or np.any(onsets < 0):
        raise InputError("events must be positions >= 0 (inf for a unit without event)")
    lengths = np.array([mask.size for mask in masks], dtype=np.float64)
    observed = onsets < lengths  # (U,): the event happened while the unit was watched
    times = [np.flatnonzero(mask).astype(np.float64) for mask in masks]
    clipped = np.minimum(onsets, lengths)  # healthy units: all their cycles are exposure
    false_rate = false_alarms_per_unit_time(times, clipped) if clipped.sum() > 0 else 0.0
    delays = np.full(len(masks), np.nan)
    if observed.any():
        delays[observed] = detection_delay(
            [t for t, seen in zip(times, observed) if seen], onsets[observed]
        )
    detected = observed & ~np.isnan(delays)
    missed = observed & np.isnan(delays)
    censored = np.where(missed, lengths - onsets, delays)[observed]
    return {
        "mean_delay": float(delays[detected].mean()) if detected.any() else float("nan"),
        "median_delay": float(np.median(delays[detected])) if detected.any() else float("nan"),
        "censored_mean_delay": float(censored.mean()) if observed.any() else float("nan"),
        "false_alarms_per_k": float(false_rate * per),
        "false_alarms": int(sum(int(np.sum(t < o)) for t, o in zip(times, clipped))),
        "exposure": float(clipped.sum()),
        "missed_units": int(missed.sum()),
        "n_events": int(observed.sum()),
        "n_detected": int(detected.sum()),
        "delays": delays,
    }
