"""Stepwise encoders: ``forward`` over a sequence equals iterated ``step``."""

from tslib.encoders.base import ENCODER_REGISTRY, State, StepEncoder, register_encoder

__all__ = ["ENCODER_REGISTRY", "State", "StepEncoder", "register_encoder"]
