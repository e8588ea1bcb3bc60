"""Notebook 01 (finance risk) runs on a long synthetic Yahoo-format file and records its keys.

The fixture is written by :func:`tslib.datasets.price_sim.write_yahoo_csv`: about 24,000
trading days from 1928 with flat early OHLC rows, zero early volume, an adjusted close
that differs from the close, stress windows and ``null`` rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tslib.datasets.price_sim import write_yahoo_csv
from tslib.reports import read_metrics

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["lstm", "gru", "garch", "ewma", "hs"]
PER_MODEL = [
    "var99_rate",
    "var99_kupiec_p",
    "var99_christoffersen_p",
    "var95_rate",
    "var95_kupiec_p",
    "es99_test_p",
    "qlike",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    import papermill

    from tslib.reports import ensure_kernel

    folder = tmp_path_factory.mktemp("nb01")
    prices = write_yahoo_csv(folder / "index.csv", seed=3, null_rows=4)
    out = folder / "01.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "01_finance_risk.ipynb"),
        str(out),
        parameters={"SEED": 1, "QUICK": True, "DATASET": "csv", "DATA_PATH": str(prices)},
        kernel_name=ensure_kernel(),
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return out


def test_records_every_key_of_the_issue(executed):
    metrics = read_metrics(executed)
    expected = {f"{key}_{m}" for key in PER_MODEL for m in MODELS}
    expected |= {
        f"{key}_{m}_aci" for key in ("var99_rate", "var99_kupiec_p") for m in ("lstm", "gru")
    }
    expected |= {"dataset", "n_test"}
    assert expected <= set(metrics), sorted(expected - set(metrics))
    assert metrics["dataset"] == "csv"
    assert metrics["n_test"] > 4000  # 2007 onwards: the TEST_START default applies


def test_recorded_values_are_sane(executed):
    metrics = read_metrics(executed)
    for m in MODELS:
        assert 0.0 < metrics[f"var99_rate_{m}"] < 0.1
        assert 0.0 < metrics[f"var95_rate_{m}"] < 0.2
        assert 0.0 <= metrics[f"var99_kupiec_p_{m}"] <= 1.0
    for m in ("lstm", "gru"):  # the log-scale ACI guarantee on ~4,500 days is |rate - 1%| < 0.003
        assert abs(metrics[f"var99_rate_{m}_aci"] - 0.01) < 0.003


def test_the_quirks_are_reported_and_checks_pass(executed):
    import nbformat

    notebook = nbformat.read(str(executed), as_version=4)
    text = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "dropped 4 row(s) with a missing target" in text
    assert "range feature skipped" in text
    assert "stepwise == forward: True" in text
    assert "live replay == batch forecasts (VaR, ACI hits, GARCH): True" in text
