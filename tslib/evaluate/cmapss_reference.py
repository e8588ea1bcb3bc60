"""Published C-MAPSS FD001 results, and the goal a notebook checks its own against.

Published figures are comparable only on NASA's FD001 (one operating condition, one
fault mode), scored at the last cycle of each test unit against ``RUL_FD001.txt``:
an LSTM at RMSE 16.14 (Zheng et al. 2017) and a deep CNN at 12.61, NASA score 273.7
(Li et al. 2018). :data:`FD001_GOAL` is the issue's goal: RMSE <= 12, NASA score
<= 250, and beating the gradient-boosted trees.

Examples
--------
>>> table = pd.DataFrame({"rmse": [11.5, 13.0], "nasa": [240.0, 300.0]}, index=["gru", "gbt"])
>>> joined, note = with_published(table, "cmapss", "FD001")
>>> len(joined), note
(4, None)
>>> with_published(table, "equipment_sim", "simulated")[1]
'published figures are for C-MAPSS FD001; this run is equipment_sim simulated: not comparable'
>>> print(fd001_goal_line(table, "gru"))
goal (FD001): RMSE <= 12.0 -> 11.50 met; NASA score <= 250 -> 240.0 met; beats gbt -> yes
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError

__all__ = ["PUBLISHED_FD001", "FD001_GOAL", "with_published", "fd001_goal_line"]

#: Published FD001 results, one row per paper: last-cycle RMSE and NASA score (NaN: not given).
PUBLISHED_FD001 = pd.DataFrame(
    {"rmse": [16.14, 12.61], "nasa": [np.nan, 273.7]},
    index=["published: LSTM (Zheng et al. 2017)", "published: DCNN (Li et al. 2018)"],
)

#: The FD001 goal: RMSE and NASA score at most these, at the last test cycle.
FD001_GOAL = {"rmse": 12.0, "nasa": 250.0}


def _is_fd001(dataset: str, subset: str) -> bool:
    return dataset == "cmapss" and subset == "FD001"


def with_published(
    table: pd.DataFrame, dataset: str, subset: str
) -> tuple[pd.DataFrame, str | None]:
    """``table`` with the published FD001 rows appended when the run is C-MAPSS FD001.

    Parameters
    ----------
    table : pandas.DataFrame
        Scores indexed by model, with ``rmse`` and ``nasa`` columns (others are NaN
        in the published rows).
    dataset : str
        The registry name of the data (``"cmapss"``, ``"equipment_sim"``).
    subset : str
        The subset (``"FD001"`` .. ``"FD004"``, or a label such as ``"simulated"``).

    Returns
    -------
    table : pandas.DataFrame
        With the published rows on FD001, unchanged otherwise.
    note : str or None
        None on FD001; otherwise one line saying the published figures are not comparable.
    """
    if not _is_fd001(dataset, subset):
        note = (
            f"published figures are for C-MAPSS FD001; this run is {dataset} {subset}: "
            "not comparable"
        )
        return table, note
    return pd.concat([table, PUBLISHED_FD001]), None


def fd001_goal_line(table: pd.DataFrame, model: str, baseline: str = "gbt") -> str:
    """Whether ``model`` meets the FD001 goal (:data:`FD001_GOAL`) and beats ``baseline``.

    Parameters
    ----------
    table : pandas.DataFrame
        Scores indexed by model with ``rmse`` and ``nasa`` (last cycle, uncapped truth).
    model : str
        The model judged (the best deep model).
    baseline : str
        The model it must beat on RMSE (the boosted trees).

    Returns
    -------
    str
        One line: each goal with the value reached and ``met`` / ``NOT met``.

    Raises
    ------
    InputError
        ``model`` or ``baseline`` is not in the table, or a column is missing.
    """
    missing = [name for name in (model, baseline) if name not in table.index]
    missing += [column for column in FD001_GOAL if column not in table.columns]
    if missing:
        raise InputError(f"fd001_goal_line: table lacks {missing}")
    rmse, score = float(table.loc[model, "rmse"]), float(table.loc[model, "nasa"])
    rmse_goal, score_goal = FD001_GOAL["rmse"], FD001_GOAL["nasa"]
    return (
        f"goal (FD001): RMSE <= {rmse_goal:.1f} -> {rmse:.2f} "
        f"{'met' if rmse <= rmse_goal else 'NOT met'}; "
        f"NASA score <= {score_goal:g} -> {score:.1f} {'met' if score <= score_goal else 'NOT met'}; "
        f"beats {baseline} -> {'yes' if rmse < table.loc[baseline, 'rmse'] else 'NO'}"
    )
