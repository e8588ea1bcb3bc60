"""Published C-MAPSS FD001 figures appear only next to FD001 results; the goal line judges them."""

from __future__ import annotations

import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.evaluate.cmapss_reference import PUBLISHED_FD001, fd001_goal_line, with_published


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"rmse": [12.5, 11.0], "nasa": [230.0, 260.0], "rmse_all_cycles": [10.0, 9.0]},
        index=["lstm", "gbt"],
    )


def test_fd001_gets_the_published_rows_and_no_note():
    table, note = with_published(_table(), "cmapss", "FD001")
    assert note is None
    assert list(table.index) == ["lstm", "gbt", *PUBLISHED_FD001.index]
    assert table.loc["published: LSTM (Zheng et al. 2017)", "rmse"] == 16.14
    assert table["rmse_all_cycles"].isna().sum() == len(PUBLISHED_FD001)


@pytest.mark.parametrize(("dataset", "subset"), [("cmapss", "FD002"), ("equipment_sim", "FD001")])
def test_other_runs_keep_their_table_and_say_not_comparable(dataset, subset):
    table, note = with_published(_table(), dataset, subset)
    assert table.equals(_table())
    assert note == (
        f"published figures are for C-MAPSS FD001; this run is {dataset} {subset}: not comparable"
    )


def test_goal_line_says_which_goal_is_met():
    line = fd001_goal_line(_table(), "lstm")
    assert line == (
        "goal (FD001): RMSE <= 12.0 -> 12.50 NOT met; NASA score <= 250 -> 230.0 met; "
        "beats gbt -> NO"
    )
    with pytest.raises(InputError, match="lacks"):
        fd001_goal_line(_table(), "gru")
