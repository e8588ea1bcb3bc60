"""A replay's live forecasts against persistence, stream by stream, on observed targets.

After :func:`tslib.replay` of forecast streams, the first question is whether the live
model beats "the next value equals the last one". :func:`replay_against_persistence`
answers it per stream, in data units, scoring only targets that were observed (a filled
cell of the grid is never scored).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from tslib.preprocess import prepare_forecast_data
>>> frame = pd.DataFrame({"temp": np.arange(20.0)}, pd.date_range("2020", periods=20, freq="D"))
>>> d = prepare_forecast_data(frame, "temp", test_fraction=0.2, val_fraction=0.2)
>>> live = pd.DataFrame({"stream": "a", "y_true": np.arange(16.0, 20.0), "y_pred": 17.5})
>>> replay_against_persistence(live, {"a": d}).to_dict("records")
[{'stream': 'a', 'ticks': 4, 'MAE replay': 1.0, 'MAE persistence': 1.0}]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tslib.errors import InputError
from tslib.preprocess.forecast_data import ForecastData

__all__ = ["replay_against_persistence"]


def replay_against_persistence(
    live: pd.DataFrame, data: Mapping[str, ForecastData]
) -> pd.DataFrame:
    """Mean absolute error of the replay and of persistence, per stream.

    Parameters
    ----------
    live : pandas.DataFrame
        Replay rows (``stream, y_true, y_pred``) in data units, one per test row of each
        stream, in time order, as :func:`tslib.replay` returns with ``target_transform``.
    data : mapping of str to ForecastData
        The prepared data of each stream; its test span is what was replayed.

    Returns
    -------
    pandas.DataFrame
        One row per stream: ``stream, ticks, MAE replay, MAE persistence``; persistence
        predicts the previous grid value of the target (forward-filled where it was missing).

    Raises
    ------
    InputError
        A column is missing, or a stream's row count is not its test span's length.
    """
    missing = [c for c in ("stream", "y_true", "y_pred") if c not in live.columns]
    if missing:
        raise InputError(f"replay_against_persistence: live frame lacks columns {missing}")
    table = []
    for name, d in data.items():
        rows = live[live["stream"] == name]
        n_test = len(d.inputs) - d.test_start
        if len(rows) != n_test:
            raise InputError(f"stream {name!r}: {len(rows)} replay rows, test span has {n_test}")
        observed = ~d.missing[d.target].to_numpy()[d.test_start :]  # (n_test,)
        y_true = rows["y_true"].to_numpy()  # (n_test,)
        errors = {
            "MAE replay": y_true - rows["y_pred"].to_numpy(),
            "MAE persistence": y_true - d.raw[d.target].to_numpy()[d.test_start - 1 : -1],
        }
        mae = {key: float(np.abs(error)[observed].mean()) for key, error in errors.items()}
        table.append({"stream": name, "ticks": len(rows), **mae})
    return pd.DataFrame(table)
