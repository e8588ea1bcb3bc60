"""StepwiseRunner: many live streams advanced one step at a time by one model.

Each stream (a sensor, a user, a ticker) has an id and a slot in a
:class:`~tslib.runner.pool.StatePool`. A call to :meth:`StepwiseRunner.step`
gathers the slots of the given ids, advances them with one batched kernel call
and writes them back, the way an LLM server decodes many sequences against a
shared KV-cache pool.

Output convention: the output of ``step`` at time t is the model's prediction
for time t + 1 (see :meth:`StepwiseRunner.forecast`).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Hashable, Sequence

import numpy as np
import torch

from tslib.encoders.base import State, StepEncoder
from tslib.errors import InputError
from tslib.runner import fast
from tslib.runner.checks import as_id_tuple, check_ids, check_step_batch, id_kind
from tslib.runner.device import InferenceModeGuard, resolve_device
from tslib.runner.forecast import MAX_FORECAST_HORIZON, forecast
from tslib.runner.kernels import PlainKernel, StepKernel
from tslib.runner.pool import StatePool
from tslib.runner.snapshot import read_snapshot, restore_runner, save_runner
from tslib.runner.trace import RunnerTrace
from tslib.runner.warm_start import observe

__all__ = ["MAX_FORECAST_HORIZON", "StepwiseRunner", "resolve_device"]

#: Number of recent ``step`` calls whose latency :meth:`StepwiseRunner.stats` summarises.
LATENCY_WINDOW = 4096


class StepwiseRunner:
    """Advance many independent streams through one :class:`StepEncoder`, one step at a time.

    Parameters
    ----------
    model : StepEncoder
        The encoder; moved to ``device`` and put in eval mode.
    device : str or torch.device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ...
    trace : bool
        Record the dynamic graph of states and inputs in :attr:`trace`.
    fast : bool
        Use :func:`tslib.runner.fast.select_kernel` when it offers a kernel;
        ``False`` always uses the reference :class:`~tslib.runner.kernels.PlainKernel`.
    initial_capacity : int
        Slots preallocated in the state pool; the pool doubles when full.

    Notes
    -----
    Stepping runs under ``torch.inference_mode()``: returned outputs are inference
    tensors (call ``.clone()`` outside inference mode to use them with autograd).
    Stream ids are ints (Python or NumPy integers) or strings; one runner holds one kind.
    """

    def __init__(
        self,
        model: StepEncoder,
        device: str | torch.device = "auto",
        trace: bool = False,
        fast: bool = True,
        initial_capacity: int = 64,
    ) -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.dtype = next(
            (p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32
        )
        self.fast = fast
        self._n_inputs = model.input_size
        self.trace: RunnerTrace | None = RunnerTrace() if trace else None
        self._pool = StatePool(model, initial_capacity, self.device, self.dtype)
        self._kind_types: set[type] = set()  # id types already accepted for this runner
        self._previous_kind: str | None = None  # id kind before the latest attach
        self._kernel: StepKernel = self._select_kernel()
        self._cached_ids: tuple | None = None
        self._cached_index: torch.Tensor | None = None  # (B,) int64 on device
        self._cached_slots: np.ndarray | None = None  # (B,) int64 on host
        self._latency_ns: deque[int] = deque(maxlen=LATENCY_WINDOW)
        self._inference_mode = InferenceModeGuard()  # reused: saves building one per step
        self._steps = 0
        self._stream_steps = 0

    # ------------------------------------------------------------------ stepping
    def step(self, ids: Sequence[Hashable], x: torch.Tensor | np.ndarray) -> torch.Tensor:
        """Advance the streams ``ids`` by one observation each.

        Parameters
        ----------
        ids : sequence of int or str
            Distinct stream ids, one per row of ``x``. Unknown ids attach with a
            fresh state.
        x : torch.Tensor, numpy.ndarray, list or pandas row / frame
            (B, F) float32/float64 observations; cast to the model dtype and device.
            A list is converted with NumPy, a pandas ``Series`` is one row (1, F).

        Returns
        -------
        torch.Tensor
            (B, O) outputs; row b is the prediction for the next step of ``ids[b]``.

        Raises
        ------
        InputError
            Bad ids or input (empty, duplicate, wrong type or kind, wrong shape or
            dtype, NaN/inf). Nothing is changed when it is raised.
        """
        start = time.perf_counter_ns()
        pool = self._pool
        if ids is self._cached_ids and self.trace is None:  # the same streams again
            repeat = getattr(self._kernel, "repeat_step", None)  # fast kernels' lane
            index = self._cached_index
            y_t = None if repeat is None else repeat(x, pool.buffers, index)  # None: declined
            if y_t is not None:
                pool.begin_step(index)  # a no-op: any pending record is for this index
                pool.record_step(index, self._cached_slots, y_t)
                self._steps += 1
                self._stream_steps += len(ids)
                self._latency_ns.append(time.perf_counter_ns() - start)
                return y_t
        attached: list[Hashable] = []
        if ids is self._cached_ids:  # the very tuple checked last time (tuples are immutable)
            key, hit = ids, True
        else:
            if type(ids) is tuple:
                key = ids
            elif type(ids) is list:
                key = tuple(ids)
            else:
                key = as_id_tuple(ids)  # NumPy arrays, ranges; rejects str and scalars
            types = set(map(type, key))
            hit = key == self._cached_ids and types <= self._kind_types
        with self._inference_mode:
            if hit:
                x_t = check_step_batch(key, x, self._n_inputs, self.device, self.dtype)  # (B, F)
                index, slots = self._cached_index, self._cached_slots
            else:
                kind = check_ids(key, types, pool.kind)
                x_t = check_step_batch(key, x, self._n_inputs, self.device, self.dtype)  # (B, F)
                index, slots, attached = self._resolve(key, kind)  # first mutation
            pool.begin_step(index)
            try:
                y_t = self._kernel(x_t, pool.buffers, index)  # (B, O)
            except InputError as error:  # the model rejected an input: name the streams
                self._undo_attach(attached)
                rows = getattr(error, "rows", None)
                streams = [key[r] for r in rows] if rows else list(key)
                raise InputError(f"stream(s) {streams[:10]!r}: {error}") from error
            except BaseException:
                self._undo_attach(attached)
                raise
        pool.record_step(index, slots, y_t)
        if not hit:
            self._kind_types |= types
        self._steps += 1
        self._stream_steps += len(key)
        if self.trace is not None:
            for stream in attached:
                self.trace.attach(stream, 0, pool.row_bytes)
            counts = pool.counts[slots].tolist()
            self.trace.record_step(key, counts, x_t[0].numel() * x_t.element_size())
        self._latency_ns.append(time.perf_counter_ns() - start)
        return y_t

    def _resolve(self, key: tuple, kind: str) -> tuple[torch.Tensor, np.ndarray, list]:
        """Slots of validated ``key``: attach unknown ids and cache the index tensors."""
        known = self._pool.slots
        new_ids = [stream for stream in key if stream not in known]
        if new_ids:
            self._previous_kind = self._pool.kind
            self._pool.attach(new_ids, kind)
        slots = np.fromiter((known[stream] for stream in key), np.int64, len(key))
        with torch.inference_mode(False):  # an ordinary tensor: kernels may cache on it
            index = torch.from_numpy(slots).to(self.device)  # (B,)
        self._cached_ids, self._cached_index, self._cached_slots = key, index, slots
        return index, slots, new_ids

    def _undo_attach(self, attached: list[Hashable]) -> None:
        """Detach the ids a failed step attached, so the failure changes nothing."""
        if attached:
            for stream in attached:
                self._pool.detach(stream)
            self._pool.kind = self._previous_kind  # None only if these were the first ids
            self._cached_ids = self._cached_index = self._cached_slots = None

    def observe(self, ids: Sequence[Hashable], x: object) -> torch.Tensor:
        """Warm-start ``ids`` with a history ``x`` (B, T, F): one fused ``forward``.

        Equals T calls of :meth:`step` (same states, counts and last outputs) and
        returns the (B, T, O) outputs; see :func:`tslib.runner.warm_start.observe`.
        """
        return observe(self, ids, x)

    # ---------------------------------------------------------------- forecasts
    def forecast(
        self,
        ids: Sequence[Hashable],
        horizon: int,
        future: torch.Tensor | np.ndarray | None = None,
        max_horizon: int = MAX_FORECAST_HORIZON,
    ) -> torch.Tensor:
        """Roll ``ids`` forward autoregressively without changing their live state.

        Convention: the output of :meth:`step` at time t is the prediction for
        t + 1, so ``forecast[:, 0]`` is the last step output. For k >= 1 the
        model steps on an input row built from ``future[:, k - 1]`` (known
        covariates) whose columns ``model.feedback_inputs[j]`` are overwritten by
        ``model.point(previous_output)[:, j]``; its output is ``forecast[:, k]``.
        The roll-out runs on copies of the states, so the live streams, their
        step counts and later ``step`` outputs are unaffected.

        Parameters
        ----------
        ids : sequence of int or str
            Live streams that have stepped at least once since attach or reset.
        horizon : int
            Number of predicted steps, >= 1.
        future : torch.Tensor or numpy.ndarray, optional
            (B, horizon - 1, F) known future inputs. ``None`` is allowed only when
            every input column is fed back (or ``horizon == 1``).
        max_horizon : int
            Largest accepted ``horizon`` (default :data:`MAX_FORECAST_HORIZON`); a
            guard against typos, raise it for genuinely long roll-outs.

        Returns
        -------
        torch.Tensor
            (B, horizon, O) raw outputs.

        Raises
        ------
        InputError
            A horizon that is not an int in [1, max_horizon], bad ids, or future
            inputs of the wrong shape (steps or feature count), dtype or values.
        """
        return forecast(self, ids, horizon, future, max_horizon)

    # ------------------------------------------------------------ stream admin
    def reset(self, stream: Hashable) -> None:
        """Give ``stream`` a fresh initial state; its step count and last output are cleared."""
        self._pool.reset([self._pool.slot_of(stream)])
        if self.trace is not None:
            self.trace.attach(self._pool.stored_id(stream), 0, self._pool.row_bytes)

    def detach(self, stream: Hashable) -> None:
        """Forget ``stream`` and free its slot for reuse."""
        stored = self._pool.detach(stream)
        self._cached_ids = self._cached_index = self._cached_slots = None
        if self.trace is not None:
            self.trace.detach(stored)

    @property
    def streams(self) -> tuple[Hashable, ...]:
        """Live stream ids in attach order."""
        return tuple(self._pool.slots)

    @property
    def id_kind(self) -> str | None:
        """``"int"`` or ``"str"`` once a stream has attached, else ``None``."""
        return self._pool.kind

    def __len__(self) -> int:
        return len(self._pool.slots)

    def __contains__(self, stream: object) -> bool:
        return id_kind(type(stream)) == self._pool.kind and stream in self._pool.slots

    def state_of(self, stream: Hashable) -> State:
        """A copy of ``stream``'s state: each tensor has a leading batch dim of 1."""
        return self._pool.rows([self._pool.slot_of(stream)])

    def step_count(self, stream: Hashable) -> int:
        """Steps taken by ``stream`` since it attached or was last reset."""
        return int(self._pool.counts[self._pool.slot_of(stream)])

    def last_output(self, stream: Hashable) -> torch.Tensor:
        """Copy of ``stream``'s most recent step output (O,); zeros before its first step."""
        return self._pool.last_output[self._pool.slot_of(stream)].clone()

    # -------------------------------------------------------------- monitoring
    def stats(self) -> dict:
        """Counters and the latency of recent ``step`` calls.

        Returns
        -------
        dict
            ``steps`` (step calls), ``stream_steps`` (stream rows stepped),
            ``p50_us`` / ``p99_us`` (latency percentiles over the last
            ``LATENCY_WINDOW`` calls, wall clock; on CUDA without synchronisation
            this is launch time), ``streams`` (live), ``capacity`` (pool slots),
            ``state_bytes`` (state held by the live streams) and ``pool_bytes``
            (allocated by the pool, all slots).
        """
        latency = np.fromiter(self._latency_ns, dtype=np.int64, count=len(self._latency_ns))
        p50, p99 = np.percentile(latency, [50, 99]) / 1e3 if latency.size else (np.nan, np.nan)
        return {
            "steps": self._steps,
            "stream_steps": self._stream_steps,
            "p50_us": float(p50),
            "p99_us": float(p99),
            "streams": len(self._pool.slots),
            "capacity": self._pool.capacity,
            "state_bytes": len(self._pool.slots) * self._pool.row_bytes,
            "pool_bytes": self._pool.nbytes,
        }

    # ------------------------------------------------------------ device, disk
    def to(self, device: str | torch.device) -> StepwiseRunner:
        """Move the model and every live state to ``device``; re-select the kernel."""
        self.device = resolve_device(device)
        self.model.to(self.device)
        self._pool.to(self.device)
        self._kernel = self._select_kernel()
        self._cached_ids = self._cached_index = self._cached_slots = None
        return self

    def _select_kernel(self) -> StepKernel:
        kernel = fast.select_kernel(self.model, self.device) if self.fast else None
        return kernel if kernel is not None else PlainKernel(self.model)

    def save(self, path: str | os.PathLike) -> None:
        """Atomically write every live stream to ``path`` (see :mod:`tslib.runner.snapshot`)."""
        save_runner(self, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        model: StepEncoder,
        device: str | torch.device = "auto",
        **kwargs,
    ) -> StepwiseRunner:
        """Rebuild a runner written by :meth:`save`; ``model`` must match the snapshot.

        Raises :class:`~tslib.errors.SnapshotError` for a missing, truncated,
        corrupt or foreign file, or a model with other weights or architecture.
        Extra keyword arguments (``trace``, ``fast``, ...) go to the constructor.
        """
        snapshot = read_snapshot(path)
        runner = cls(model, device=device, **kwargs)
        restore_runner(runner, snapshot, path)
        return runner
