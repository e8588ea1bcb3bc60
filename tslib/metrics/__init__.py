"""Evaluation metrics: forecasting, VaR/ES backtests, RUL, detection and ranking.

Every function takes array-likes, validates them (raising
:class:`tslib.errors.InputError` that names the bad argument) and returns plain
Python numbers, dicts or numpy arrays.
"""

from tslib.metrics.comparison import diebold_mariano
from tslib.metrics.detection import (
    alarm_times,
    detection_delay,
    event_metrics,
    event_segments,
    false_alarms_per_unit_time,
    point_adjust,
    precision_recall_f1,
    roc_auc,
    unit_alarm_summary,
)
from tslib.metrics.forecasting import (
    crps_from_quantiles,
    crps_gaussian,
    interval_coverage,
    interval_width,
    mae,
    mase,
    pinball_loss,
    rmse,
    smape,
)
from tslib.metrics.paired_bootstrap import paired_bootstrap
from tslib.metrics.probability import brier_score, brier_skill_score, reliability_table
from tslib.metrics.ranking import (
    hit_rate_at_k,
    metrics_from_ranks,
    mrr,
    ndcg_at_k,
    per_user_ranking_metrics,
    rank_bounds,
    rank_targets,
    ranking_metrics,
    sampled_ranking_metrics,
    sampled_ranks,
)
from tslib.metrics.risk import (
    acerbi_szekely_z2,
    christoffersen_independence,
    conditional_coverage,
    exceedance_rate,
    kupiec_pof,
    mcneil_frey_es_test,
    var_exceedances,
)
from tslib.metrics.rul import nasa_score, rul_rmse
from tslib.metrics.variance import qlike, qlike_losses, volatility_dm_test

__all__ = [
    # forecasting
    "mae",
    "rmse",
    "mase",
    "smape",
    "pinball_loss",
    "crps_from_quantiles",
    "crps_gaussian",
    "interval_coverage",
    "interval_width",
    # probability forecasts and forecast comparison
    "brier_score",
    "brier_skill_score",
    "reliability_table",
    "diebold_mariano",
    # risk
    "var_exceedances",
    "exceedance_rate",
    "kupiec_pof",
    "christoffersen_independence",
    "conditional_coverage",
    "mcneil_frey_es_test",
    "acerbi_szekely_z2",
    "qlike",
    "qlike_losses",
    "volatility_dm_test",
    # rul
    "rul_rmse",
    "nasa_score",
    # detection
    "precision_recall_f1",
    "roc_auc",
    "alarm_times",
    "detection_delay",
    "false_alarms_per_unit_time",
    "event_segments",
    "event_metrics",
    "point_adjust",
    "unit_alarm_summary",
    # ranking
    "rank_targets",
    "per_user_ranking_metrics",
    "hit_rate_at_k",
    "ndcg_at_k",
    "mrr",
    "ranking_metrics",
    "sampled_ranking_metrics",
    "rank_bounds",
    "metrics_from_ranks",
    "sampled_ranks",
    # paired comparison
    "paired_bootstrap",
]
