"""The index as a results page: provenance, answers, metrics, scoreboard, --only merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tslib.reports import write_index
from tslib.reports.provenance import dataset_entry, effective_parameters, git_state
from tslib.reports.scoreboard import scoreboard_rows
from tslib.reports.summary import read_summary

HEADLINE = {
    "headline.metric": "mae",
    "headline.deep_model": "gru",
    "headline.deep_value": 0.4,
    "headline.baseline": "seasonal_naive",
    "headline.baseline_value": 0.5,
    "headline.lower_is_better": True,
}


def provenance(run_date: str) -> dict:
    return {
        "run_date": run_date,
        "git": {"commit": "0123456789abcdef", "dirty": True},
        "versions": {"tslib": "0.1.0", "torch": "2.13", "python": "3.12.1"},
        "host": {"host": "h", "cpu_model": "Test CPU 9000", "cores": 2},
        "workers": [{"address": "tcp://w", "host": "h", "cpu_model": "Test CPU 9000", "cores": 2}],
        "threads_per_notebook": 1,
        "parameter_set": {"name": "smoke", "path": "p/smoke.yaml", "defaults": {"SEED": 3}},
        "wall_seconds": 12.25,
    }


def result(stem: str, run_date: str, metrics: dict, **extra) -> dict:
    return {
        "notebook": stem,
        "status": "ok",
        "seconds": 3.0,
        "error": None,
        "metrics": metrics,
        "ipynb": f"/x/{stem}.ipynb",
        "html": f"/x/{stem}.html",
        "run_date": run_date,
        "commit": "0123456789abcdef",
        "title": f"Title of {stem}",
        "answer": f"**Answer.** The answer of `{stem}` <with markup>.",
        "parameters": {"SEED": 3, "DATA_PATH": None},
        "overrides": ["SEED"],
        "dataset": dataset_entry({"dataset": "sp500"}, {"DATA_PATH": None}),
        **extra,
    }


def test_index_shows_provenance_answers_rounded_metrics_and_links(tmp_path: Path):
    first = result("01_finance", "2026-01-02T10:00:00Z", {"var_95": 0.0123456789, "n": 7})
    first["html_nocode"] = "/x/01_finance_nocode.html"
    write_index([first], tmp_path, "smoke", provenance=provenance("2026-01-02T10:00:00Z"))
    page = (tmp_path / "index.html").read_text()
    for needle in ("2026-01-02T10:00:00Z", "0123456789abcdef", "dirty", "tslib 0.1.0",
                   "torch 2.13", "python 3.12.1", "Test CPU 9000", "2 cores",
                   "torch threads per notebook", "p/smoke.yaml", "12.2 s", "sp500",
                   "NCSA", "Title of 01_finance",
                   "<b>Answer.</b> The answer of <code>01_finance</code> &lt;with markup&gt;.",
                   "SEED (set)", "DATA_PATH"):  # fmt: skip
        assert needle in page, needle
    assert "<td class=num>0.01235</td>" in page and "0.0123456789" not in page
    assert '<a href="01_finance_nocode.html">report without code</a>' in page
    assert '<a href="01_finance.html">report</a>' in page
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["provenance"]["git"] == {"commit": "0123456789abcdef", "dirty": True}
    row = summary["notebooks"]["01_finance"]
    assert row["run_date"] == "2026-01-02T10:00:00Z" and row["parameters"]["SEED"] == 3
    assert row["dataset"]["name"] == "sp500" and row["dataset"]["kind"] == "packaged"


def test_scoreboard_ratio_winner_table_and_figure(tmp_path: Path):
    lost = dict(HEADLINE, **{"headline.deep_value": 0.6})
    score = dict(HEADLINE, **{"headline.metric": "ndcg", "headline.lower_is_better": False})
    results = [
        result("a", "2026-01-02T10:00:00Z", HEADLINE),
        result("b", "2026-01-02T10:00:00Z", lost),
        result("c", "2026-01-02T10:00:00Z", score),
        result("d", "2026-01-02T10:00:00Z", {"mae": 1.0}),  # no headline: no row
    ]
    rows = scoreboard_rows(results)
    assert [r["notebook"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["ratio"] == pytest.approx(0.8) and rows[0]["winner"] == "deep"
    assert rows[1]["ratio"] == pytest.approx(1.2) and rows[1]["winner"] == "baseline"
    assert rows[2]["winner"] == "baseline"  # 0.4 < 0.5 but higher is better
    assert rows[0]["ratio_name"] == "deep / baseline (lower is better)"
    assert rows[2]["ratio_name"] == "deep / baseline (higher is better)"
    write_index(results, tmp_path, "smoke", provenance=provenance("2026-01-02T10:00:00Z"))
    page = (tmp_path / "index.html").read_text()
    assert "deep / baseline (lower is better) = 0.8<" in page
    assert "<img src='scoreboard.png'" in page
    png = (tmp_path / "scoreboard.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_only_merge_keeps_other_rows_with_their_age(tmp_path: Path):
    old = "2026-01-02T10:00:00Z"
    write_index(
        [result("a", old, {"mae": 1.0}), result("b", old, {"mae": 2.0})],
        tmp_path, "smoke", provenance=provenance(old),
    )  # fmt: skip
    new = "2026-01-02T12:30:00Z"
    write_index([result("b", new, {"mae": 1.5})], tmp_path, "smoke", provenance(new), merge=True)
    summary = read_summary(tmp_path)
    assert summary["notebooks"]["a"]["run_date"] == old
    assert summary["notebooks"]["a"]["metrics"] == {"mae": 1.0}
    assert summary["notebooks"]["b"]["run_date"] == new
    assert summary["notebooks"]["b"]["metrics"] == {"mae": 1.5}
    assert set(summary["runs"]) == {old, new} and summary["provenance"]["run_date"] == new
    page = (tmp_path / "index.html").read_text()
    assert "earlier run, 2 h 30 min older" in page and "this run" in page
    write_index([result("b", new, {"mae": 1.5})], tmp_path, "smoke", provenance(new))
    assert set(read_summary(tmp_path)["notebooks"]) == {"b"}, "a full run replaces the rows"


def test_summary_of_the_old_layout_is_read_as_rows(tmp_path: Path):
    (tmp_path / "metrics.json").write_text(json.dumps({"a": {"status": "ok", "metrics": {}}}))
    summary = read_summary(tmp_path)
    assert summary["provenance"] is None and set(summary["notebooks"]) == {"a"}


def test_provenance_helpers():
    state = git_state(Path(__file__).parent)
    assert state["commit"] is None or len(state["commit"]) == 40
    assert effective_parameters({"SEED": "0", "NAME": '"x"', "F": "f(1)"}, {"SEED": 4}) == {
        "SEED": 4,
        "NAME": "x",
        "F": "f(1)",
    }
    assert dataset_entry({}, {"DATASET": None}) is None
    entry = dataset_entry({"dataset": "my_file", "licence": "CC-BY 4.0"}, {"DATA_PATH": "d.csv"})
    assert entry == {"name": "my_file", "path": "d.csv", "kind": None, "licence": "CC-BY 4.0"}
