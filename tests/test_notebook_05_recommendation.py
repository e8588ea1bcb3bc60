"""Notebook 05 (recommendation) runs on MovieLens-format fixtures and records the issue's keys.

The fixtures are written by ``tests/helpers/movielens_fixture.py``: simulated sessions in
the ml-100k ``u.data`` layout (tab-separated, unsorted) and the ml-1m ``ratings.dat``
layout (``::``, grouped by user, sparse item ids), with many same-second ties (often a
user's last two events) listed by item id, and a few users below ``MIN_USER_EVENTS``.
The ml-1m run also takes the sampled-softmax path and keeps the file's tie order.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tslib.reports import read_metrics

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from helpers.movielens_fixture import write_ml1m, write_ml100k  # noqa: E402

MODELS = ["gru4rec", "sasrec", "pop", "markov", "itemknn"]
KEYS = ["hr10", "ndcg10", "mrr", "hr10_sampled"]
VARIANTS = {
    "100k": (write_ml100k, "u.data", {}),
    "1m": (write_ml1m, "ratings.dat", {"TIES": "file", "FULL_SOFTMAX_MAX_ITEMS": 100}),
}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def executed(request, tmp_path_factory) -> tuple[Path, Path]:
    import papermill

    from tslib.reports import ensure_kernel

    writer, name, extra = VARIANTS[request.param]
    folder = tmp_path_factory.mktemp(f"nb05_{request.param}")
    data = writer(folder / name, seed=2)
    out = folder / "05.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "05_recommendation.ipynb"),
        str(out),
        parameters={
            "SEED": 1,
            "QUICK": True,
            "DATASET": "movielens",
            "DATA_PATH": str(data),
            **extra,
        },
        kernel_name=ensure_kernel(),
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    return out, data


def printed(path: Path) -> str:
    notebook = nbformat.read(str(path), as_version=4)
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_records_every_key_of_the_issue(executed):
    path, data = executed
    metrics = read_metrics(path)
    expected = {f"{key}_{m}" for key in KEYS for m in MODELS}
    expected |= {"serve_p50_us", "serve_p99_us", "serve_within_budget", "dataset", "n_test"}
    assert expected <= set(metrics), sorted(expected - set(metrics))
    assert metrics["dataset"] == "movielens"
    sep = "::" if data.name == "ratings.dat" else "\t"
    raw = pd.read_csv(data, sep=sep, header=None, engine="python")
    assert metrics["n_test"] == int((raw.groupby(0).size() >= 5).sum())  # MIN_USER_EVENTS


def test_recorded_values_are_consistent(executed):
    metrics = read_metrics(executed[0])
    for m in MODELS:
        hr, ndcg, rr = metrics[f"hr10_{m}"], metrics[f"ndcg10_{m}"], metrics[f"mrr_{m}"]
        assert 0.0 <= ndcg <= hr <= 1.0 and 0.0 < rr <= 1.0
        assert metrics[f"hr10_sampled_{m}"] >= hr  # 100 negatives can only lift the rank
    assert 0 < metrics["serve_p50_us"] <= metrics["serve_p99_us"]
    assert 0.0 <= metrics["serve_within_budget"] <= 1.0
    assert metrics["hr10_markov"] > metrics["hr10_pop"] * 0.5  # the baselines ran on real signal


def test_quirks_are_reported_and_checks_pass(executed):
    text = printed(executed[0])
    assert "share their second with another event of the same user" in text
    assert "dropped" in text and "with fewer than 5 events" in text
    assert text.count("stepwise == forward: True") == 2
    assert (
        text.count("replay ranks == offline ranks at the test ticks (>= 99% of users): True") == 2
    )
    assert "Error" not in text
