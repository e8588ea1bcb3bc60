"""Online calibration of risk forecasts: adaptive conformal inference on any VaR stream."""

from tslib.calibration.aci import AdaptiveConformal, aci_coverage_bound, calibrate_var

__all__ = ["AdaptiveConformal", "calibrate_var", "aci_coverage_bound"]
