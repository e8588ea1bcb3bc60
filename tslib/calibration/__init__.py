"""Calibrated uncertainty: intervals and VaR streams with coverage guarantees.

* :class:`SplitConformal` (:mod:`tslib.calibration.split_conformal`): split-conformal
  intervals, with calibration scores grouped by unit for run-to-failure data.
* :class:`AdaptiveConformal` and :func:`calibrate_var` (:mod:`tslib.calibration.aci`):
  adaptive conformal inference (Gibbs & Candès, 2021) on top of any VaR stream,
  long-run coverage under regime shifts.
"""

from tslib.calibration.aci import AdaptiveConformal, aci_coverage_bound, calibrate_var
from tslib.calibration.split_conformal import SplitConformal, conformal_quantile

__all__ = [
    "SplitConformal",
    "conformal_quantile",
    "AdaptiveConformal",
    "calibrate_var",
    "aci_coverage_bound",
]
