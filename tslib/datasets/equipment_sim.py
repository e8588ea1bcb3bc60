r"""Simulated run-to-failure equipment in the C-MAPSS layout (``equipment_sim``).

Generative model for unit :math:`u` at cycle :math:`c = 1 .. L_u`:

.. math::

    L_u &\sim U\{\text{min\_life} .. \text{max\_life}\},\quad
        o_u = \text{round}(q_u L_u),\ q_u \sim U(0.2, 0.6),\quad
        \lambda_u \sim U(2, 5),\quad \varphi_u \sim U\{0 .. F-1\}\\
    h_u(c) &= 0 \ (c \le o_u), \qquad
        h_u(c) = \frac{e^{\lambda_u (c - o_u)/(L_u - o_u)} - 1}{e^{\lambda_u} - 1}\ (c > o_u)
        \qquad\text{(health index; } h_u(L_u) = 1 \text{ at failure)}\\
    r_{u,c} &\sim U\{0 .. K-1\} \qquad\text{(operating regime)}\\
    \text{op}_{u,c} &= \text{centre}_{r_{u,c}} + \text{N}(0, \text{op\_noise}^2)\\
    \text{sensor}_{j}(u,c) &= m_{j, r_{u,c}} + \kappa_{\varphi_u, j}\,h_u(c)
        + \sigma_j\,\varepsilon_{u,c,j}\\
    \text{rul}_{u,c} &= L_u - c, \qquad \text{fault}_{u,c} = 0 \ (c \le o_u),\
        \varphi_u + 1 \ (c > o_u)

with 21 sensors; base levels :math:`\beta_j = 10^{U(0.5, 3.5)}`, regime means
:math:`m_{j,r} = \beta_j (1 + 0.1 z_{j,r})` (:math:`m_{j,0} = \beta_j` when
:math:`K = 1`), noise :math:`\sigma_j = 0.002 \beta_j`, and fault signatures
:math:`\kappa_{\varphi, j} = \pm U(4, 12)\,\sigma_j` with a random quarter of
them zero for each fault mode. Sensors 1, 5, 6, 10, 16, 18 and 19 have
:math:`\sigma_j = \kappa_{\cdot,j} = 0`, so they are constant within a regime,
as in C-MAPSS.

Frames match :func:`tslib.datasets.cmapss.load_cmapss`: ``train`` (the main
frame) indexed by ``(unit, cycle)`` with ``op_setting_1..3``, ``sensor_1..21``
and ``rul``; with ``n_test_units > 0`` also ``test`` (units cut at
:math:`c^*_u \sim U\{\lceil 0.3 L_u\rceil .. L_u - 1\}`) and ``rul`` (true RUL at
the cut). ``truth`` keys: ``units`` / ``test_units`` (life, onset, rate,
fault_mode, [cut]), ``health`` / ``fault`` / ``regime`` and their ``test_``
versions (Series on the frame index), ``sensitivity`` (fault mode x sensor),
``regime_means`` (regime x sensor), ``noise_std``, ``regime_settings``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from tslib.datasets.base import DatasetInfo, LoadedDataset, register, reject_path
from tslib.datasets.cmapss import OP_SETTINGS, SENSORS
from tslib.errors import InputError

__all__ = ["equipment_sim", "health_index", "CONSTANT_SENSORS"]

#: sensors with no noise and no fault signature (constant within a regime)
CONSTANT_SENSORS = [
    "sensor_1",
    "sensor_5",
    "sensor_6",
    "sensor_10",
    "sensor_16",
    "sensor_18",
    "sensor_19",
]
_OP_NOISE = np.array([0.002, 0.0002, 0.0])  # std of op settings around the regime centre

EQUIPMENT_SIM_INFO = DatasetInfo(
    name="equipment_sim",
    domain="equipment",
    kind="simulated",
    frequency="cycle",
    targets=("rul",),
    units={"cycle": "cycles", "rul": "cycles"},
    source="tslib.datasets.equipment_sim (simulated)",
    licence="MIT (generated data)",
    citation="tslib equipment simulator",
    description="Run-to-failure units in the C-MAPSS layout: operating regimes, sensor noise, "
    "healthy then exponential degradation, true RUL and fault labels.",
)


def health_index(cycles: np.ndarray, life: int, onset: int, rate: float) -> np.ndarray:
    """h(c): 0 up to ``onset``, then ``(exp(rate (c - onset)/(life - onset)) - 1)/(exp(rate) - 1)``."""
    progress = np.clip((cycles - onset) / (life - onset), 0.0, None)
    return np.expm1(rate * progress) / math.expm1(rate)


@register(EQUIPMENT_SIM_INFO)
def equipment_sim(
    n_units: int = 20,
    seed: int = 0,
    *,
    n_regimes: int = 3,
    n_fault_modes: int = 2,
    n_test_units: int = 0,
    min_life: int = 120,
    max_life: int = 300,
    path: str | Path | None = None,
) -> LoadedDataset:
    """Simulate run-to-failure units (model in the module docstring).

    Parameters
    ----------
    n_units : int
        Training units, run to failure.
    seed : int
        Seed; the same seed gives the same data.
    n_regimes : int
        Operating regimes K (1 behaves like FD001/FD003, 6 like FD002/FD004).
    n_fault_modes : int
        Fault modes F (each with its own sensor signature).
    n_test_units : int
        Extra units cut before failure, returned as ``test`` and ``rul`` frames.
    min_life, max_life : int
        Range of the life length in cycles.
    path : None
        Not used (simulators read no files).
    """
    reject_path(EQUIPMENT_SIM_INFO.name, path)
    if n_units < 1 or n_regimes < 1 or n_fault_modes < 1 or n_test_units < 0:
        raise InputError("equipment_sim: need n_units, n_regimes, n_fault_modes >= 1")
    if not 10 <= min_life <= max_life:
        raise InputError("equipment_sim: need 10 <= min_life <= max_life")
    rng = np.random.default_rng(seed)
    n_sensors = len(SENSORS)
    constant = np.isin(SENSORS, CONSTANT_SENSORS)  # (J,)
    base = 10.0 ** rng.uniform(0.5, 3.5, n_sensors)  # (J,)
    if n_regimes == 1:
        regime_means = base[None, :]  # (K, J)
        centres = np.array([[0.0, 0.0, 100.0]])  # (K, 3)
    else:
        regime_means = base[None, :] * (1 + 0.1 * rng.standard_normal((n_regimes, n_sensors)))
        centres = np.column_stack(
            [
                rng.uniform(0.0, 42.0, n_regimes),
                rng.uniform(0.0, 0.84, n_regimes),
                rng.choice([60.0, 100.0], n_regimes),
            ]
        )
    noise_std = np.where(constant, 0.0, 0.002 * base)  # (J,)
    signs = rng.choice([-1.0, 1.0], (n_fault_modes, n_sensors))
    active = (rng.random((n_fault_modes, n_sensors)) >= 0.25) & ~constant  # (F, J)
    sensitivity = signs * rng.uniform(4.0, 12.0, (n_fault_modes, n_sensors)) * noise_std * active

    model = (rng, regime_means, centres, noise_std, sensitivity, min_life, max_life)
    train, train_truth = _simulate_units(model, n_units, cut=False)
    truth = {
        **train_truth,
        "sensitivity": pd.DataFrame(sensitivity, columns=SENSORS).rename_axis("fault_mode"),
        "regime_means": pd.DataFrame(regime_means, columns=SENSORS).rename_axis("regime"),
        "noise_std": pd.Series(noise_std, index=SENSORS, name="noise_std"),
        "regime_settings": pd.DataFrame(centres, columns=OP_SETTINGS).rename_axis("regime"),
    }
    frames = {"train": train}
    if n_test_units:
        test, test_truth = _simulate_units(model, n_test_units, cut=True)
        truth.update({f"test_{key}": value for key, value in test_truth.items()})
        units = truth["test_units"]
        frames["test"] = test
        frames["rul"] = (units["life"] - units["cut"]).rename("rul").to_frame()
    return LoadedDataset(frame=train, info=EQUIPMENT_SIM_INFO, frames=frames, truth=truth)


def _simulate_units(model: tuple, n_units: int, *, cut: bool) -> tuple[pd.DataFrame, dict]:
    rng, regime_means, centres, noise_std, sensitivity, min_life, max_life = model
    n_regimes, n_sensors = regime_means.shape
    blocks, health, fault, regimes, rows = [], [], [], [], []
    for unit in range(1, n_units + 1):
        life = int(rng.integers(min_life, max_life + 1))
        onset = int(round(rng.uniform(0.2, 0.6) * life))
        rate = float(rng.uniform(2.0, 5.0))
        mode = int(rng.integers(0, sensitivity.shape[0]))
        last = int(rng.integers(math.ceil(0.3 * life), life)) if cut else life
        cycles = np.arange(1, last + 1)  # (C,)
        h = health_index(cycles, life, onset, rate)  # (C,)
        regime = rng.integers(0, n_regimes, last)  # (C,)
        ops = centres[regime] + rng.standard_normal((last, 3)) * _OP_NOISE  # (C, 3)
        sensors = (
            regime_means[regime]
            + h[:, None] * sensitivity[mode][None, :]
            + rng.standard_normal((last, n_sensors)) * noise_std[None, :]
        )  # (C, J)
        block = pd.DataFrame(np.column_stack([ops, sensors]), columns=[*OP_SETTINGS, *SENSORS])
        block.index = pd.MultiIndex.from_arrays(
            [np.full(last, unit), cycles], names=["unit", "cycle"]
        )
        block["rul"] = life - cycles
        blocks.append(block)
        health.append(h)
        fault.append(np.where(cycles > onset, mode + 1, 0))
        regimes.append(regime)
        rows.append(
            {
                "unit": unit,
                "life": life,
                "onset": onset,
                "rate": rate,
                "fault_mode": mode,
                **({"cut": last} if cut else {}),
            }
        )
    frame = pd.concat(blocks)
    truth = {
        "units": pd.DataFrame(rows).set_index("unit"),
        "health": pd.Series(np.concatenate(health), index=frame.index, name="health"),
        "fault": pd.Series(np.concatenate(fault), index=frame.index, name="fault"),
        "regime": pd.Series(np.concatenate(regimes), index=frame.index, name="regime"),
    }
    return frame, truth
