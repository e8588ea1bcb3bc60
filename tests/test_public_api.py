"""The public API: ``import tslib as ts`` gives the names a notebook author needs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import tslib as ts

PUBLIC = [
    "load", "make_forecaster", "RecurrentEncoder", "CausalTransformerEncoder",
    "NextItemEncoder", "SASRecEncoder", "fit", "backtest", "replay", "score",
    "StepwiseRunner",
]  # fmt: skip


@pytest.mark.parametrize("name", PUBLIC)
def test_public_names_resolve(name: str) -> None:
    assert name in ts.__all__
    assert getattr(ts, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ts.nope  # noqa: B018


def test_import_is_lazy() -> None:
    code = "import sys, tslib; print('torch' in sys.modules, 'tslib.evaluate' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_backtest_and_replay_through_the_public_names() -> None:
    y = pd.Series(np.sin(np.arange(60) / 3.0), index=pd.date_range("2020", periods=60, freq="D"))
    model = ts.make_forecaster("gru", 1, 1, hidden=4, head=None, seed=0).eval()
    predictions = ts.backtest({"gru": model}, y, start=40)
    assert len(predictions) == 20 and predictions.attrs["protocols"] == {"gru": "forecast"}
    table = ts.backtest({"gru": model}, y, start=40, scorers=["mae", "rmse"])
    assert list(table.columns) == ["model", "horizon", "n", "mae", "rmse"]
    assert table["mae"].iloc[0] == pytest.approx(
        np.mean(np.abs(predictions["y_pred"] - predictions["y_true"]))
    )
    frame, summary = ts.replay(model, {"a": y.to_numpy()[:, None]}, label_delay=2)
    assert summary["streams"] == 1 and len(frame) == 60
    runner = ts.StepwiseRunner(model)
    frame2, _ = ts.replay(runner, {"a": y.to_numpy()[:, None]})
    np.testing.assert_allclose(frame2["y_pred"], frame["y_pred"], atol=1e-6)
