"""End to end (one LocalCluster): run_reports writes provenance and merges ``only`` runs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from tslib.reports import run_reports, write_index


def _notebook(path: Path, title: str, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("SEED = 0\nDATASET = 'traffic_sim'\nDATA_PATH = None")
    params.metadata["tags"] = ["parameters"]
    answer = nbformat.v4.new_markdown_cell("## Answer\n\nThe GRU beats seasonal naive.")
    answer.metadata["tags"] = ["answer"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), params,
                nbformat.v4.new_code_cell(body), answer]  # fmt: skip
    nb.metadata["kernelspec"] = {"name": "tslib", "display_name": "tslib", "language": "python"}
    nbformat.write(nb, str(path))


def test_only_run_merges_into_the_index_with_provenance(tmp_path: Path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "a_kept.ipynb", "A title", "x = 1")
    _notebook(
        notebooks / "b_rerun.ipynb",
        "Traffic, stepwise",
        "from tslib.reports import record, record_headline\n"
        "record(dataset=DATASET, mae_gru=0.4 + SEED)\n"
        "record_headline('mae', 'gru', 0.4 + SEED, 'seasonal_naive', 0.5)",
    )
    params = tmp_path / "params"
    params.mkdir()
    (params / "smoke.yaml").write_text("defaults:\n  SEED: 0\n")
    out = tmp_path / "out" / "smoke"
    out.mkdir(parents=True)
    earlier = "2025-12-31T23:00:00Z"
    kept = {"notebook": "a_kept", "status": "ok", "seconds": 9.0, "metrics": {"m": 1.5},
            "run_date": earlier, "title": "A title"}  # fmt: skip
    write_index([kept], out, "smoke", provenance={"run_date": earlier, "git": {"commit": "old"}})

    results = run_reports(
        "smoke", notebooks, tmp_path / "out", params, workers=1, only=["b_rerun"], progress=False
    )
    assert [r["status"] for r in results] == ["ok"], results[0]["error"]
    summary = json.loads((out / "metrics.json").read_text())
    provenance = summary["provenance"]
    assert provenance["run_date"] > earlier and provenance["wall_seconds"] > 0
    assert set(provenance["versions"]) >= {"tslib", "torch", "python"}
    assert provenance["host"]["cpu_model"] and provenance["host"]["cores"] >= 1
    assert provenance["workers"] and provenance["threads_per_notebook"] >= 1
    assert provenance["parameter_set"]["name"] == "smoke"
    assert set(provenance["git"]) == {"commit", "dirty"}
    assert set(summary["runs"]) == {earlier, provenance["run_date"]}
    kept_row, new_row = summary["notebooks"]["a_kept"], summary["notebooks"]["b_rerun"]
    assert kept_row["run_date"] == earlier and kept_row["metrics"] == {"m": 1.5}
    assert new_row["run_date"] == provenance["run_date"]
    assert new_row["title"] == "Traffic, stepwise"
    assert new_row["answer"] == "The GRU beats seasonal naive."
    assert new_row["parameters"] == {"SEED": 0, "DATASET": "traffic_sim", "DATA_PATH": None}
    assert new_row["overrides"] == ["SEED"]
    assert new_row["dataset"]["name"] == "traffic_sim" and new_row["dataset"]["kind"] == "simulated"
    page = (out / "index.html").read_text()
    assert "earlier run," in page and "A title" in page and "Traffic, stepwise" in page
    assert "deep / baseline (lower is better) = 0.8<" in page
    assert (out / "scoreboard.png").is_file()
