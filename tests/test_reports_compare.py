"""``tslib report --compare``: metric changes between two report folders."""

from __future__ import annotations

from pathlib import Path

from tslib.cli import main
from tslib.reports import write_index
from tslib.reports.compare import compare_reports, format_comparison


def _run(folder: Path, commit: str, run_date: str, rows: dict, params: dict | None = None):
    results = [
        {"notebook": stem, "status": "ok", "seconds": 1.0, "metrics": metrics, "error": None,
         "run_date": run_date, "commit": commit, "parameters": params or {"SEED": 0}}
        for stem, metrics in rows.items()
    ]  # fmt: skip
    provenance = {"run_date": run_date, "git": {"commit": commit, "dirty": False}}
    provenance["parameter_set"] = {"name": folder.name}
    write_index(results, folder, folder.name, provenance=provenance)


def _two_runs(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old" / "default", tmp_path / "new" / "default"
    old.mkdir(parents=True)
    new.mkdir(parents=True)
    _run(
        old,
        "a" * 40,
        "2026-01-01T00:00:00Z",
        {"01_x": {"mae": 0.5, "gone": 1, "model": "lstm", "same": 2.0}, "02_only_old": {"m": 1}},
    )
    _run(new, "b" * 40, "2026-01-02T00:00:00Z",
         {"01_x": {"mae": 0.4, "model": "gru", "same": 2.0, "added": 3.0}, "03_only_new": {}},
         params={"SEED": 1})  # fmt: skip
    return old, new


def test_compare_tables_changes_and_flags_missing(tmp_path: Path):
    old, new = _two_runs(tmp_path)
    comparison = compare_reports(old, new)
    assert comparison["old"]["commit"] == "a" * 40 and comparison["new"]["commit"] == "b" * 40
    assert comparison["missing_notebooks"] == {"old": ["03_only_new"], "new": ["02_only_old"]}
    rows = {r["metric"]: r for r in comparison["rows"]}
    assert abs(rows["mae"]["change"] + 0.1) < 1e-12
    assert abs(rows["mae"]["relative"] + 0.2) < 1e-12 and rows["mae"]["flag"] == "changed"
    assert rows["gone"]["flag"] == "missing in new" and rows["added"]["flag"] == "missing in old"
    assert rows["model"]["flag"] == "changed" and rows["model"]["change"] is None
    assert rows["same"]["flag"] == "" and rows["same"]["change"] == 0.0
    assert comparison["parameters"] == [
        {"notebook": "01_x", "parameter": "SEED", "old": 0, "new": 1}
    ]
    text = format_comparison(comparison, changed_only=True)
    assert "commit aaaaaaaaaaaa" in text and "commit bbbbbbbbbbbb" in text
    assert "notebooks missing in new: 02_only_old" in text
    assert "01_x: parameter SEED 0 -> 1" in text
    assert "-20.00%" in text and "same" not in text.split("flag")[-1]


def test_cli_compare_runs_nothing_and_prints_the_table(tmp_path: Path, capsys):
    old, _ = _two_runs(tmp_path)
    argv = ["report", "--compare", str(old), "--output", str(tmp_path / "new"),
            "--notebooks", str(tmp_path / "no_notebooks_needed")]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "old: " in out and "new: " in out and "mae" in out and "0.4" in out
    assert main(["report", "--compare", str(tmp_path / "nowhere"), "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tslib report: error: no report summary") and len(err.splitlines()) == 1
