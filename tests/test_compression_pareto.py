"""tslib.compression.pareto_table and step_latency: one table, every method measured alike."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tslib.compression import (
    bf16_native_support,
    model_size_bytes,
    one_step_mse,
    pareto_table,
    precision_support,
    prune_units,
    quantize_dynamic_int8,
    step_latency,
)
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import InputError
from tslib.training import make_windows, split_windows_by_time


@pytest.fixture(scope="module")
def table_and_inputs():
    rng = np.random.default_rng(0)
    t = np.arange(400)
    values = np.stack([np.sin(t / 4.0), np.cos(t / 9.0)], 1) + 0.1 * rng.standard_normal((400, 2))
    values = values.astype(np.float32)  # (N, 2)
    x, y = make_windows(values[:300], 24, stride=12)
    train, val = split_windows_by_time(x, y, val_fraction=0.2, gap=1)
    model = RecurrentEncoder(2, 8, 1, seed=0).eval()
    table = pareto_table(
        model,
        train,
        values[300:],
        val=val,
        keep=(0.5,),
        fit_options={"epochs": 2},
        streams=(1, 16),
        rounds=1,
    )
    return table, model, values[300:]


def test_the_table_has_every_method_and_column(table_and_inputs):
    table, model, test = table_and_inputs
    assert list(table.columns) == [
        "hidden_size", "parameters", "size_bytes", "step_us_1", "speedup_1", "step_us_16",
        "speedup_16", "test_mse", "mse_change_pct", "note",
    ]  # fmt: skip
    assert list(table.index) == [
        "fp32 full",
        "units 50%, no fine-tuning",
        "units 50% + distilled",
        "magnitude 50% zeros",
        "int8 dynamic",
        "bf16",
    ] + (["bf16 native step"] if bf16_native_support()[0] else [])
    full = table.loc["fp32 full"]
    assert full["speedup_1"] == 1.0 and full["speedup_16"] == 1.0 and full["mse_change_pct"] == 0
    assert full["test_mse"] == pytest.approx(one_step_mse(model, test))
    assert full["size_bytes"] == model_size_bytes(model)
    assert full["parameters"] == sum(p.numel() for p in model.parameters())
    pruned = table.loc["units 50% + distilled"]
    assert pruned["hidden_size"] == 4 and pruned["size_bytes"] < full["size_bytes"]
    assert table.loc["int8 dynamic", "size_bytes"] > 0  # at H = 8 the int8 headers outweigh
    timed = table.drop(index="bf16") if not precision_support().bf16 else table
    assert (timed[["step_us_1", "step_us_16"]] > 0).all().all()
    if bf16_native_support()[0]:  # fp32 weights on disk; the bf16 GEMM changes the error a little
        native = table.loc["bf16 native step"]
        assert native["size_bytes"] == full["size_bytes"]
        assert 0 < abs(native["test_mse"] - full["test_mse"]) <= 0.01 * full["test_mse"]


def test_bf16_row_is_measured_or_says_why_not(table_and_inputs):
    table = table_and_inputs[0]
    support = precision_support()
    if support.bf16:
        assert (
            table.loc["bf16", "step_us_16"] > 0 and support.bf16_reason in table.loc["bf16", "note"]
        )
    else:
        assert math.isnan(table.loc["bf16", "step_us_16"])
        assert table.loc["bf16", "note"] == support.bf16_reason


def test_pareto_table_rejects_wrong_models(table_and_inputs):
    _, model, test = table_and_inputs
    train = (torch.zeros(2, 5, 2), torch.zeros(2, 5, 1))
    with pytest.raises(InputError, match="got QuantizedRecurrentEncoder"):
        pareto_table(quantize_dynamic_int8(model), train, test)
    with pytest.raises(InputError, match="must be float32"):
        pareto_table(RecurrentEncoder(2, 4, 1).double(), train, test)
    with pytest.raises(InputError, match=r"keep must be a fraction in \(0, 1\]"):
        pareto_table(model, train, test, keep=(1.5,))
    with pytest.raises(InputError, match="variants must start with the full model"):
        pareto_table(model, train, test, variants={"other": (model, "")})


def test_precomputed_variants_are_measured_as_given(table_and_inputs):
    _, model, test = table_and_inputs
    small = prune_units(model, 0.5)
    variants = {"fp32 full": (model, "full"), "half": (small, "pruned")}
    table = pareto_table(model, None, test, variants=variants, bf16=False, streams=(2,), rounds=1)
    assert list(table.index) == ["fp32 full", "half"]
    assert table.loc["half", "hidden_size"] == 4 and table.loc["half", "note"] == "pruned"
    assert table.loc["half", "test_mse"] == pytest.approx(one_step_mse(small, test))


def test_step_latency_times_every_model_at_every_stream_count():
    models = {"a": RecurrentEncoder(2, 4, 1, seed=0), "b": RecurrentEncoder(2, 2, 1, seed=1)}
    frame, timings = step_latency(models, streams=(1, 3), rounds=2, target_s=0.001)
    assert list(frame.index) == ["a", "b"] and list(frame.columns) == ["step_us_1", "step_us_3"]
    assert set(timings) == {("a", 1), ("a", 3), ("b", 1), ("b", 3)}
    assert all(t.rounds == 2 for t in timings.values())
    with pytest.raises(InputError, match="stream counts must be >= 1"):
        step_latency(models, streams=(0,))
    with pytest.raises(InputError, match="no models"):
        step_latency({})


def test_step_latency_restores_the_thread_count_and_checks_it():
    models = {"a": RecurrentEncoder(2, 4, 1, seed=0)}
    before = torch.get_num_threads()
    frame, _ = step_latency(models, streams=(1,), rounds=1, target_s=0.001, threads=1)
    assert torch.get_num_threads() == before and frame.shape == (1, 1)
    with pytest.raises(InputError, match="threads must be >= 1, got 0"):
        step_latency(models, threads=0)
