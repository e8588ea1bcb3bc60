"""Early-detection comparison over a fleet of units: alarms of several detectors, one table.

Each detector gives one boolean alarm array per unit (its cycles in order); an alarm
is due from each unit's *event* (a true fault onset, or the first cycle whose true RUL
is at most an alarm horizon, :func:`~tslib.metrics.rul.alarm_due_positions`).
:func:`alarm_table` scores every detector with
:func:`~tslib.metrics.detection.unit_alarm_summary` (delay, false alarms per 1,000
pre-event cycles, missed units); :func:`rul_alarms` turns an RUL estimate into the
"RUL <= horizon" alarm; :func:`detection_metrics` gives the recorded keys.

Examples
--------
>>> index = pd.MultiIndex.from_tuples([(1, 1), (1, 2), (1, 3), (2, 1)])
>>> rul = pd.Series([50.0, 20.0, 10.0, 80.0], index=index)
>>> alarms = {"rul": rul_alarms(rul, 30)}
>>> table = alarm_table(alarms, events=[1, float("inf")])
>>> table[["mean_delay", "missed_units", "n_events"]]
     mean_delay  missed_units  n_events
rul         0.0             0         1
>>> detection_metrics(table)[0]
{'detection_delay_rul': 0.0, 'false_alarms_per_1k_rul': 0.0, 'missed_units_rul': 0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.metrics.detection import unit_alarm_summary

__all__ = ["DETECTION_COLUMNS", "rul_alarms", "alarm_table", "detection_metrics"]

#: The columns of :func:`alarm_table` a notebook shows.
DETECTION_COLUMNS = [
    "mean_delay",
    "median_delay",
    "false_alarms_per_k",
    "missed_units",
    "n_events",
    "n_detected",
]


def rul_alarms(rul: pd.Series, horizon: float) -> list[np.ndarray]:
    """The alarm "estimated RUL <= ``horizon``" at every cycle, one boolean array per unit.

    Parameters
    ----------
    rul : pandas.Series
        Estimated RUL indexed by ``(unit, cycle)``, each unit's cycles contiguous and in order.
    horizon : float
        Alarm horizon in cycles.

    Returns
    -------
    list of numpy.ndarray
        One boolean array (n_u,) per unit, in the order the units first appear.
    """
    if not isinstance(rul, pd.Series) or not isinstance(rul.index, pd.MultiIndex):
        raise InputError("rul_alarms: rul must be a Series indexed by (unit, cycle)")
    return [part.to_numpy() <= horizon for _, part in rul.groupby(level=0, sort=False)]


def alarm_table(alarms: Mapping[str, Sequence[object]], events: object) -> pd.DataFrame:
    """One row per detector: :func:`~tslib.metrics.detection.unit_alarm_summary` of its alarms.

    Parameters
    ----------
    alarms : mapping
        Detector name -> one boolean array per unit (all detectors over the same units).
    events : array_like, shape (n_units,)
        Position of each unit's event (``inf`` for none).

    Returns
    -------
    pandas.DataFrame
        Indexed by detector, in the mapping's order, with every scalar of the summary
        (``mean_delay``, ``median_delay``, ``censored_mean_delay``, ``false_alarms_per_k``,
        ``false_alarms``, ``exposure``, ``missed_units``, ``n_events``, ``n_detected``);
        counts are integer columns.

    Raises
    ------
    InputError
        No detector (and whatever ``unit_alarm_summary`` refuses).
    """
    if not isinstance(alarms, Mapping) or not alarms:
        raise InputError("alarm_table: alarms must be a non-empty mapping detector -> alarms")
    rows = {}
    for name, masks in alarms.items():
        summary = unit_alarm_summary(masks, events)
        rows[name] = {key: value for key, value in summary.items() if key != "delays"}
    return pd.DataFrame.from_dict(rows, orient="index")  # column by column: counts stay integers


def detection_metrics(table: pd.DataFrame) -> tuple[dict[str, float], list[str]]:
    """Recorded keys of an :func:`alarm_table`, with a note for each detector that found nothing.

    The keys are ``detection_delay_<d>`` (the mean delay; the censored mean delay, a
    lower bound, when no unit was detected; 0 when no event was observed),
    ``false_alarms_per_1k_<d>`` and ``missed_units_<d>``, detector by detector.

    Parameters
    ----------
    table : pandas.DataFrame
        What :func:`alarm_table` returned.

    Returns
    -------
    metrics : dict
        The keys above.
    notes : list of str
        One line per detector whose delay is the censored lower bound.
    """
    needed = ["mean_delay", "censored_mean_delay", "false_alarms_per_k", "missed_units"]
    missing = [column for column in needed if column not in table.columns]
    if missing:
        raise InputError(f"detection_metrics: table lacks columns {missing}")
    metrics: dict[str, float] = {}
    notes = []
    for name, row in table.iterrows():
        candidates = (float(row["mean_delay"]), float(row["censored_mean_delay"]), 0.0)
        delay = next(value for value in candidates if np.isfinite(value))
        if not np.isfinite(row["mean_delay"]):
            notes.append(
                f"{name}: no unit detected; detection_delay_{name} records the censored "
                f"lower bound {delay:.1f}"
            )
        metrics[f"detection_delay_{name}"] = delay
        metrics[f"false_alarms_per_1k_{name}"] = float(row["false_alarms_per_k"])
        metrics[f"missed_units_{name}"] = int(row["missed_units"])
    return metrics, notes
