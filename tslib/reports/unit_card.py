"""The card a run-to-failure notebook prints: its units, cycles, sensors and repairs.

A fleet dataset (C-MAPSS, the equipment simulator) has frames indexed by
``(unit, cycle)``; its card says, per frame, how many units and cycles it holds and
how long the units run, then the sensor and setting counts, the target and the repairs
made on load. Every line is deterministic (fit for ``# NBVAL_CHECK_OUTPUT``).

Examples
--------
>>> import tslib as ts
>>> data = ts.load("equipment_sim", n_units=4, n_test_units=3, seed=0)
>>> print(unit_data_card(data, "simulated"))  # doctest: +ELLIPSIS
dataset: equipment_sim (simulated), frequency: ...
train: 4 units, ... cycles, ... cycles per unit
test: 3 units, ...
sensors: 21, operating settings: 3, target: rul
repairs: none
"""

from __future__ import annotations

import pandas as pd

from tslib.datasets.base import LoadedDataset
from tslib.errors import InputError

__all__ = ["unit_data_card"]


def _frame_line(name: str, frame: pd.DataFrame) -> str:
    size = frame.groupby(level=0).size()
    return (
        f"{name}: {len(size)} units, {int(size.sum())} cycles, "
        f"{int(size.min())}..{int(size.max())} cycles per unit"
    )


def unit_data_card(
    data: LoadedDataset, subset: str, frames: tuple[str, ...] = ("train", "test")
) -> str:
    """Lines describing a fleet dataset as loaded.

    Parameters
    ----------
    data : LoadedDataset
        What :func:`tslib.load` returned for a fleet dataset (``frames`` indexed by
        ``(unit, cycle)``, ``info.targets[0]`` the RUL).
    subset : str
        The subset shown next to the dataset's name (``"FD001"``, ``"simulated"``).
    frames : tuple of str
        The frames of ``data.frames`` to describe, one line each.

    Returns
    -------
    str
        ``dataset: ...``, one line per frame, ``sensors: ...``, ``repairs: ...``.

    Raises
    ------
    InputError
        Not a LoadedDataset, or a frame it does not hold.
    """
    if not isinstance(data, LoadedDataset):
        raise InputError(f"unit_data_card: expected a LoadedDataset, got {type(data).__name__}")
    missing = [name for name in frames if name not in (data.frames or {})]
    if missing:
        raise InputError(f"unit_data_card: the dataset has no frames {missing}")
    columns = data.frames[frames[0]].columns
    sensors = [c for c in columns if c.startswith("sensor_")]
    settings = [c for c in columns if c.startswith("op_setting_")]
    return "\n".join(
        [
            f"dataset: {data.info.name} ({subset}), frequency: {data.info.frequency}",
            *(_frame_line(name, data.frames[name]) for name in frames),
            f"sensors: {len(sensors)}, operating settings: {len(settings)}, "
            f"target: {data.info.targets[0]}",
            f"repairs: {data.repairs or 'none'}",
        ]
    )
