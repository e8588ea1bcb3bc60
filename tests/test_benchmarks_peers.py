"""benchmarks.bench_peers: a Darts goal is met or missed only when Darts ran in this run.

Without Darts (not installed here, or failing to import) the goals must read
"not measured", never "met" from stored reference figures; with Darts rows they
are computed for both Darts paths (default ``predict`` and a reused ``pl.Trainer``).
"""

from __future__ import annotations

import pytest

from benchmarks import bench_peers
from benchmarks.run_all import goal_line, summary_lines


def fake_rows(darts_us: dict[str, float]) -> list[dict]:
    runner = {bench_peers.ONE: 10.0, bench_peers.MANY: 400.0}
    return [{"what": name, "median_us": us} for name, us in (runner | darts_us).items()]


def test_goals_are_not_measured_without_darts_rows():
    goals = bench_peers.darts_goals(fake_rows({}), skip="not installed")
    assert len(goals) == 4  # 2 Darts paths x (per observation, 1000 streams)
    for goal in goals:
        assert goal["status"] == "not measured"
        assert goal["met"] is None and goal["value"] is None
        assert goal_line(goal).startswith("not measured")


def test_both_darts_paths_are_judged_when_darts_ran():
    one, many = bench_peers.DARTS_PATHS["default predict"]
    one_trainer, many_trainer = bench_peers.DARTS_PATHS["reused pl.Trainer"]
    rows = fake_rows({one: 3000.0, many: 200_000.0, one_trainer: 1500.0, many_trainer: 60_000.0})
    goals = {goal["name"]: goal for goal in bench_peers.darts_goals(rows, skip=None)}
    by_path = {
        ("default predict", "per observation"): (300.0, "met"),
        ("default predict", "1000 streams"): (500.0, "met"),
        ("reused pl.Trainer", "per observation"): (150.0, "missed"),
        ("reused pl.Trainer", "1000 streams"): (150.0, "missed"),
    }
    for (path, scope), (value, status) in by_path.items():
        goal = goals[f"faster than Darts RNNModel, {path} ({scope})"]
        assert goal["value"] == pytest.approx(value) and goal["status"] == status
    assert goal_line(
        goals["faster than Darts RNNModel, reused pl.Trainer (1000 streams)"]
    ).startswith("MISSED")


def test_run_without_any_peer_reports_not_measured(monkeypatch):
    """The whole section, peers absent: no goal is met, and the summary says so."""

    def broken():
        raise ImportError("darts is broken here")

    monkeypatch.setattr(bench_peers, "PEERS", {"darts": broken})
    monkeypatch.setattr(bench_peers, "peers_python", lambda: None)  # measure here
    section = bench_peers.run(quick=True)
    assert "darts" in section["skipped"]
    assert [goal["status"] for goal in section["goals"]] == ["not measured"] * 5
    lines = summary_lines({"peers": section})
    assert lines and all(line.startswith("not measured") for line in lines), lines
    assert not any(goal["met"] for goal in section["goals"])


def test_river_goal_is_judged_only_when_river_ran():
    rows = fake_rows({bench_peers.RIVER_ONE: 25.0, bench_peers.ONE_BEFORE: 40.0})
    goal = bench_peers.river_goal(rows, skip=None)
    assert goal["value"] == pytest.approx(10.0 / 25.0) and goal["status"] == "met"
    assert goal["before"] == pytest.approx(40.0 / 25.0)
    assert goal_line(goal).startswith("met")
    missed = bench_peers.river_goal(fake_rows({bench_peers.RIVER_ONE: 15.0}), skip=None)
    assert missed["status"] == "missed" and goal_line(missed).startswith("MISSED")
    absent = bench_peers.river_goal(rows, skip="not installed")
    assert absent["status"] == "not measured" and absent["met"] is None
