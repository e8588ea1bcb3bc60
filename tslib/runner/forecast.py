"""Autoregressive roll-outs of live streams (:meth:`StepwiseRunner.forecast`)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from tslib.errors import InputError, StateError
from tslib.runner.checks import as_id_tuple, check_ids, check_step_batch
from tslib.runner.kernels import rollout

if TYPE_CHECKING:  # the runner imports this module
    from tslib.runner.runner import StepwiseRunner

__all__ = ["MAX_FORECAST_HORIZON", "forecast"]

#: Default cap on :meth:`StepwiseRunner.forecast` horizons (raise it with ``max_horizon``):
#: a typo such as ``10**9`` would otherwise roll out for hours.
MAX_FORECAST_HORIZON = 10_000


def forecast(
    runner: StepwiseRunner,
    ids: Sequence[Hashable],
    horizon: int,
    future: torch.Tensor | np.ndarray | None = None,
    max_horizon: int = MAX_FORECAST_HORIZON,
) -> torch.Tensor:
    """Roll ``ids`` of ``runner`` forward on copies of their states; (B, horizon, O) outputs.

    See :meth:`tslib.runner.StepwiseRunner.forecast` for the convention and errors.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise InputError(f"forecast horizon must be an int >= 1, got {horizon!r}")
    if horizon > max_horizon:
        raise InputError(
            f"forecast horizon {horizon} exceeds max_horizon={max_horizon}; pass a larger "
            "max_horizon if the long roll-out is intended"
        )
    key = as_id_tuple(ids)
    check_ids(key, set(map(type, key)), runner._pool.kind)
    slots = [runner._pool.slot_of(stream) for stream in key]
    never = [stream for stream, slot in zip(key, slots) if runner._pool.counts[slot] == 0]
    if never:
        raise StateError(f"cannot forecast streams that have not stepped yet: {never!r}")
    n_inputs = runner.model.input_size
    feedback = list(runner.model.feedback_inputs)
    if future is None and horizon > 1 and sorted(feedback) != list(range(n_inputs)):
        raise InputError(
            f"forecast needs future inputs (B, {horizon - 1}, {n_inputs}): only columns "
            f"{feedback} of {n_inputs} are fed back from the model's own predictions"
        )
    with torch.inference_mode():
        index = torch.tensor(slots, dtype=torch.int64, device=runner.device)  # (B,)
        known = None
        if future is not None:
            known = check_step_batch(
                key, future, n_inputs, runner.device, runner.dtype, steps=horizon - 1
            )  # (B, horizon - 1, F)
        state = tuple(buffer.index_select(0, index) for buffer in runner._pool.buffers)
        y_last = runner._pool.last_output.index_select(0, index)  # (B, O)
        return rollout(runner.model, state, y_last, known, horizon)  # (B, horizon, O)
