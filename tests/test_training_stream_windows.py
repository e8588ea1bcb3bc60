"""Training windows pooled over gappy streams in one span, targets masked past the span."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.errors import DataError
from tslib.preprocess.gaps import plan_gaps
from tslib.training.stream_windows import span_windows


def _streams():
    size = 60
    observed = np.ones(size, dtype=bool)
    observed[20:30] = False  # a long gap (2 rows imputed): segments (0, 22) and (30, 60)
    x = np.arange(size, dtype=np.float32)[:, None].repeat(2, axis=1)
    y = np.where(observed, np.arange(size) / 10, np.nan)
    plans = {"a": plan_gaps(observed, 2), "b": plan_gaps(np.ones(size, dtype=bool), 2)}
    return {"a": x, "b": x + 100}, {"a": y, "b": np.arange(size) / 10}, plans


def test_windows_stay_in_segments_and_span_and_never_learn_after_hi():
    inputs, y, plans = _streams()
    x, target = span_windows(inputs, y, plans, [1, 2], lo=0, hi=40, length=8, min_stride=4)
    starts = x[:, 0, 0].tolist()
    # a: segment (0, 22) -> 0, 4, 8, 12 and the tail 14; (30, 60) clipped to (30, 40) -> 30, 32
    # b: (0, 40) -> 0, 4, ..., 32 (ends at 40: no tail)
    assert starts == [0, 4, 8, 12, 14, 30, 32, *[100 + s for s in range(0, 33, 4)]]
    last_b = target[-1]  # rows 32..39 of b; horizon 2 of row 38 and 39 targets rows >= 40
    weights = last_b[:, 2:]  # (8, 2)
    assert weights[-1].tolist() == [0.0, 0.0] and weights[-2].tolist() == [1.0, 0.0]
    assert weights[:-2].eq(1.0).all()


def test_max_windows_stretches_the_stride():
    inputs, y, plans = _streams()
    x, _ = span_windows(inputs, y, plans, [1], lo=0, hi=60, length=8, min_stride=1, max_windows=10)
    stepped = int(plans["a"].step.sum() + plans["b"].step.sum())  # 52 + 60 = 112
    stride = int(np.ceil(stepped / 10))
    assert stride == 12
    b_starts = [s - 100 for s in x[:, 0, 0].tolist() if s >= 100]
    assert b_starts == [0, 12, 24, 36, 48, 52]  # plus the tail window ending at 60


def test_a_span_without_room_for_a_window_is_an_error():
    inputs, y, plans = _streams()
    with pytest.raises(DataError, match="no stream"):
        span_windows(inputs, y, plans, [1], lo=20, hi=30, length=12)
