"""Notebook 04 (equipment faults) runs on NASA-format C-MAPSS files written by the test.

The files come from :func:`tests.helpers.cmapss_fixture.write_cmapss_fixture` (simulated
numbers in NASA's exact text layout: trailing spaces, 26 columns, test units stopped before
failure, one RUL line per unit, constant sensors). FD001-style files have one operating
condition; FD002-style files have NASA's six, which the notebook must find and normalise by.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest

from tests.helpers.cmapss_fixture import write_cmapss_fixture
from tslib.reports import read_headline, read_metrics
from tslib.reports.headline import HEADLINE_KEYS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_equipment_faults.ipynb"
MODELS = ["lstm", "gru", "ridge", "gbt", "mean"]
DETECTORS = ["lstm", "threshold", "cusum"]
N_TEST = {"FD001": 14, "FD002": 12}


def _execute(folder: Path, subset: str) -> Path:
    import papermill

    from tslib.reports import ensure_kernel

    write_cmapss_fixture(folder, subset, n_train=24, n_test=N_TEST[subset], seed=5)
    out = folder / f"04_{subset}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={
            "SEED": 1,
            "QUICK": True,
            "DATASET": "cmapss",
            "DATA_PATH": str(folder),
            "SUBSET": subset,
        },
        kernel_name=ensure_kernel(),
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return out


@pytest.fixture(scope="module")
def fd001(tmp_path_factory) -> Path:
    return _execute(tmp_path_factory.mktemp("nb04_fd001"), "FD001")


def _text(path: Path) -> str:
    notebook = nbformat.read(str(path), as_version=4)
    return "".join(
        output.get("text", "") + output.get("data", {}).get("text/plain", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def _expected_keys() -> set[str]:
    keys = {f"{k}_{m}" for k in ("rmse", "nasa", "rmse_all_cycles") for m in MODELS}
    keys |= {f"{k}_{d}" for k in ("detection_delay", "false_alarms_per_1k", "missed_units")
             for d in DETECTORS}  # fmt: skip
    return keys | {"coverage90_lstm", "dataset", "subset", "n_test"}


def _headline_is_best_deep_against_best_baseline(metrics: dict) -> None:
    """The recorded headline is the lowest RMSE of a deep model and of a baseline."""
    headline = read_headline(metrics)
    deep = min(["lstm", "gru"], key=lambda m: metrics[f"rmse_{m}"])
    base = min(["ridge", "gbt", "mean"], key=lambda m: metrics[f"rmse_{m}"])
    assert headline == {
        "metric": "rmse", "deep_model": deep, "deep_value": metrics[f"rmse_{deep}"],
        "baseline": base, "baseline_value": metrics[f"rmse_{base}"], "lower_is_better": True,
    }  # fmt: skip


def test_fd001_records_exactly_the_issue_keys(fd001):
    metrics = read_metrics(fd001)
    _headline_is_best_deep_against_best_baseline(metrics)
    metrics = {k: v for k, v in metrics.items() if k not in HEADLINE_KEYS}
    assert set(metrics) == _expected_keys(), sorted(set(metrics) ^ _expected_keys())
    assert metrics["dataset"] == "cmapss" and metrics["subset"] == "FD001"
    assert metrics["n_test"] == N_TEST["FD001"]  # one standard-protocol point per test unit
    for m in MODELS:
        assert 0.0 < metrics[f"rmse_{m}"] < 150.0 and metrics[f"nasa_{m}"] > 0.0
        assert math.isfinite(metrics[f"rmse_all_cycles_{m}"])
    assert 0.0 <= metrics["coverage90_lstm"] <= 1.0
    for d in DETECTORS:
        assert 0 <= metrics[f"missed_units_{d}"] <= N_TEST["FD001"]
        assert metrics[f"false_alarms_per_1k_{d}"] >= 0.0


def test_fd001_reads_the_files_as_published(fd001):
    text = _text(fd001)
    assert "dataset: cmapss (FD001)" in text
    assert "train: 24 units" in text and f"test: {N_TEST['FD001']} units" in text
    assert "operating conditions found: 1" in text
    assert "constant sensors dropped: ['sensor_1', 'sensor_5', 'sensor_6', 'sensor_10'," in text
    assert "LSTM (Zheng et al. 2017)" in text  # published figures shown next to FD001 results
    assert "events: true RUL <= 30" in text  # no ground-truth onset on C-MAPSS
    assert "stepwise == forward: True" in text


def test_fd002_finds_six_operating_conditions(tmp_path):
    out = _execute(tmp_path, "FD002")
    text = _text(out)
    assert "operating conditions found: 6" in text
    assert "not comparable" in text  # FD001's published figures are not shown as FD002's
    metrics = read_metrics(out)
    _headline_is_best_deep_against_best_baseline(metrics)
    assert set(metrics) - set(HEADLINE_KEYS) == _expected_keys()
    assert metrics["subset"] == "FD002" and metrics["n_test"] == N_TEST["FD002"]
