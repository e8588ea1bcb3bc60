"""The stepwise encoder contract.

A :class:`StepEncoder` reads a sequence one step at a time and carries a state,
the way a language model decodes token by token with a cache. Two paths exist:

* ``forward(x, state)`` over a whole (B, T, F) sequence, using fused kernels;
* ``step(x_t, state)`` for one (B, F) observation.

They must agree: iterating ``step`` over ``x[:, t]`` gives ``forward(x)`` up to
1e-5 in fp32. This is the reference contract that the runner and every fast
path are tested against.

State convention
----------------
A state is a ``tuple`` of tensors whose **first dimension is the batch**. The
runner keeps a pool of states by calling ``init_state(capacity)`` once and then
gathering / scattering rows along dim 0, so any state of this shape can be
pooled, snapshotted and restored without knowing the encoder.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from tslib.base import Base, Registry

__all__ = [
    "State",
    "StepEncoder",
    "ENCODER_REGISTRY",
    "register_encoder",
    "seeded_init",
    "check_encoder_input",
    "check_state",
]

State = tuple[torch.Tensor, ...]


@contextmanager
def seeded_init(seed: int | None) -> Iterator[None]:
    """Build modules inside this block to make their initial weights a function of ``seed``.

    With ``seed=None`` nothing changes (weights come from torch's global generator,
    so they depend on everything drawn before). With an int, the block runs on a
    forked CPU generator seeded with ``seed``: the weights are the same in every
    process, whatever was drawn before, and the caller's random stream is left
    untouched. This is the reproducible path every encoder offers through its
    ``seed=`` argument.

    Examples
    --------
    >>> with seeded_init(3):
    ...     a = nn.Linear(2, 2).weight.detach().clone()
    >>> _ = torch.randn(5)  # draws in between change nothing
    >>> with seeded_init(3):
    ...     b = nn.Linear(2, 2).weight.detach().clone()
    >>> bool(torch.equal(a, b))
    True
    """
    if seed is None:
        yield
        return
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        from tslib.errors import InputError

        raise InputError(f"encoder seed must be an int >= 0 or None, got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class StepEncoder(nn.Module, Base):
    """Base class for encoders whose iterated ``step`` equals ``forward``.

    Subclasses store their constructor arguments unchanged as attributes, so
    :meth:`~tslib.base.Base.get_params` reads them back and
    :meth:`~tslib.base.Base.clone` builds an untrained copy (see :class:`tslib.base.Base`);
    ``test_config()`` returns constructor keyword arguments. ``repr`` is torch's
    module tree, headed by the hyperparameters that differ from their defaults.
    :func:`tslib.checks.check_encoder` runs the contract suite on one encoder.

    Attributes
    ----------
    input_size : int
        Features per step, F.
    output_size : int
        Targets per step (the width of the point prediction for regression heads).
    n_outputs : int
        Width O of ``y``: the raw head parameters per step (equals ``output_size``
        without a head or with a point head). Defaults to ``output_size``.
    feedback_inputs : tuple[int, ...]
        Input columns that, during an autoregressive forecast, take the model's
        own point prediction: column ``feedback_inputs[k]`` receives point
        output ``k``. Empty when the model has no autoregressive inputs.
    """

    input_size: int
    output_size: int
    feedback_inputs: tuple[int, ...] = ()

    @abstractmethod
    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """Return a fresh state for ``batch_size`` streams; every tensor has dim 0 = batch."""

    @abstractmethod
    def step(self, x_t: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Advance one step: ``x_t`` (B, F) -> ``y_t`` (B, O) and the new state."""

    @abstractmethod
    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Encode a whole sequence: ``x`` (B, T, F) -> ``y`` (B, T, O) and the final state."""

    def point(self, y_t: torch.Tensor) -> torch.Tensor:
        """Point prediction (B, len(feedback_inputs) or targets) from raw outputs (B, O).

        The default is the identity; encoders with a distributional head
        delegate to it (e.g. the mean of a Gaussian, the median quantile).
        """
        head = getattr(self, "head", None)
        if head is None:
            return y_t
        transform = getattr(head, "transform", None)
        return head.point(transform(y_t) if transform is not None else y_t)

    @property
    def n_outputs(self) -> int:
        """Width O of ``y``: the head's raw outputs, or ``output_size`` without a head."""
        head = getattr(self, "head", None)
        return head.n_outputs if head is not None else self.output_size

    def example_input(
        self, batch_size: int, steps: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """A valid random input (batch_size, steps, F) for tests; standard normal by default.

        Encoders whose inputs are constrained (e.g. item ids) override this.
        """
        return torch.randn(batch_size, steps, self.input_size, generator=generator)

    def extra_repr(self) -> str:
        """The hyperparameters that differ from their defaults, heading torch's module tree."""
        return self._params_repr()

    def fingerprint(self) -> str:
        """A string that identifies the architecture and the exact weights."""
        import hashlib

        digest = hashlib.sha256()
        digest.update(type(self).__qualname__.encode())
        digest.update(repr(sorted(self.get_params().items(), key=lambda kv: kv[0])).encode())
        for name, tensor in sorted(self.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().to("cpu", torch.float64).contiguous().numpy().tobytes())
        return digest.hexdigest()


#: name -> encoder class; every registered class is run through the contract tests.
ENCODER_REGISTRY: Registry = Registry("encoder", base=StepEncoder)

#: Class decorator that adds an encoder to :data:`ENCODER_REGISTRY`.
register_encoder = ENCODER_REGISTRY.register


def check_encoder_input(x: torch.Tensor, input_size: int, ndim: int, where: str) -> None:
    """Raise :class:`~tslib.errors.InputError` unless ``x`` is a finite float tensor.

    Parameters
    ----------
    x : torch.Tensor
        Input to check: (B, F) when ``ndim == 2``, (B, T, F) when ``ndim == 3``.
    input_size : int
        Expected last dimension F.
    ndim : int
        Expected number of dimensions.
    where : str
        Name of the caller, used in the message (e.g. ``"RecurrentEncoder.step"``).
    """
    from tslib.errors import InputError

    layout = "(B, F)" if ndim == 2 else "(B, T, F)"
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{where}: expected a torch.Tensor, got {type(x).__name__}")
    if x.ndim != ndim or x.shape[-1] != input_size:
        raise InputError(
            f"{where}: expected input shaped {layout} with F={input_size}, got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise InputError(f"{where}: expected a floating point input, got {x.dtype}")
    if not bool(torch.isfinite(x).all()):
        raise InputError(f"{where}: input contains NaN or inf")


def check_state(
    state: State,
    shapes: list[tuple[int, ...]],
    dtypes: list[torch.dtype],
    where: str,
) -> None:
    """Raise :class:`~tslib.errors.StateError` unless ``state`` has the given shapes and dtypes.

    Parameters
    ----------
    state : tuple of torch.Tensor
        The state to check.
    shapes : list of tuple of int
        Expected shape of each tensor (dim 0 = batch).
    dtypes : list of torch.dtype
        Expected dtype of each tensor.
    where : str
        Name of the caller, used in the message.
    """
    from tslib.errors import StateError

    if not isinstance(state, tuple) or len(state) != len(shapes):
        got = len(state) if isinstance(state, tuple) else type(state).__name__
        raise StateError(f"{where}: expected a state tuple of {len(shapes)} tensors, got {got}")
    for index, (tensor, shape, dtype) in enumerate(zip(state, shapes, dtypes)):
        if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) != tuple(shape):
            got = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor)
            raise StateError(f"{where}: state[{index}] should be shaped {tuple(shape)}, got {got}")
        if tensor.dtype != dtype:
            raise StateError(f"{where}: state[{index}] should be {dtype}, got {tensor.dtype}")
