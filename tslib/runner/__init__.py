"""Stepwise multi-stream runner: a state pool, step kernels, traces and snapshots."""

from tslib.runner.kernels import PlainKernel, StepKernel

__all__ = ["PlainKernel", "StepKernel"]
