"""tslib: stepwise temporal reasoning.

Models read a time series one step at a time and carry their state forward,
the way a language model decodes with a cache. The subpackages follow the data
flow of the architecture sketch (``datasets -> preprocess -> encoders -> runner
-> evaluate -> notebooks / reports``) and are imported lazily, so ``import
tslib`` stays cheap::

    import tslib
    runner = tslib.runner.StepwiseRunner(model)
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "baselines",
    "compression",
    "datasets",
    "encoders",
    "errors",
    "evaluate",
    "metrics",
    "plots",
    "preprocess",
    "reports",
    "runner",
    "timing",
    "training",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"tslib.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tslib' has no attribute {name!r}")
