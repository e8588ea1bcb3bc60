"""The cards a forecasting notebook prints: the data as loaded (source, licence, citation, size,
span, repairs) and the grid it prepared from it (split sizes, horizons, what was repaired).

Examples
--------
>>> import tslib as ts
>>> print(data_card("seattle_weather", ts.load("seattle_weather"), "temp_max"))  # doctest: +ELLIPSIS
== seattle_weather: Daily Seattle weather 2012-2015: ...
source: vega_datasets.data.seattle_weather()
...
repairs on load: none
"""

from __future__ import annotations

from collections.abc import Sequence

from tslib.datasets.base import LoadedDataset
from tslib.errors import InputError
from tslib.preprocess.forecast_data import ForecastData
from tslib.preprocess.regular import infer_step

__all__ = ["data_card", "grid_card"]


def data_card(name: str, dataset: LoadedDataset, target: str) -> str:
    """Lines describing ``dataset`` as loaded: its card, shape, span, units, target and repairs.

    Parameters
    ----------
    name : str
        The name the notebook uses for it (the registry name).
    dataset : LoadedDataset
        What :func:`tslib.datasets.load` returned.
    target : str
        The column the notebook forecasts.

    Returns
    -------
    str
        Eight lines, deterministic for a given file (fit for ``# NBVAL_CHECK_OUTPUT``).
    """
    if not isinstance(dataset, LoadedDataset):
        raise InputError(f"data_card: expected a LoadedDataset, got {type(dataset).__name__}")
    info, frame = dataset.info, dataset.frame
    return "\n".join(
        [
            f"== {name}: {info.description}",
            f"source: {info.source}",
            f"licence: {info.licence}",
            f"citation: {info.citation}",
            f"size: {frame.shape[0]} rows x {frame.shape[1]} columns {list(frame.columns)}",
            f"span: {frame.index[0]} .. {frame.index[-1]}, step {infer_step(frame.index)}",
            f"units: {dict(info.units) or 'not given'}; target: {target!r}",
            f"repairs on load: {dataset.repairs or 'none'}",
        ]
    )


def grid_card(name: str, data: ForecastData, horizons: Sequence[int]) -> str:
    """Lines describing a prepared grid: target, variables, step, split sizes and repairs.

    Parameters
    ----------
    name : str
        The part's name.
    data : ForecastData
        What :func:`~tslib.preprocess.forecast_data.prepare_forecast_data` returned.
    horizons : sequence of int
        The horizons the notebook scores on it.

    Returns
    -------
    str
        Two lines, then one per repair message (``" - ..."``).
    """
    if not isinstance(data, ForecastData):
        raise InputError(f"grid_card: expected ForecastData, got {type(data).__name__}")
    lines = [
        f"== {name}: target {data.target!r}, variables {data.variables}, step {data.step}",
        f"grid {len(data.inputs)} rows: train {data.n_train}, validation {data.n_val}, "
        f"test {len(data.inputs) - data.test_start} (from {data.index[data.test_start]}); "
        f"horizons {list(horizons)}",
    ]
    return "\n".join([*lines, *(f" - {message}" for message in data.messages)])
