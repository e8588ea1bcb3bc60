r"""A risk head: a Student-t predictive distribution plus monotone tail quantiles.

For each target the encoder's last layer emits ``3 + Q`` raw values, mapped to

* ``loc`` (identity), ``scale = softplus(.) + min_scale`` and
  ``df = min_df + softplus(. + df_offset)`` of a location-scale Student-t;
* ``Q`` quantiles at ``levels`` (e.g. 1 % and 5 %), increasing: the lowest is
  :math:`\Phi^{-1}(\tau_1)` plus a free value, each next one adds a softplus step
  (initialised at the normal's spacing).

The loss is the Student-t negative log-likelihood plus ``quantile_weight`` times
the mean pinball loss of the quantiles, so one network is trained for the whole
distribution (volatility, tail shape) and for the VaR levels directly.

Examples
--------
>>> import torch
>>> head = StudentTQuantileHead(n_targets=1, quantiles=(0.01, 0.05))
>>> params = head.transform(torch.zeros(4, 5))  # (B=4, 1 * (3 + 2))
>>> params.shape
torch.Size([4, 1, 5])
>>> bool((params[..., 3] < params[..., 4]).all())
True
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from scipy import stats

from tslib.encoders.heads import Head
from tslib.errors import InputError

__all__ = ["StudentTQuantileHead"]


def _inverse_softplus(value: float) -> float:
    return value + math.log(-math.expm1(-value))


class StudentTQuantileHead(Head):
    """Student-t distribution and tail quantiles per target (see the module docstring).

    Parameters
    ----------
    n_targets : int
        Targets per step.
    quantiles : tuple of float
        Increasing quantile levels in (0, 1), e.g. ``(0.01, 0.05)`` for VaR.
    quantile_weight : float
        Weight of the mean pinball loss added to the negative log-likelihood.
    min_scale : float
        Lower bound of the scale.
    min_df : float
        Lower bound of the degrees of freedom (> 2 keeps the variance finite).
    df_offset : float
        Added to the raw df value, so a zero output starts near ``min_df + df_offset``.
    """

    def __init__(
        self,
        n_targets: int = 1,
        quantiles: tuple[float, ...] = (0.01, 0.05),
        quantile_weight: float = 1.0,
        min_scale: float = 1e-3,
        min_df: float = 2.1,
        df_offset: float = 5.0,
    ) -> None:
        super().__init__()
        levels = tuple(float(q) for q in quantiles)
        if not levels or any(not 0.0 < q < 1.0 for q in levels):
            raise InputError(f"StudentTQuantileHead: quantiles must lie in (0, 1), got {quantiles}")
        if any(b <= a for a, b in zip(levels, levels[1:])):
            raise InputError(f"StudentTQuantileHead: quantiles must increase, got {quantiles}")
        if min_df <= 2.0 or min_scale <= 0.0 or quantile_weight < 0.0:
            raise InputError(
                "StudentTQuantileHead: min_df must exceed 2, min_scale be positive and "
                "quantile_weight non-negative"
            )
        self.n_targets = n_targets
        self.levels = levels
        self.quantile_weight = quantile_weight
        self.min_scale = min_scale
        self.min_df = min_df
        self.df_offset = df_offset
        self.n_outputs = n_targets * (3 + len(levels))
        normal = [float(stats.norm.ppf(q)) for q in levels]
        self._first = normal[0]
        self._step_offsets = [_inverse_softplus(b - a) for a, b in zip(normal, normal[1:])]

    def extra_repr(self) -> str:
        return f"n_targets={self.n_targets}, quantiles={self.levels}"

    def transform(self, raw: torch.Tensor) -> torch.Tensor:
        raw = raw.unflatten(-1, (self.n_targets, 3 + len(self.levels)))  # (..., N, 3 + Q)
        loc = raw[..., 0]  # (..., N)
        scale = F.softplus(raw[..., 1]) + self.min_scale  # (..., N)
        df = F.softplus(raw[..., 2] + self.df_offset) + self.min_df  # (..., N)
        quantiles = [raw[..., 3] + self._first]
        for k, offset in enumerate(self._step_offsets):
            quantiles.append(quantiles[-1] + F.softplus(raw[..., 4 + k] + offset))
        return torch.stack([loc, scale, df, *quantiles], dim=-1)  # (..., N, 3 + Q)

    def distribution(self, params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(loc, scale, df)``, each (..., n_targets)."""
        return params[..., 0], params[..., 1], params[..., 2]

    def quantiles(self, params: torch.Tensor) -> torch.Tensor:
        """Quantile values (..., n_targets, Q) at ``self.levels``."""
        return params[..., 3:]

    def log_prob(self, params: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Student-t log-density of ``target`` (..., n_targets)."""
        loc, scale, df = self.distribution(params)
        z = (target - loc) / scale  # (..., N)
        return (
            torch.lgamma((df + 1.0) / 2.0)
            - torch.lgamma(df / 2.0)
            - 0.5 * torch.log(df * math.pi)
            - torch.log(scale)
            - (df + 1.0) / 2.0 * torch.log1p(z * z / df)
        )

    def loss(self, params, target, reduction: str = "mean") -> torch.Tensor:
        """NLL plus ``quantile_weight`` x mean pinball loss, shaped (..., N) before reduction."""
        self._check_target(target, params.shape[:-2])
        nll = -self.log_prob(params, target)  # (..., N)
        error = target.unsqueeze(-1) - self.quantiles(params)  # (..., N, Q)
        levels = torch.tensor(self.levels, dtype=params.dtype, device=params.device)  # (Q,)
        pinball = torch.maximum(levels * error, (levels - 1.0) * error).mean(dim=-1)  # (..., N)
        values = nll + self.quantile_weight * pinball
        if reduction == "mean":
            return values.mean()
        if reduction == "none":
            return values
        raise InputError(f"unknown loss reduction {reduction!r}; use 'mean' or 'none'")

    def point(self, params: torch.Tensor) -> torch.Tensor:
        """The location (..., n_targets)."""
        return params[..., 0]
