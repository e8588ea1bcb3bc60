"""record_headline round trip, its reserved keys, and the title / answer conventions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tslib.errors import InputError
from tslib.reports import read_headline, read_metrics, record, record_headline
from tslib.reports.headline import HEADLINE_KEYS, headline_ratio
from tslib.reports.notebook_info import notebook_info


def test_record_headline_round_trips_through_an_executed_notebook(tmp_path: Path):
    import papermill

    from tslib.reports import ensure_kernel

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from tslib.reports import record, record_headline\n"
            "record(mae_gru=0.41, dataset='x')\n"
            "record_headline('mae', 'gru', 0.41, 'seasonal_naive', 0.5)"
        )
    ]
    nb.metadata["kernelspec"] = {"name": "tslib", "display_name": "tslib", "language": "python"}
    source, executed = tmp_path / "h.ipynb", tmp_path / "h_out.ipynb"
    nbformat.write(nb, str(source))
    papermill.execute_notebook(
        str(source), str(executed), kernel_name=ensure_kernel(), progress_bar=False
    )
    metrics = read_metrics(executed)
    assert metrics["mae_gru"] == 0.41 and metrics["dataset"] == "x"
    headline = read_headline(metrics)
    assert headline == {
        "metric": "mae",
        "deep_model": "gru",
        "deep_value": 0.41,
        "baseline": "seasonal_naive",
        "baseline_value": 0.5,
        "lower_is_better": True,
    }
    assert headline_ratio(headline) == pytest.approx(0.82)


def test_record_headline_checks_its_arguments_and_keys_are_reserved():
    assert set(record_headline("ndcg", "sasrec", 0.3, "pop", 0.1, False)) == set(HEADLINE_KEYS)
    with pytest.raises(InputError, match="deep_value"):
        record_headline("mae", "gru", float("nan"), "naive", 1.0)
    with pytest.raises(InputError, match="baseline must be a non-empty"):
        record_headline("mae", "gru", 1.0, " ", 1.0)
    with pytest.raises(InputError, match="lower_is_better"):
        record_headline("mae", "gru", 1.0, "naive", 1.0, lower_is_better="yes")
    with pytest.raises(InputError, match="reserved"):
        record(**{"headline.metric": "mae"})
    assert read_headline({"headline.metric": "mae"}) is None
    assert headline_ratio({"deep_value": 1.0, "baseline_value": 0.0}) is None


def _write(path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nbformat.write(nb, str(path))
    return path


def test_title_and_tagged_answer_cell(tmp_path: Path):
    answer = nbformat.v4.new_markdown_cell("## Answer\n\nThe GRU wins:\nMAE 0.41 against 0.50.")
    answer.metadata["tags"] = ["answer"]
    path = _write(
        tmp_path / "n.ipynb",
        [
            nbformat.v4.new_markdown_cell("# Traffic, stepwise\n\n**Question.** Does it?"),
            nbformat.v4.new_code_cell("x = 1"),
            answer,
        ],
    )
    assert notebook_info(path) == {
        "title": "Traffic, stepwise",
        "answer": "The GRU wins: MAE 0.41 against 0.50.",
    }


def test_answer_falls_back_to_first_paragraph_after_the_title(tmp_path: Path):
    path = _write(
        tmp_path / "n.ipynb",
        [
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_markdown_cell("# Title only"),
            nbformat.v4.new_markdown_cell("First paragraph\ncontinues.\n\nSecond."),
        ],
    )
    assert notebook_info(path) == {"title": "Title only", "answer": "First paragraph continues."}
    bare = _write(tmp_path / "bare.ipynb", [nbformat.v4.new_code_cell("x = 1")])
    assert notebook_info(bare) == {"title": "bare", "answer": ""}
    (tmp_path / "bad.ipynb").write_text("not json")
    with pytest.raises(InputError, match="bad.ipynb"):
        notebook_info(tmp_path / "bad.ipynb")


def test_title_drops_inline_code_and_bold_marks(tmp_path: Path):
    path = _write(tmp_path / "n.ipynb", [nbformat.v4.new_markdown_cell("# The `tslib` **way**")])
    assert notebook_info(path)["title"] == "The tslib way"
