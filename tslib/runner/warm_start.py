"""Warm start: attach or advance streams with a whole history in one fused ``forward``.

A stream that joins with T past observations would otherwise need T calls of
:meth:`~tslib.runner.runner.StepwiseRunner.step`. :func:`observe` gathers the
streams' states, runs ``model.forward`` over the (B, T, F) history once (the
fused path, e.g. cuDNN / MKL LSTM) and writes the final states, last outputs
and step counts back into the pool. By the encoder contract (``forward`` equals
iterated ``step``) the result is the same as T steps, to 1e-5 in fp32.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import torch

from tslib.errors import InputError
from tslib.runner.checks import as_id_tuple, as_numeric, check_ids, check_step_batch

if TYPE_CHECKING:  # pragma: no cover
    from tslib.runner.runner import StepwiseRunner

__all__ = ["observe"]


def observe(runner: StepwiseRunner, ids: Sequence[Hashable], x: object) -> torch.Tensor:
    """Advance ``ids`` through a history ``x`` (B, T, F) with one ``forward`` call.

    Parameters
    ----------
    runner : StepwiseRunner
        The runner whose pool holds (or will hold) the streams.
    ids : sequence of int or str
        Distinct stream ids, one per row of ``x``; unknown ids attach fresh.
    x : array_like
        (B, T, F) observations with T >= 1 (tensor, array or nested lists).

    Returns
    -------
    torch.Tensor
        (B, T, O) outputs; ``[:, t]`` is what ``step`` would have returned at t.

    Raises
    ------
    InputError
        Bad ids or input (shape, dtype, NaN/inf, empty history). Nothing changes
        when it is raised, and a model error undoes any attach.
    """
    key = as_id_tuple(ids)
    pool = runner._pool
    kind = check_ids(key, set(map(type, key)), pool.kind)
    x = as_numeric(x, "observe history")
    if x.ndim != 3:
        raise InputError(
            f"observe history must be (B, T, F) = ({len(key)}, T, {runner.model.input_size}), "
            f"got shape {tuple(x.shape)}"
        )
    steps = int(x.shape[1])
    if steps == 0:
        raise InputError("observe history is empty (T = 0); give at least one observation")
    history = check_step_batch(
        key, x, runner.model.input_size, runner.device, runner.dtype, steps=steps, what="history"
    )  # (B, T, F)
    index, slots, attached = runner._resolve(key, kind)  # first mutation
    try:
        with torch.inference_mode():
            state = tuple(buffer.index_select(0, index) for buffer in pool.buffers)  # (B, ...)
            outputs, final = runner.model(history, state)  # (B, T, O)
    except BaseException as error:
        runner._undo_attach(attached)
        if isinstance(error, InputError):
            raise InputError(f"stream(s) {list(key)[:10]!r}: {error}") from error
        raise
    pool.write_rows(slots.tolist(), final)
    with torch.inference_mode():
        pool.last_output.index_copy_(0, index, outputs[:, -1].to(pool.dtype))  # (capacity, O)
    pool.counts[slots] += steps
    runner._steps += steps
    runner._stream_steps += steps * len(key)
    if runner.trace is not None:
        row_bytes = pool.row_bytes
        for stream in attached:
            runner.trace.attach(stream, 0, row_bytes)
        counts = pool.counts[slots]
        input_bytes = history[0, 0].numel() * history.element_size()
        for t in range(steps):
            runner.trace.record_step(key, (counts - steps + t + 1).tolist(), input_bytes)
    return outputs
