"""Stepwise encoders: ``forward`` over a sequence equals iterated ``step``.

Importing this package registers every built-in encoder in :data:`ENCODER_REGISTRY`:
``"recurrent"`` (RNN / LSTM / GRU), ``"transformer"`` (sliding-window causal
transformer with a ring-buffer KV cache), ``"next_item"`` (GRU4Rec-style ranking) and
``"sasrec"`` (SASRec-style self-attentive ranking).
"""

from tslib.encoders.base import ENCODER_REGISTRY, State, StepEncoder, register_encoder
from tslib.encoders.heads import (
    ClassHead,
    GaussianHead,
    Head,
    ItemScoreHead,
    PointHead,
    QuantileHead,
    make_head,
)
from tslib.encoders.next_item import NextItemEncoder
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.encoders.sasrec import SASRecEncoder
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.encoders.zoo import FORECASTER_KINDS, make_forecaster

__all__ = [
    "ENCODER_REGISTRY",
    "State",
    "StepEncoder",
    "register_encoder",
    "Head",
    "PointHead",
    "QuantileHead",
    "GaussianHead",
    "ClassHead",
    "ItemScoreHead",
    "make_head",
    "RecurrentEncoder",
    "CausalTransformerEncoder",
    "NextItemEncoder",
    "SASRecEncoder",
    "FORECASTER_KINDS",
    "make_forecaster",
]
