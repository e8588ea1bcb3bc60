"""Calibrated uncertainty: intervals with coverage guarantees.

* :class:`SplitConformal` (:mod:`tslib.calibration.split_conformal`): split-conformal
  intervals, with calibration scores grouped by unit for run-to-failure data.
"""

from tslib.calibration.split_conformal import SplitConformal, conformal_quantile

__all__ = ["SplitConformal", "conformal_quantile"]
