"""Training of stepwise encoders: seeded, early-stopped, teacher-forced on windows.

The data format is a pair ``(x (N, T, F), y (N, T, n_targets))`` of windows in
time order (see :mod:`tslib.training.data`), cut by :func:`make_windows` (one
builder for every layout, :mod:`tslib.training.windows`); the loss is the model head's loss
(see :mod:`tslib.training.loss`); :func:`fit` returns a history frame and leaves
the best weights in the model; :func:`save_weights` / :func:`load_weights` keep
weights in safetensors files.
"""

from tslib.training.checkpoint import load_weights, save_weights
from tslib.training.data import (
    SequenceData,
    as_sequence_data,
    iter_batches,
    split_windows_by_time,
)
from tslib.training.fit import fit, progress_enabled
from tslib.training.loss import LossFn, evaluate_loss, sequence_loss
from tslib.training.masked_loss import masked_mse
from tslib.training.seeding import seed_everything, seeded
from tslib.training.weighted_loss import weighted_head_loss
from tslib.training.windows import UnitSequences, make_windows

__all__ = [
    "fit",
    "make_windows",
    "weighted_head_loss",
    "evaluate_loss",
    "sequence_loss",
    "LossFn",
    "SequenceData",
    "as_sequence_data",
    "iter_batches",
    "split_windows_by_time",
    "save_weights",
    "load_weights",
    "seed_everything",
    "seeded",
    "progress_enabled",
    "UnitSequences",
    "masked_mse",
]
