"""Small synthetic frames for the contract checks, doctests and quick experiments.

Each transform's ``test_config()`` names one of these kinds; :mod:`tslib.checks` builds
the frame from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError

__all__ = ["TEST_FRAME_KINDS", "make_test_frame"]

#: kind -> description; the frames have an hourly DatetimeIndex and float columns "a", "b".
TEST_FRAME_KINDS = {
    "gappy": "signed values with NaN runs (leading ones in 'b') and large outliers",
    "positive": "strictly positive price-like values with NaNs and outliers",
}


def make_test_frame(kind: str, n_rows: int = 60, seed: int = 0) -> pd.DataFrame:
    """Build a small frame of the given kind (see :data:`TEST_FRAME_KINDS`).

    Parameters
    ----------
    kind : str
        ``"gappy"`` or ``"positive"``.
    n_rows : int
        Rows, hourly from 2024-01-01 00:00 (at least 50, where the gaps lie).
    seed : int
        Seed of the numpy generator.
    """
    if kind not in TEST_FRAME_KINDS:
        raise InputError(f"unknown test frame kind {kind!r}; use one of {list(TEST_FRAME_KINDS)}")
    if n_rows < 50:
        raise InputError(f"make_test_frame needs n_rows >= 50, got {n_rows}")
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=n_rows, freq="h", name="time")
    hours = np.arange(n_rows)
    a = np.cumsum(rng.normal(0.0, 1.0, n_rows)) + 3.0 * np.sin(2 * np.pi * hours / 24)  # (T,)
    b = 5.0 + 2.0 * rng.normal(0.0, 1.0, n_rows)  # (T,)
    if kind == "positive":
        a = 100.0 * np.exp(0.02 * a)
        b = np.exp(0.2 * b)
        a[[15, 40]] *= [3.0, 0.3]
        b[[8, 47]] *= [4.0, 5.0]
    else:
        a[[15, 40]] += [25.0, -30.0]
        b[[8, 47]] += [40.0, 60.0]
    a[[3, 10, 11, 12, 30, 45]] = np.nan
    b[[0, 1, 20, 21, 22, 23, 49]] = np.nan
    return pd.DataFrame({"a": a, "b": b}, index=index)
