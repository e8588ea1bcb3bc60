"""Model compression for stepwise encoders, measured by what it buys per step.

* :mod:`~tslib.compression.structured`: remove hidden units (:func:`prune_units`,
  :func:`unit_importance`); the result is an ordinary, smaller encoder whose step
  does less work;
* :mod:`~tslib.compression.distill`: fine-tune the pruned student towards the
  teacher's outputs and the targets (:func:`distill`);
* :mod:`~tslib.compression.precision`: native bf16 / int8 support of the CPU
  (:func:`precision_support`) and a bf16 / fp16 copy (:func:`reduced_precision`);
* :mod:`~tslib.compression.bf16_native`: an opt-in native bf16 LSTM step on CPUs with
  AVX512-BF16 (:func:`bf16_native`, :func:`bf16_native_support`);
* :mod:`~tslib.compression.quantize`: torch dynamic int8 (:func:`quantize_dynamic_int8`);
* :mod:`~tslib.compression.magnitude`: unstructured pruning (:func:`prune_magnitude`);
* :mod:`~tslib.compression.measures`, :mod:`~tslib.compression.latency` and
  :mod:`~tslib.compression.pareto`: size, error, step latency, and the table of all
  methods (:func:`compressed_variants`) side by side (:func:`pareto_table`).
"""

from tslib.compression.bf16_native import Bf16NativeEncoder, bf16_native, bf16_native_support
from tslib.compression.distill import distill, teacher_outputs
from tslib.compression.latency import step_latency, stepper
from tslib.compression.magnitude import prune_magnitude, sparsity
from tslib.compression.measures import model_size_bytes, one_step_mse
from tslib.compression.pareto import PARETO_COLUMNS, pareto_table
from tslib.compression.precision import (
    PrecisionSupport,
    cpu_flags,
    precision_support,
    reduced_precision,
)
from tslib.compression.quantize import QuantizedRecurrentEncoder, quantize_dynamic_int8
from tslib.compression.structured import GATES, prune_units, unit_importance
from tslib.compression.variants import DISTILL_DEFAULTS, compressed_variants

__all__ = [
    "Bf16NativeEncoder",
    "DISTILL_DEFAULTS",
    "GATES",
    "PARETO_COLUMNS",
    "PrecisionSupport",
    "QuantizedRecurrentEncoder",
    "bf16_native",
    "bf16_native_support",
    "compressed_variants",
    "cpu_flags",
    "distill",
    "model_size_bytes",
    "one_step_mse",
    "pareto_table",
    "precision_support",
    "prune_magnitude",
    "prune_units",
    "quantize_dynamic_int8",
    "reduced_precision",
    "sparsity",
    "step_latency",
    "stepper",
    "teacher_outputs",
    "unit_importance",
]
