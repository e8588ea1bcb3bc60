"""Evaluation: two verbs for every kind of model.

* :func:`backtest` scores forecasts made at past origins and returns one tidy frame
  (predictions, or with ``scorers=`` one row per group and a column per scorer);
* :func:`replay` predicts, then observes, live, over many streams through one
  :class:`~tslib.runner.StepwiseRunner`, with label delay, a latency budget and stream
  lifecycle, and returns ``(frame, summary)``.

Both dispatch to the :class:`EvaluationProtocol` that accepts the model and the data
(:func:`protocols` lists them): ``risk`` (VaR/ES models over :class:`RiskStream` returns),
``segments`` (multi-horizon forecasters over :class:`Segments` with gaps), ``units`` (RUL
regressors over a unit frame), ``ranking`` (next-item rankers over a
:class:`NextItemTask`) and ``forecast`` (point and probabilistic forecasters over one
series). :func:`score` turns any prediction frame into the score table. Backtests refuse
any forecast that would read the future (:mod:`tslib.evaluate.look_ahead`); with
``target_transform`` results are in data units (:mod:`tslib.evaluate.units`).
"""

from tslib.evaluate.backtest import backtest
from tslib.evaluate.forecast_backtest import BACKTEST_COLUMNS, forecast_backtest, origins_of
from tslib.evaluate.forecast_scorers import FORECAST_SCORERS, forecast_scorers
from tslib.evaluate.forecast_spec import ForecastSpec
from tslib.evaluate.next_item_task import LeaveLastOutTasks, NextItemTask, leave_last_out_tasks
from tslib.evaluate.paired_tests import paired_dm_test
from tslib.evaluate.protocols import EvaluationProtocol, protocol_for, protocols
from tslib.evaluate.ranking_replay import RankingReplayResult
from tslib.evaluate.ranking_walk import ranking_scorers
from tslib.evaluate.replay import replay
from tslib.evaluate.risk_data import RiskStream
from tslib.evaluate.risk_report import RISK_SCORERS
from tslib.evaluate.scoring import score
from tslib.evaluate.seasons import rmse_by_season
from tslib.evaluate.segments import SEGMENT_SCORERS, Segments
from tslib.evaluate.stream_replay import ReplayResult, iter_replay, stream_replay, summarize_replay
from tslib.evaluate.summary import METRICS, summarize
from tslib.evaluate.unit_comparison import paired_unit_bootstrap
from tslib.evaluate.unit_walk import UNIT_SCORERS
from tslib.evaluate.units import target_inverse, to_data_units
from tslib.evaluate.winners import metric_winners

__all__ = [
    "RiskStream",
    "RISK_SCORERS",
    "backtest",
    "replay",
    "score",
    "Segments",
    "SEGMENT_SCORERS",
    "UNIT_SCORERS",
    "paired_unit_bootstrap",
    "EvaluationProtocol",
    "protocols",
    "protocol_for",
    "forecast_backtest",
    "stream_replay",
    "origins_of",
    "BACKTEST_COLUMNS",
    "summarize",
    "METRICS",
    "iter_replay",
    "summarize_replay",
    "ReplayResult",
    "target_inverse",
    "to_data_units",
    "ForecastSpec",
    "forecast_scorers",
    "FORECAST_SCORERS",
    "paired_dm_test",
    "metric_winners",
    "rmse_by_season",
    "NextItemTask",
    "LeaveLastOutTasks",
    "leave_last_out_tasks",
    "ranking_scorers",
    "RankingReplayResult",
]
