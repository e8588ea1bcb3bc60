"""Classical baselines that run side by side with the deep models, stepwise.

Every baseline shares ``fit`` / ``update`` / ``apply`` / ``clone`` /
``get_params`` / ``is_fitted`` and says its family in ``kind`` (see
:mod:`tslib.baselines.base`); the families keep their own read-out verbs:

* ``kind = "forecaster"`` (:class:`Forecaster`: ``forecast`` /
  ``forecast_interval`` / ``forecast_quantiles``): :class:`NaiveForecaster`,
  :class:`SeasonalNaiveForecaster`, :class:`SarimaxForecaster`, :class:`ETSForecaster`;
* ``kind = "risk"`` (:class:`RiskModel`: ``var_es`` / ``run``): :class:`GarchVaR`,
  :class:`HistoricalVaR`, :class:`RiskMetricsVaR`, :class:`NormalVaR`;
* ``kind = "ranker"`` (:class:`Ranker`: ``score`` / ``seen_mask``):
  :class:`PopularityRanker`, :class:`MarkovChainRanker`, :class:`ItemKNNRanker`;
* ``kind = "detector"`` (:class:`Detector`: ``step`` / ``run``):
  :class:`ThresholdDetector`, :class:`CusumDetector`.

:data:`BASELINE_REGISTRY` maps a short name to each class; the contract tests run
over all of them.
"""

from tslib.baselines.base import (
    BASELINE_KINDS,
    BASELINE_REGISTRY,
    Baseline,
    Forecaster,
    register_baseline,
)
from tslib.baselines.climatology import ClimatologyForecaster
from tslib.baselines.detectors import CusumDetector, Detector, ThresholdDetector
from tslib.baselines.fourier import fourier_terms, seasonal_fourier_orders
from tslib.baselines.naive import NaiveForecaster, SeasonalNaiveForecaster
from tslib.baselines.ranking import ItemKNNRanker, MarkovChainRanker, PopularityRanker, Ranker
from tslib.baselines.riskmetrics import NormalVaR, RiskMetricsVaR
from tslib.baselines.sarimax_gaps import GapSarimaxForecaster
from tslib.baselines.statespace import ETSForecaster, SarimaxForecaster
from tslib.baselines.volatility import GarchVaR, HistoricalVaR, RiskModel

__all__ = [
    "Baseline",
    "BASELINE_KINDS",
    "BASELINE_REGISTRY",
    "register_baseline",
    "Forecaster",
    "RiskModel",
    "Ranker",
    "Detector",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "SarimaxForecaster",
    "ETSForecaster",
    "GapSarimaxForecaster",
    "ClimatologyForecaster",
    "fourier_terms",
    "seasonal_fourier_orders",
    "GarchVaR",
    "HistoricalVaR",
    "RiskMetricsVaR",
    "NormalVaR",
    "PopularityRanker",
    "MarkovChainRanker",
    "ItemKNNRanker",
    "ThresholdDetector",
    "CusumDetector",
]
