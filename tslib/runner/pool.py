"""A preallocated pool of per-stream states, keyed by stream id.

The pool holds one *slot* per live stream and maps stream ids to slots. Every
state tensor returned by ``model.init_state(capacity, device)`` is kept as one
buffer whose dim 0 is the slot, so a batch of streams is advanced by gathering
and scattering rows (see :mod:`tslib.runner.kernels`). Next to the state the pool keeps, per slot, the
last step output (used by forecasts) and the number of steps taken since the
slot was last (re)initialised.

Stream ids are ints (Python or NumPy integers, stored as ``int``) or strings;
one pool holds one kind. :func:`check_ids` and :func:`check_step_batch` validate the
ids and the rows of a step before anything in the pool changes.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import torch

from tslib.encoders.base import State, StepEncoder
from tslib.errors import InputError, StateError
from tslib.runner.checks import id_kind

__all__ = ["StatePool"]


class StatePool:
    """Slots of model state, grown by doubling, with a free list.

    Parameters
    ----------
    model : StepEncoder
        Encoder whose ``init_state`` defines the state layout.
    capacity : int
        Number of slots to preallocate (at least 1).
    device : torch.device
        Device of every buffer.
    dtype : torch.dtype
        Dtype of the per-slot last outputs (the model dtype).

    Attributes
    ----------
    buffers : tuple[torch.Tensor, ...]
        The state tensors, each (capacity, ...). Kernels update them in place.
    last_output : torch.Tensor
        (capacity, O) output of the most recent step of each slot; zeros after reset.
    counts : numpy.ndarray
        (capacity,) int64 steps since each slot was allocated or reset. Kept on the
        host so reading a count never synchronises with an accelerator.

    Notes
    -----
    The runner reports each step with :meth:`begin_step` and :meth:`record_step`.
    Consecutive steps on the same slot index only replace a pending record, which
    is written into ``last_output`` and ``counts`` when either is read or the
    slots change, so steady-state stepping does no bookkeeping scatter.
    slots : dict
        Live stream id -> slot, in attach order.
    kind : str or None
        ``"int"`` or ``"str"`` once the first stream attached, else ``None``.
    """

    def __init__(
        self, model: StepEncoder, capacity: int, device: torch.device, dtype: torch.dtype
    ) -> None:
        if capacity < 1:
            raise ValueError(f"pool capacity must be >= 1, got {capacity}")
        self.model = model
        self.device = torch.device(device)
        self.dtype = dtype
        # Buffers are created outside inference mode so that they stay ordinary
        # tensors, which may be updated in place both inside and outside it.
        with torch.inference_mode(False):
            self._fresh: State = tuple(model.init_state(1, self.device))  # each (1, ...)
            self.buffers: State = tuple(model.init_state(capacity, self.device))
            self._last_output = torch.zeros(
                capacity, model.n_outputs, device=self.device, dtype=dtype
            )  # (capacity, O)
        self._counts = np.zeros(capacity, dtype=np.int64)
        # [index, slots, latest outputs, steps] not yet written (see Notes).
        self._pending: list | None = None
        self.slots: dict[Hashable, int] = {}
        self.kind: str | None = None
        # Free slots, popped from the end: released slots are reused first (LIFO),
        # never-used slots are handed out in ascending order.
        self._free: list[int] = list(range(capacity - 1, -1, -1))

    @property
    def last_output(self) -> torch.Tensor:
        """(capacity, O) output of each slot's most recent step; zeros after reset."""
        self.flush()
        return self._last_output

    @property
    def counts(self) -> np.ndarray:
        """(capacity,) int64 steps of each slot since it was allocated or reset."""
        self.flush()
        return self._counts

    def begin_step(self, index: torch.Tensor) -> None:
        """Flush the pending record unless the coming step covers the same slots.

        ``index`` must be a tensor that is never modified (the runner's cached
        slot index), so that the same object always means the same slots.
        """
        if self._pending is not None and self._pending[0] is not index:
            self.flush()

    def record_step(self, index: torch.Tensor, slots: np.ndarray, y_t: torch.Tensor) -> None:
        """Count one step of slots ``index`` (B,) whose outputs were ``y_t`` (B, O)."""
        pending = self._pending
        if pending is None:
            self._pending = [index, slots, y_t, 1]
        else:  # begin_step guaranteed the same index
            pending[2] = y_t
            pending[3] += 1

    def flush(self) -> None:
        """Write the pending record into :attr:`last_output` and :attr:`counts`."""
        if self._pending is not None:
            index, slots, y_t, steps = self._pending
            self._pending = None
            with torch.inference_mode():
                self._last_output.index_copy_(0, index, y_t)  # (capacity, O)
            self._counts[slots] += steps

    @property
    def capacity(self) -> int:
        """Number of allocated slots, free or used."""
        return int(self._counts.shape[0])

    @property
    def in_use(self) -> int:
        """Number of slots currently handed out."""
        return self.capacity - len(self._free)

    @property
    def row_bytes(self) -> int:
        """Bytes of state held by one slot (all state tensors, one row each)."""
        return sum(buffer[0].numel() * buffer.element_size() for buffer in self.buffers)

    @property
    def nbytes(self) -> int:
        """Bytes allocated by the pool: state buffers plus last outputs, all slots."""
        outputs = self._last_output.numel() * self._last_output.element_size()
        return self.row_bytes * self.capacity + outputs

    def attach(self, ids: list[Hashable], kind: str) -> list[int]:
        """Give each new id of ``kind`` (validated by :func:`check_ids`) a fresh slot.

        Raises :class:`StateError`, changing nothing, when an id repeats or is
        already live: its first slot would otherwise be leaked.
        """
        previous, self.kind = self.kind, kind
        ids = [self.stored_id(stream) for stream in ids]
        if len(set(ids)) != len(ids) or not self.slots.keys().isdisjoint(ids):
            self.kind = previous
            seen: set = set()
            clash = [s for s in ids if s in self.slots or s in seen or seen.add(s)]
            raise StateError(f"cannot attach stream(s) {clash[:10]!r}: repeated or already live")
        slots = self.allocate(len(ids))
        self.slots.update(zip(ids, slots))
        return slots

    def detach(self, stream: Hashable) -> Hashable:
        """Forget ``stream`` and free its slot; return the id as stored."""
        slot = self.slot_of(stream)
        self.flush()
        stored = self.stored_id(stream)
        del self.slots[stored]
        self._free.append(slot)
        return stored

    def stored_id(self, stream: Hashable) -> Hashable:
        """``stream`` as the pool stores it: ``int`` for integer kinds, ``str`` otherwise."""
        return int(stream) if self.kind == "int" else str(stream)

    def slot_of(self, stream: Hashable) -> int:
        """Slot of a live stream; :class:`StateError` naming the id when unknown."""
        kind = id_kind(type(stream))
        if kind is None:
            raise InputError(
                f"stream id {stream!r} has type {type(stream).__name__}; use int or str"
            )
        slot = self.slots.get(stream) if kind == self.kind else None
        if slot is None:
            raise StateError(f"unknown stream {stream!r}")
        return slot

    def allocate(self, count: int) -> list[int]:
        """Hand out ``count`` slots holding fresh initial state, growing if needed."""
        self.flush()
        while len(self._free) < count:
            self._grow()
        slots = [self._free.pop() for _ in range(count)]
        self.reset(slots)
        return slots

    def reset(self, slots: list[int]) -> None:
        """Write fresh initial state into ``slots``; clear their outputs and counts."""
        index = torch.tensor(slots, dtype=torch.int64, device=self.device)  # (n,)
        with torch.inference_mode():
            for buffer, fresh in zip(self.buffers, self._fresh):
                rows = fresh.expand(len(slots), *fresh.shape[1:])  # (n, ...)
                buffer.index_copy_(0, index, rows)
            self.last_output.index_fill_(0, index, 0.0)  # flushes pending outputs first
        self.counts[slots] = 0

    def rows(self, slots: list[int] | torch.Tensor) -> State:
        """Copies of the state rows of ``slots``: each tensor (len(slots), ...)."""
        index = torch.as_tensor(slots, dtype=torch.int64, device=self.device)  # (n,)
        with torch.inference_mode(False):
            return tuple(buffer.index_select(0, index) for buffer in self.buffers)

    def write_rows(self, slots: list[int], state: State) -> None:
        """Overwrite the state rows of ``slots`` with ``state`` (each (len(slots), ...))."""
        index = torch.tensor(slots, dtype=torch.int64, device=self.device)  # (n,)
        with torch.inference_mode():
            for buffer, rows in zip(self.buffers, state):
                buffer.index_copy_(0, index, rows.to(device=buffer.device, dtype=buffer.dtype))

    def to(self, device: torch.device) -> None:
        """Move every buffer to ``device`` (in place on this object)."""
        self.flush()
        self.device = torch.device(device)
        with torch.inference_mode(False):
            self._fresh = tuple(t.to(self.device) for t in self._fresh)
            self.buffers = tuple(t.to(self.device) for t in self.buffers)
            self._last_output = self._last_output.to(self.device)

    def _grow(self) -> None:
        """Double the capacity, copying the existing rows into the new buffers."""
        old = self.capacity
        new = 2 * old
        with torch.inference_mode(False):
            buffers = tuple(self.model.init_state(new, self.device))
            for target, source in zip(buffers, self.buffers):
                target[:old].copy_(source)  # (old, ...)
            last_output = torch.zeros(
                new, self._last_output.shape[1], device=self.device, dtype=self.dtype
            )  # (new, O)
            last_output[:old].copy_(self.last_output)
        self.buffers = buffers
        self._last_output = last_output
        self._counts = np.concatenate([self.counts, np.zeros(old, dtype=np.int64)])
        # New slots go below the existing free ones and are handed out in ascending order.
        self._free = list(range(new - 1, old - 1, -1)) + self._free
