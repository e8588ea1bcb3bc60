"""The "risk" protocol's replay: live VaR equals the backtest, ACI only learns revealed hits."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from tslib.baselines import GarchVaR
from tslib.calibration import AdaptiveConformal
from tslib.encoders import RecurrentEncoder
from tslib.encoders.risk_head import StudentTQuantileHead
from tslib.errors import InputError
from tslib.evaluate import RiskStream, backtest, replay
from tslib.preprocess import VolatilityFeatures
from tslib.runner import StepwiseRunner

FEATURES = ["z", "abs_z", "log_vol", "log_vol_ratio"]


def make_stream(seed: int, n: int = 400, start: int = 300) -> RiskStream:
    rng = np.random.default_rng(seed)
    values = np.r_[np.ones(n - 100), np.full(100, 3.0)] * rng.standard_normal(n)
    frame = pd.DataFrame({"return": values}, index=pd.bdate_range("2010-01-01", periods=n))
    transform = VolatilityFeatures("return").fit(frame.iloc[:200])
    return RiskStream(frame, start, transform, FEATURES, scale_column="sigma", clip=10.0)


@pytest.fixture(scope="module")
def streams() -> dict[str, RiskStream]:
    return {"a": make_stream(0), "b": make_stream(1, n=380)}


@pytest.fixture(scope="module")
def model() -> RecurrentEncoder:
    head = StudentTQuantileHead(quantiles=(0.01, 0.05))
    return RecurrentEncoder(len(FEATURES), 6, 1, head=head, seed=0)


def test_live_var_and_aci_equal_the_backtest(streams, model):
    aci = AdaptiveConformal(0.01, 0.5, "log")
    frame, summary = replay(model, streams, calibrate=aci, device="cpu")
    batch = backtest({"m": model}, streams, calibrate=aci)
    both = batch.merge(frame, on=["stream", "date"], suffixes=("_batch", ""))
    assert len(both) == len(frame) == 100 + 80
    np.testing.assert_allclose(both["var"], both["var99"], rtol=1e-5)
    np.testing.assert_allclose(both["aci_level"], both["aci_log_level99"], rtol=1e-9)
    assert (both["aci_hit"] == (both["return"] < -both["aci_log_var99"])).all()
    assert summary["ticks"] == 100 and summary["streams"] == 2
    assert summary["state_bytes_per_stream"] == 2 * 6 * 4  # LSTM h and c, float32


def test_calibration_learns_only_revealed_hits(streams, model):
    delay = 3
    frame, _ = replay(
        model, {"a": streams["a"]}, calibrate=AdaptiveConformal(0.05, 0.05), label_delay=delay
    )
    hits, aci, levels = frame["aci_hit"].tolist(), AdaptiveConformal(0.05, 0.05), []
    for t in range(len(frame)):
        levels.append(aci.quote_level)
        if t - delay >= 0:
            aci.update(hits[t - delay])
    np.testing.assert_allclose(frame["aci_level"], levels)
    assert frame["aci_level"].iloc[: delay + 1].tolist() == [0.05] * (delay + 1)
    assert (frame["revealed_at"] == frame["t"] + delay).all()


def test_latency_budget_and_parts(streams, model):
    ticks = itertools.count(step=400_000)  # every clock read 0.4 ms later
    frame, summary = replay(
        model, streams, latency_budget_ms=1.0, days=10, clock=lambda: next(ticks)
    )
    assert summary["ticks"] == 10 and len(frame) == 20
    assert summary["parts"]["features"]["p50_us"] == pytest.approx(400.0)
    assert frame["latency_us"].iloc[0] == pytest.approx(1200.0)  # three parts
    assert summary["deadline_misses"] == 10 and frame["deadline_miss"].all()


def test_a_runner_keeps_its_streams(streams, model):
    runner = StepwiseRunner(model, device="cpu")
    replay(runner, {"a": streams["a"]}, days=5)
    steps = runner.step_count("a")
    assert steps == 300 + 5
    replay(runner, {"a": streams["a"]}, days=5)  # continues, no second warm start
    assert runner.step_count("a") == steps + 5


def test_garch_replay_equals_its_stepwise_path(streams):
    frame, summary = replay(GarchVaR(alpha=0.01), streams, fit_window=250)
    for sid, stream in streams.items():
        history = stream.returns.to_numpy()[stream.start - 250 : stream.start]
        path = GarchVaR(alpha=0.01).fit(history).run(stream.returns.to_numpy()[stream.start :])
        np.testing.assert_allclose(frame.loc[frame["stream"] == sid, "var"], path["var"])
    assert summary["parts"]["features"]["max_us"] == 0.0 and np.isnan(summary["aci_rate"])


def test_bad_input_raises(streams, model):
    with pytest.raises(InputError, match="deep risk model"):
        replay(GarchVaR(), streams, calibrate=AdaptiveConformal())
    with pytest.raises(InputError, match="label_delay"):
        replay(model, streams, label_delay=-1)
    with pytest.raises(InputError, match="no evaluation protocol"):
        replay(object(), streams)
