"""Classical baselines that run side by side with the deep models, stepwise where possible.

* forecasting (:class:`~tslib.baselines.base.Forecaster` interface: ``fit`` /
  ``update`` / ``forecast`` / ``forecast_interval`` / ``forecast_quantiles``):
  :class:`NaiveForecaster`, :class:`SeasonalNaiveForecaster`,
  :class:`SarimaxForecaster`, :class:`ETSForecaster`;
* risk (``fit`` / ``update`` / ``var_es`` / ``run``): :class:`GarchVaR`,
  :class:`HistoricalVaR`;
* next-item ranking (``fit`` / ``update`` / ``score`` / ``seen_mask``):
  :class:`PopularityRanker`, :class:`MarkovChainRanker`, :class:`ItemKNNRanker`;
* detection (``fit`` / ``step`` / ``run``): :class:`ThresholdDetector`,
  :class:`CusumDetector`.
"""

from tslib.baselines.base import Forecaster
from tslib.baselines.detectors import CusumDetector, ThresholdDetector
from tslib.baselines.naive import NaiveForecaster, SeasonalNaiveForecaster
from tslib.baselines.ranking import ItemKNNRanker, MarkovChainRanker, PopularityRanker
from tslib.baselines.statespace import ETSForecaster, SarimaxForecaster
from tslib.baselines.volatility import GarchVaR, HistoricalVaR

__all__ = [
    "Forecaster",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "SarimaxForecaster",
    "ETSForecaster",
    "GarchVaR",
    "HistoricalVaR",
    "PopularityRanker",
    "MarkovChainRanker",
    "ItemKNNRanker",
    "ThresholdDetector",
    "CusumDetector",
]
