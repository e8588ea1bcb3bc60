"""Datasets: real data (offline, downloaded once, or the user's file) and simulators.

>>> import tslib.datasets as tds
>>> tds.list(domain="finance")
['nasdaq', 'sp500']
>>> ds = tds.load("traffic_sim", n_sensors=2, days=2, seed=0)
>>> ds.frame.shape, ds.info.targets
((48, 5), ('sensor_00', 'sensor_01'))

``load(name, **kw)`` returns a :class:`LoadedDataset` (``frame``, ``frames``,
``info``, ``truth``, ``repairs``); see :mod:`tslib.datasets.base`. Public files
are read from ``path=`` or the data cache (:mod:`tslib.datasets.cache`), and
downloaded there once with a verified, atomic :func:`fetch`.
"""

from __future__ import annotations

from tslib.datasets import finance, jena, metro, movielens, seattle, user_csv  # noqa: F401
from tslib.datasets.base import (
    DatasetInfo,
    LoadedDataset,
    info,
    list_datasets,
    load,
    register,
)
from tslib.datasets.cache import RemoteFile, data_dir
from tslib.datasets.cmapss import constant_sensors, load_cmapss
from tslib.datasets.download import fetch
from tslib.datasets.equipment_sim import equipment_sim
from tslib.datasets.sessions_sim import sessions_sim
from tslib.datasets.traffic_sim import traffic_sim

#: ``tslib.datasets.list()``; kept out of ``__all__`` so ``import *`` never shadows the builtin
list = list_datasets

__all__ = [
    "DatasetInfo",
    "LoadedDataset",
    "RemoteFile",
    "constant_sensors",
    "data_dir",
    "equipment_sim",
    "fetch",
    "info",
    "list_datasets",
    "load",
    "load_cmapss",
    "register",
    "sessions_sim",
    "traffic_sim",
]
