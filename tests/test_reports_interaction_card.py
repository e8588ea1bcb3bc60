"""The data card of an interaction log (tslib.reports.interaction_card)."""

from __future__ import annotations

import pandas as pd
import pytest

from tslib.datasets.base import DatasetInfo, LoadedDataset
from tslib.errors import InputError
from tslib.reports.interaction_card import interaction_card


def _log(repairs: list[str] | None = None, truth: dict | None = None) -> LoadedDataset:
    """Three users, five items; user 1's last two events share a second, user 2 repeats an item."""
    frame = pd.DataFrame(
        {
            "user": [1, 1, 1, 2, 2, 2, 3],
            "item": [10, 11, 12, 10, 13, 10, 14],
            "timestamp": [0, 5, 5, 0, 9, 20, 86_400],
        }
    )
    frame["datetime"] = pd.to_datetime(frame["timestamp"], unit="s")
    info = DatasetInfo(
        name="toy_log",
        domain="recommendation",
        kind="interactions",
        frequency="event",
        targets=("item",),
        description="a toy log",
        source="tests",
        licence="MIT",
        citation="none",
    )
    return LoadedDataset(frame=frame, info=info, repairs=repairs or [], truth=truth)


def test_card_counts_size_span_ties_and_repeats() -> None:
    lines = interaction_card(_log()).splitlines()
    assert lines[0] == "== toy_log: a toy log"
    assert lines[1] == "source: tests | licence: MIT"
    assert lines[3] == "size: 7 events | 3 users | 5 items | density 46.67%"
    assert (
        lines[4] == "span: 1970-01-01 .. 1970-01-02 | frequency: event (irregular, whole seconds)"
    )
    assert lines[5] == (
        "same-second ties: 2 events (29%); a user's last two events tie for 1 users (33%)"
    )
    assert lines[6] == "items rated twice by one user: 1"
    assert lines[7] == "repairs: none"
    assert lines[8] == "ground truth: no"


def test_card_lists_repairs_and_truth() -> None:
    card = interaction_card(_log(repairs=["dropped 2 rows", "sorted"], truth={"preference": 1}))
    assert "repairs: dropped 2 rows; sorted" in card.splitlines()
    assert card.splitlines()[-1] == "ground truth: yes (taste, transitions: oracle available)"


def test_card_names_a_missing_column() -> None:
    loaded = _log()
    loaded.frame = loaded.frame.drop(columns="datetime")
    with pytest.raises(InputError, match="datetime"):
        interaction_card(loaded)
