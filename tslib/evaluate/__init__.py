"""Evaluation that reuses state: rolling-origin backtests and live replays.

* :func:`backtest` advances deep models through a runner and classical
  forecasters through ``update``, one step per observation, and returns tidy
  forecasts; :func:`summarize` turns them into metric tables.
* :func:`replay` feeds test streams through a runner as if live (predict, then
  observe), with delayed labels and a latency budget; it drains
  :func:`iter_replay`; streams can start warm from a history.
* Backtests refuse any forecast that would read the future (see
  :mod:`tslib.evaluate.look_ahead`); with ``target_transform`` every result is
  in data units (:mod:`tslib.evaluate.units`).
"""

from tslib.evaluate.backtest import backtest
from tslib.evaluate.forecast_backtest import BACKTEST_COLUMNS, forecast_backtest, origins_of
from tslib.evaluate.forecast_scorers import FORECAST_SCORERS, forecast_scorers
from tslib.evaluate.forecast_spec import ForecastSpec
from tslib.evaluate.next_item_task import LeaveLastOutTasks, NextItemTask, leave_last_out_tasks
from tslib.evaluate.paired_tests import paired_dm_test
from tslib.evaluate.winners import metric_winners
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
