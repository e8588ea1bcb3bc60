"""Small synthetic data for the baseline contract checks, doctests and quick experiments.

Each baseline's ``test_config()`` names one of these kinds. Every kind comes with
the number of leading observations :mod:`tslib.checks` fits on; the rest arrives
through ``update``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tslib.errors import InputError

__all__ = ["TEST_DATA_KINDS", "make_test_data"]

#: kind -> (description, number of training observations).
TEST_DATA_KINDS: dict[str, tuple[str, int]] = {
    "seasonal": ("level + trend + a 12-step cycle + Gaussian noise, 120 values", 96),
    "returns": ("GARCH(1,1) returns with t(6) innovations, in percent, 400 values", 360),
    "residuals": ("N(0, 1) noise with a 1.5-sigma upward shift from index 100, 160 values", 80),
    "interactions": ("user, item (8 items), timestamp log of 6 users, 120 rows", 80),
}


def _seasonal(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(120)
    return 5.0 + 0.05 * t + 2.0 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=0.5, size=t.size)


def _returns(rng: np.random.Generator) -> np.ndarray:
    omega, alpha, beta, nu = 0.05, 0.08, 0.90, 6.0
    n, burn = 400, 200
    shocks = rng.standard_t(nu, size=n + burn) * np.sqrt((nu - 2.0) / nu)  # unit variance
    returns = np.empty(n + burn)
    variance = omega / (1.0 - alpha - beta)
    for t in range(n + burn):
        returns[t] = 0.05 + np.sqrt(variance) * shocks[t]
        variance = omega + alpha * (returns[t] - 0.05) ** 2 + beta * variance
    return returns[burn:]


def _residuals(rng: np.random.Generator) -> np.ndarray:
    values = rng.normal(size=160)
    values[100:] += 1.5
    return values


def _interactions(rng: np.random.Generator) -> pd.DataFrame:
    n_rows = 120
    users = rng.integers(0, 6, n_rows)
    items = (users + rng.integers(0, 3, n_rows) * rng.integers(1, 4, n_rows)) % 8  # user taste
    return pd.DataFrame(
        {"user": [f"u{u}" for u in users], "item": items, "timestamp": np.arange(n_rows)}
    )


_BUILDERS = {
    "seasonal": _seasonal,
    "returns": _returns,
    "residuals": _residuals,
    "interactions": _interactions,
}


def make_test_data(kind: str, seed: int = 0) -> tuple[np.ndarray | pd.DataFrame, int]:
    """Build the data of the given kind (see :data:`TEST_DATA_KINDS`).

    Parameters
    ----------
    kind : str
        ``"seasonal"``, ``"returns"``, ``"residuals"`` or ``"interactions"``.
    seed : int
        Seed of the numpy generator.

    Returns
    -------
    data : numpy.ndarray or pandas.DataFrame
        A 1-D float series in time order, or an interactions frame sorted by time.
    n_train : int
        How many leading observations (rows) to fit on.

    Examples
    --------
    >>> data, n_train = make_test_data("seasonal")
    >>> data.shape, n_train
    ((120,), 96)
    """
    if kind not in _BUILDERS:
        raise InputError(f"unknown test data kind {kind!r}; use one of {list(TEST_DATA_KINDS)}")
    return _BUILDERS[kind](np.random.default_rng(seed)), TEST_DATA_KINDS[kind][1]
