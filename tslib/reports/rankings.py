"""One line per metric ranking the models, for a notebook's conclusions.

Examples
--------
>>> table = pd.DataFrame({"rmse": [2.0, 1.0, 3.0]}, index=["a", "b", "c"])
>>> print("\\n".join(ranking_lines(table, ["rmse"], width=6)))
  rmse: winner b (1.00), then a 2.00, c 3.00
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tslib.errors import InputError

__all__ = ["ranking_lines"]


def ranking_lines(
    table: pd.DataFrame, metrics: Sequence[str], word: str = "winner", *, width: int = 18
) -> list[str]:
    """``"<metric>: <word> <best> (<value>), then <model> <value>, ..."``, lowest first.

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by model, one column per metric (lower is better).
    metrics : sequence of str
        Columns to rank, one line each, in this order.
    word : str
        What the first model is called (``"winner"``, ``"lowest"``).
    width : int
        The metric name is right-aligned in this many characters.

    Returns
    -------
    list of str
        One line per metric; values to 2 decimals; ties keep the table's order.

    Raises
    ------
    InputError
        A metric that is not a column of ``table``.
    """
    missing = [metric for metric in metrics if metric not in table.columns]
    if missing:
        raise InputError(f"ranking_lines: table lacks columns {missing}")
    lines = []
    for metric in metrics:
        ranking = table[metric].sort_values()
        rest = ", ".join(f"{model} {value:.2f}" for model, value in ranking.iloc[1:].items())
        lines.append(
            f"{metric:>{width}}: {word} {ranking.index[0]} ({ranking.iloc[0]:.2f}), then {rest}"
        )
    return lines
