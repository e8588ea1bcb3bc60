"""Seeding for reproducible training: python, numpy and torch, plus deterministic kernels.

Examples
--------
>>> import torch
>>> with seeded(3):
...     first = torch.rand(2)
>>> with seeded(3):
...     second = torch.rand(2)
>>> torch.equal(first, second)
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

__all__ = ["seed_everything", "seeded"]


def seed_everything(seed: int) -> torch.Generator:
    """Seed python ``random``, numpy's global generator and torch (CPU and CUDA).

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``seed``, for data shuffling.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


@contextmanager
def seeded(seed: int, deterministic: bool = True) -> Iterator[torch.Generator]:
    """Seed everything and, inside the block, ask torch for deterministic algorithms.

    ``torch.use_deterministic_algorithms(True, warn_only=True)`` is a global
    switch; the previous setting is restored on exit so the caller's process is
    left as it was. With ``warn_only=True`` an operation without a deterministic
    implementation warns instead of failing.

    Yields
    ------
    torch.Generator
        The shuffling generator returned by :func:`seed_everything`.
    """
    previous = torch.are_deterministic_algorithms_enabled()
    previous_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield seed_everything(seed)
    finally:
        torch.use_deterministic_algorithms(previous, warn_only=previous_warn_only)
