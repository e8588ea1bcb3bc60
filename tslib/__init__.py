"""tslib: stepwise temporal reasoning.

Models read a time series one step at a time and carry their state forward, the way
a language model decodes with a cache. The public API is small; a notebook needs
little else::

    import tslib as ts

    data = ts.load("seattle_weather")                  # a LoadedDataset (frame + card)
    model = ts.make_forecaster("gru", input_size=1)    # or ts.RecurrentEncoder(...), ...
    ts.fit(model, train_windows, val_windows)          # early stopping on validation
    scores = ts.backtest({"gru": model}, y, start=n_train, scorers=["mae", "rmse"])
    frame, summary = ts.replay(model, streams, label_delay=1, latency_budget_ms=1.0)
    runner = ts.StepwiseRunner(model)                  # many streams, O(1) per step

``ts.checks`` holds the contract suites a new model must pass (``check_encoder``,
``check_transform``, ``check_baseline``). The subpackages (``ts.datasets``,
``ts.preprocess``, ``ts.baselines``, ``ts.metrics``, ``ts.plots``, ...) stay
importable for everything else, and are loaded lazily so ``import tslib`` is cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first use).
_API = {
    "load": "tslib.datasets",
    "make_forecaster": "tslib.encoders",
    "RecurrentEncoder": "tslib.encoders",
    "CausalTransformerEncoder": "tslib.encoders",
    "NextItemEncoder": "tslib.encoders",
    "SASRecEncoder": "tslib.encoders",
    "fit": "tslib.training",
    "backtest": "tslib.evaluate",
    "replay": "tslib.evaluate",
    "score": "tslib.evaluate",
    "StepwiseRunner": "tslib.runner",
}

_SUBMODULES = (
    "baselines",
    "calibration",
    "checks",
    "compression",
    "datasets",
    "encoders",
    "errors",
    "evaluate",
    "metrics",
    "parameters",
    "plots",
    "preprocess",
    "reports",
    "runner",
    "timing",
    "training",
)

__all__ = ["__version__", *_API, *_SUBMODULES]


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"tslib.{name}")
    else:
        raise AttributeError(f"module 'tslib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
