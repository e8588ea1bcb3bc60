"""Stepwise multi-stream runner: a state pool, step kernels, traces and snapshots.

:class:`StepwiseRunner` is the entry point; see :mod:`tslib.runner.runner`.
"""

from tslib.runner.kernels import PlainKernel, StepKernel, rollout
from tslib.runner.pool import StatePool
from tslib.runner.runner import StepwiseRunner, resolve_device
from tslib.runner.snapshot import Snapshot, read_snapshot, write_snapshot
from tslib.runner.trace import RunnerTrace

__all__ = [
    "PlainKernel",
    "RunnerTrace",
    "Snapshot",
    "StatePool",
    "StepKernel",
    "StepwiseRunner",
    "read_snapshot",
    "resolve_device",
    "rollout",
    "write_snapshot",
]
