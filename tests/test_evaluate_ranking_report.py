"""Tables and summary lines of a ranking evaluation (tslib.evaluate.ranking_report)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tslib.errors import InputError
from tslib.evaluate.ranking_report import ranking_gains, sampled_vs_full, serving_table
from tslib.metrics import metrics_from_ranks, paired_bootstrap


def test_gains_equal_the_paired_bootstrap_of_per_user_metrics() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(1, 40, size=200).astype(float)
    b = rng.integers(1, 60, size=200).astype(float)
    b[:5] = np.inf  # missed targets
    gains = ranking_gains(a, b, ("deep", "base"), n_resamples=300, seed=3)
    assert gains.index.name == "metric"
    assert list(gains.index) == ["HR@10", "NDCG@10", "MRR"]
    assert list(gains.columns) == ["deep", "base", "gain", "ci_low", "ci_high", "CI excludes 0"]
    per_a, per_b = metrics_from_ranks(a, (10,)), metrics_from_ranks(b, (10,))
    for metric in gains.index:
        expected = paired_bootstrap(per_a[metric], per_b[metric], n_resamples=300, seed=3)
        row = gains.loc[metric]
        assert row["deep"] == expected["mean_a"] and row["base"] == expected["mean_b"]
        assert row["gain"] == expected["estimate"]
        assert (row["ci_low"], row["ci_high"]) == (expected["ci_low"], expected["ci_high"])
        assert row["CI excludes 0"] == expected["excludes_zero"]


def test_gains_reject_unknown_metrics_and_equal_names() -> None:
    ranks = np.arange(1.0, 11.0)
    with pytest.raises(InputError, match="unknown metric"):
        ranking_gains(ranks, ranks, ("a", "b"), metrics=("recall",))
    with pytest.raises(InputError, match="unknown metric"):
        ranking_gains(ranks, ranks, ("a", "b"), metrics=("HR@0",))
    with pytest.raises(InputError, match="two different names"):
        ranking_gains(ranks, ranks, ("a", "a"))


def _scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "NDCG@10": [0.30, 0.20, 0.10],
            "HR@10": [0.40, 0.30, 0.10],
            "HR@10 (sampled)": [0.60, 0.90, 0.30],
        },
        index=["markov", "pop", "gru"],
    )


def test_sampled_vs_full_orders_and_ratios() -> None:
    lines = sampled_vs_full(_scores(), ["markov", "pop", "gru"]).splitlines()
    assert lines[0] == "order by full NDCG@10:      markov > pop > gru"
    assert lines[1] == "order by sampled HR@10:     pop > markov > gru"
    assert lines[2] == (
        "Kendall tau between the two orders: 0.33; "
        "sampled / full HR@10 ratio: markov 1.5x, pop 3.0x, gru 3.0x"
    )


def test_sampled_vs_full_names_what_is_missing() -> None:
    with pytest.raises(InputError, match="oracle"):
        sampled_vs_full(_scores(), ["markov", "oracle"])
    with pytest.raises(InputError, match="MRR"):
        sampled_vs_full(_scores(), ["markov", "pop"], full="MRR")
    with pytest.raises(InputError, match="at least two"):
        sampled_vs_full(_scores(), ["markov"])


def _summary(p50: float, state: int) -> dict:
    return {
        "events": 20,
        "users": 10,
        "p50_us": p50,
        "p99_us": 2 * p50,
        "max_us": 3 * p50,
        "within_budget": 0.95,
        "state_bytes_per_user": state,
        "hr": 0.4,
        "k": 10,
    }


def test_serving_table_columns_and_state_size() -> None:
    summaries = {"gru": _summary(100.0, 256), "sasrec": _summary(900.0, 2**20)}
    table = serving_table(summaries, {"gru": 1.0, "sasrec": 0.99}, budget_ms=5.0, k=10)
    assert list(table.columns) == [
        "p50 us",
        "p99 us",
        "max us",
        "within 5 ms",
        "state bytes / user",
        "state MB, 10 users",
        "live HR@10",
        "rank agreement",
    ]
    assert list(table.index) == ["gru", "sasrec"]
    assert table.loc["sasrec", "state MB, 10 users"] == pytest.approx(10.0)
    assert table.loc["gru", "p99 us"] == 200.0
    assert table.loc["sasrec", "rank agreement"] == 0.99
    assert all(dtype == np.float64 for dtype in table.dtypes)


def test_serving_table_names_a_missing_key_or_agreement() -> None:
    summary = _summary(100.0, 256)
    del summary["p99_us"]
    with pytest.raises(InputError, match="p99_us"):
        serving_table({"gru": summary}, {"gru": 1.0}, 5.0, 10)
    with pytest.raises(InputError, match="agreement"):
        serving_table({"gru": _summary(1.0, 1)}, {}, 5.0, 10)
    with pytest.raises(InputError, match="no replay summaries"):
        serving_table({}, {}, 5.0, 10)
