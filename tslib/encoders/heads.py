"""Output heads: turn an encoder's raw outputs into the parameters of a prediction.

A head has no weights; the encoder's last ``Linear`` produces ``head.n_outputs``
raw values per step and the head maps them, pointwise on the last dimension, to
distribution parameters (so ``step`` and ``forward`` agree through the head).

Each head offers

* ``transform(raw) -> params``;
* ``loss(params, target, reduction="mean")``: the proper training loss;
* ``point(params)``: the value fed back in autoregressive forecasts.

Examples
--------
>>> import torch
>>> head = QuantileHead(n_targets=1, quantiles=(0.1, 0.5, 0.9))
>>> params = head.transform(torch.tensor([[0.0, -50.0, 1.0]]))  # (B=1, 1 * 3)
>>> params.shape
torch.Size([1, 1, 3])
>>> bool((params.diff(dim=-1) >= 0).all())
True
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from tslib.errors import InputError

__all__ = [
    "Head",
    "PointHead",
    "QuantileHead",
    "GaussianHead",
    "ClassHead",
    "ItemScoreHead",
    "make_head",
]


def _reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "none":
        return values
    raise InputError(f"unknown loss reduction {reduction!r}; use 'mean' or 'none'")


class Head(nn.Module):
    """Base class of parameter-free heads.

    Attributes
    ----------
    n_outputs : int
        Raw values per step that the encoder must produce.
    n_targets : int
        Width of the point prediction (and of a regression target).
    """

    n_outputs: int
    n_targets: int

    def size(self) -> int:
        """The count passed to the constructor (targets, classes or items)."""
        return self.n_targets

    def transform(self, raw: torch.Tensor) -> torch.Tensor:
        """Map raw outputs (..., n_outputs) to parameters."""
        return raw

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`transform`."""
        return self.transform(raw)

    def loss(self, params: torch.Tensor, target: torch.Tensor, reduction: str = "mean"):
        """Training loss of ``params`` against ``target``."""
        raise NotImplementedError

    def point(self, params: torch.Tensor) -> torch.Tensor:
        """Point prediction (..., n_targets)."""
        raise NotImplementedError

    def _check_target(self, target: torch.Tensor, leading: torch.Size) -> None:
        expected = (*leading, self.n_targets)
        if tuple(target.shape) != expected:
            raise InputError(
                f"{type(self).__name__}.loss: target should be shaped {expected}, "
                f"got {tuple(target.shape)}"
            )


class PointHead(Head):
    """Identity head trained with the mean squared error."""

    def __init__(self, n_targets: int) -> None:
        super().__init__()
        self.n_targets = n_targets
        self.n_outputs = n_targets

    def extra_repr(self) -> str:
        return f"n_targets={self.n_targets}"

    def loss(self, params, target, reduction: str = "mean") -> torch.Tensor:
        """Squared error (..., n_targets), averaged unless ``reduction="none"``."""
        self._check_target(target, params.shape[:-1])
        return _reduce((params - target) ** 2, reduction)

    def point(self, params: torch.Tensor) -> torch.Tensor:
        return params


class QuantileHead(Head):
    """Monotone quantiles: the lowest is free, the rest add cumulative softplus steps.

    Parameters are shaped (..., n_targets, Q); the point prediction is the
    quantile level closest to 0.5.
    """

    def __init__(self, n_targets: int, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)) -> None:
        super().__init__()
        levels = tuple(float(q) for q in quantiles)
        if not levels or any(not 0.0 < q < 1.0 for q in levels):
            raise InputError(f"QuantileHead: quantiles must lie in (0, 1), got {quantiles}")
        if any(b <= a for a, b in zip(levels, levels[1:])):
            raise InputError(f"QuantileHead: quantiles must increase strictly, got {quantiles}")
        self.n_targets = n_targets
        self.levels = levels
        self.n_outputs = n_targets * len(levels)
        self.median_index = min(range(len(levels)), key=lambda k: abs(levels[k] - 0.5))

    def extra_repr(self) -> str:
        return f"n_targets={self.n_targets}, quantiles={self.levels}"

    def transform(self, raw: torch.Tensor) -> torch.Tensor:
        raw = raw.unflatten(-1, (self.n_targets, len(self.levels)))  # (..., N, Q)
        steps = F.softplus(raw[..., 1:])  # (..., N, Q-1)
        rest = raw[..., :1] + torch.cumsum(steps, dim=-1)  # (..., N, Q-1)
        return torch.cat([raw[..., :1], rest], dim=-1)  # (..., N, Q)

    def quantiles(self, params: torch.Tensor) -> torch.Tensor:
        """Quantile values (..., n_targets, Q) at levels ``self.levels``."""
        return params

    def loss(self, params, target, reduction: str = "mean") -> torch.Tensor:
        """Pinball loss ``max(q e, (q - 1) e)`` with ``e = target - quantile``, (..., N, Q)."""
        self._check_target(target, params.shape[:-2])
        error = target.unsqueeze(-1) - params  # (..., N, Q)
        levels = torch.tensor(self.levels, dtype=params.dtype, device=params.device)  # (Q,)
        return _reduce(torch.maximum(levels * error, (levels - 1.0) * error), reduction)

    def point(self, params: torch.Tensor) -> torch.Tensor:
        return params[..., self.median_index]  # (..., N)


class GaussianHead(Head):
    """Independent Gaussians: params (..., n_targets, 2) hold the mean and the std.

    The std is ``softplus(raw) + min_std`` so it stays positive.
    """

    def __init__(self, n_targets: int, min_std: float = 1e-4) -> None:
        super().__init__()
        self.n_targets = n_targets
        self.min_std = min_std
        self.n_outputs = 2 * n_targets

    def extra_repr(self) -> str:
        return f"n_targets={self.n_targets}, min_std={self.min_std}"

    def transform(self, raw: torch.Tensor) -> torch.Tensor:
        mean = raw[..., : self.n_targets]  # (..., N)
        std = F.softplus(raw[..., self.n_targets :]) + self.min_std  # (..., N)
        return torch.stack([mean, std], dim=-1)  # (..., N, 2)

    def mean_std(self, params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and the standard deviation, each (..., n_targets)."""
        return params[..., 0], params[..., 1]

    def loss(self, params, target, reduction: str = "mean") -> torch.Tensor:
        """Negative log-likelihood ``log(sigma) + 0.5 log(2 pi) + (y - mu)^2 / (2 sigma^2)``."""
        self._check_target(target, params.shape[:-2])
        mean, std = self.mean_std(params)
        nll = torch.log(std) + 0.5 * math.log(2 * math.pi) + 0.5 * ((target - mean) / std) ** 2
        return _reduce(nll, reduction)

    def point(self, params: torch.Tensor) -> torch.Tensor:
        return params[..., 0]


class ClassHead(Head):
    """Class logits trained with cross-entropy; the point prediction is the argmax class.

    Targets hold class indices, shaped (...,) or (..., 1), integer or integral float.
    """

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.n_outputs = n_classes
        self.n_targets = 1

    def extra_repr(self) -> str:
        return f"n_classes={self.n_classes}"

    def size(self) -> int:
        return self.n_classes

    def probs(self, params: torch.Tensor) -> torch.Tensor:
        """Class probabilities (..., n_classes)."""
        return torch.softmax(params, dim=-1)

    def _labels(self, params: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        if target.ndim == params.ndim and target.shape[-1] == 1:
            target = target.squeeze(-1)
        if tuple(target.shape) != tuple(params.shape[:-1]):
            raise InputError(
                f"{name}.loss: target should be shaped {tuple(params.shape[:-1])} (or with a "
                f"trailing 1), got {tuple(target.shape)}"
            )
        if target.is_floating_point() and not bool((target == target.round()).all()):
            raise InputError(f"{name}.loss: target holds non-integer class ids")
        labels = target.long()
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.n_outputs):
            raise InputError(f"{name}.loss: target ids must lie in [0, {self.n_outputs})")
        return labels

    def loss(self, params, target, reduction: str = "mean") -> torch.Tensor:
        """Cross-entropy ``-log softmax(params)[target]``, shaped (...,) before reduction."""
        labels = self._labels(params, target)  # (...)
        log_probs = torch.log_softmax(params, dim=-1)  # (..., C)
        nll = -log_probs.gather(-1, labels.unsqueeze(-1)).squeeze(-1)  # (...)
        return _reduce(nll, reduction)

    def point(self, params: torch.Tensor) -> torch.Tensor:
        """The most likely class id as a float (..., 1)."""
        return params.argmax(dim=-1, keepdim=True).to(params.dtype)


class ItemScoreHead(ClassHead):
    """Scores over a catalogue of items (next-item ranking), trained with full softmax."""

    def __init__(self, n_items: int) -> None:
        super().__init__(n_items)
        self.n_items = n_items

    def extra_repr(self) -> str:
        return f"n_items={self.n_items}"

    def top_k(self, params: torch.Tensor, k: int) -> torch.Tensor:
        """Ids of the ``k`` best-scored items, best first (..., k)."""
        return params.topk(k, dim=-1).indices


_HEADS = {
    "point": PointHead,
    "quantile": QuantileHead,
    "gaussian": GaussianHead,
    "class": ClassHead,
    "items": ItemScoreHead,
}


def make_head(spec: str | Head | None, n_targets: int) -> Head:
    """Build a head from a name or check an instance.

    Parameters
    ----------
    spec : {None, "point", "quantile", "gaussian", "class", "items"} or Head
        ``None`` means ``"point"``. For ``"class"`` and ``"items"``, ``n_targets``
        is the number of classes or items.
    n_targets : int
        Targets per step (or classes / items, see above).

    Returns
    -------
    Head
        A new head, or ``spec`` itself when it is a :class:`Head` of matching size.
    """
    if spec is None:
        spec = "point"
    if isinstance(spec, Head):
        if spec.size() != n_targets:
            raise InputError(
                f"make_head: {type(spec).__name__} has size {spec.size()} but the encoder "
                f"has output_size={n_targets}"
            )
        return spec
    if not isinstance(spec, str) or spec not in _HEADS:
        raise InputError(f"make_head: unknown head {spec!r}; use one of {sorted(_HEADS)}")
    return _HEADS[spec](n_targets)
