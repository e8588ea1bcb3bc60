"""The benchmark model, runners with live streams, goals, and the section format.

A section is the dict each ``bench_*.run`` returns::

    {"title": str, "rows": [dict, ...], "goals": [Goal.as_dict(), ...], "notes": [str, ...]}

Every row names what was timed (``what``) and what it is compared against
(``against``), so each number in the JSON says what it means.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner import StepwiseRunner
from tslib.timing import Timing

__all__ = ["BenchModel", "Goal", "live_runner", "native_disabled", "section", "row"]


@dataclass
class Goal:
    """A goal from the issue, the measured value and whether it is met."""

    name: str  # e.g. "per-observation speedup at T=168"
    value: float  # measured
    target: float  # threshold
    higher_is_better: bool  # True: met when value >= target
    note: str = ""  # what exactly was compared
    before: float | None = None  # the same ratio for the baseline path, measured in this run
    before_what: str = ""  # that baseline path (e.g. "runner.step without the native path")
    issue: str = ""  # the issue goal it checks, e.g. "17.3" (run_all's summary groups by it)
    met: bool = field(init=False)

    def __post_init__(self) -> None:
        self.met = bool(
            self.value >= self.target if self.higher_is_better else self.value <= self.target
        )

    def as_dict(self) -> dict:
        out = asdict(self)
        out["value"] = round(self.value, 4)
        if self.before is not None:
            out["before"] = round(self.before, 4)
            out["before_met"] = bool(
                self.before >= self.target if self.higher_is_better else self.before <= self.target
            )
        return out


@dataclass(frozen=True)
class BenchModel:
    """The recurrent model of the issue's reference figures."""

    input_size: int = 4  # features per observation (value plus three covariates)
    hidden_size: int = 64  # LSTM hidden units, as in the reference figures
    output_size: int = 1  # one-step-ahead point forecast
    num_layers: int = 1  # stacked layers
    cell: str = "lstm"  # "lstm", "gru" or "rnn"

    def build(self, seed: int = 0, device: torch.device | str = "cpu") -> RecurrentEncoder:
        """A seeded model in eval mode on ``device``."""
        torch.manual_seed(seed)
        model = RecurrentEncoder(
            self.input_size,
            self.hidden_size,
            self.output_size,
            num_layers=self.num_layers,
            cell=self.cell,
        )
        return model.to(device).eval()


@contextlib.contextmanager
def native_disabled() -> Iterator[None]:
    """Within the block, new fast kernels skip the native path (``TSLIB_NATIVE=0``)."""
    previous = os.environ.get("TSLIB_NATIVE")
    os.environ["TSLIB_NATIVE"] = "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TSLIB_NATIVE"]
        else:
            os.environ["TSLIB_NATIVE"] = previous


def live_runner(
    model: torch.nn.Module,
    n_streams: int,
    device: torch.device | str = "cpu",
    fast: bool = True,
    native: bool = True,
) -> tuple[StepwiseRunner, tuple[int, ...], torch.Tensor]:
    """A runner with ``n_streams`` attached streams that have each stepped once.

    ``native=False`` builds its fast kernel without the native (C) path, as before it
    existed. Returns the runner, the id tuple (reuse the same object: the runner
    caches it) and an input batch (n_streams, F) on ``device``.
    """
    with contextlib.nullcontext() if native else native_disabled():
        runner = StepwiseRunner(model, device=device, fast=fast, initial_capacity=max(n_streams, 1))
    ids = tuple(range(n_streams))
    generator = torch.Generator().manual_seed(n_streams)
    x = torch.randn(n_streams, model.input_size, generator=generator).to(device)  # (B, F)
    runner.step(ids, x)
    return runner, ids, x


def row(what: str, against: str, timing: dict[str, Timing], a: str, b: str, **extra) -> dict:
    """One result row: candidate ``a`` vs reference ``b`` with times and ``b / a``."""
    out = {"what": what, "against": against, **extra}
    out["a"], out["b"] = a, b
    out["a_us"] = round(timing[a].median_us, 3)
    out["b_us"] = round(timing[b].median_us, 3)
    out["b_over_a"] = round(timing[b].median_us / timing[a].median_us, 4)
    out["timings"] = {name: t.as_dict() for name, t in timing.items()}
    return out


def section(title: str, rows: list[dict], goals: list[Goal], notes: list[str]) -> dict:
    """Assemble a section dict (see the module docstring)."""
    return {"title": title, "rows": rows, "goals": [g.as_dict() for g in goals], "notes": notes}
