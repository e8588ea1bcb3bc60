"""Causal, stepwise preprocessing: every transform's ``step`` equals its ``transform``.

Importing this package registers every transform in :data:`TRANSFORM_REGISTRY`.
"""

from tslib.preprocess.base import TRANSFORM_REGISTRY, StepTransform, register_transform, run_steps
from tslib.preprocess.calendar_features import CalendarFeatures
from tslib.preprocess.denoise import EWMASmoother, RollingMedian
from tslib.preprocess.differencing import Difference, LogReturn, undifference
from tslib.preprocess.forecast_data import ForecastData, prepare_forecast_data
from tslib.preprocess.imputation import EWMAFill, ForwardFill, PastMeanFill, TrainValueFill
from tslib.preprocess.outliers import HampelFilter, IQRClip
from tslib.preprocess.pipeline import Pipeline
from tslib.preprocess.regular import RegularFrame, regularize
from tslib.preprocess.scaling import MinMaxScaler, RobustScaler, StandardScaler
from tslib.preprocess.sequence_split import (
    SequenceSplit,
    leave_last_out_split,
    order_events,
    tie_summary,
)
from tslib.preprocess.splits import rolling_origin, split_by_unit, train_val_test_split
from tslib.preprocess.volatility_features import VolatilityFeatures

__all__ = [
    "TRANSFORM_REGISTRY",
    "StepTransform",
    "register_transform",
    "run_steps",
    "ForwardFill",
    "PastMeanFill",
    "EWMAFill",
    "TrainValueFill",
    "HampelFilter",
    "IQRClip",
    "EWMASmoother",
    "RollingMedian",
    "StandardScaler",
    "RobustScaler",
    "MinMaxScaler",
    "Difference",
    "LogReturn",
    "undifference",
    "CalendarFeatures",
    "train_val_test_split",
    "rolling_origin",
    "split_by_unit",
    "order_events",
    "tie_summary",
    "leave_last_out_split",
    "SequenceSplit",
    "Pipeline",
    "RegularFrame",
    "ForecastData",
    "prepare_forecast_data",
    "regularize",
    "VolatilityFeatures",
]
