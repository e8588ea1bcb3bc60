"""Ranking lines: lowest first, the winner named, every other model after it."""

from __future__ import annotations

import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.reports.rankings import ranking_lines


def test_lines_rank_each_metric_lowest_first():
    table = pd.DataFrame({"rmse": [3.0, 1.0, 2.0], "delay": [5.0, 9.0, 0.5]}, index=["a", "b", "c"])
    lines = ranking_lines(table, ["rmse", "delay"], "lowest", width=5)
    assert lines == [
        " rmse: lowest b (1.00), then c 2.00, a 3.00",
        "delay: lowest c (0.50), then a 5.00, b 9.00",
    ]


def test_an_unknown_metric_is_refused():
    with pytest.raises(InputError, match="lacks columns"):
        ranking_lines(pd.DataFrame({"rmse": [1.0]}, index=["a"]), ["mae"])
