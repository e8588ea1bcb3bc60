"""Write synthetic C-MAPSS files in NASA's exact text layout (for notebook and loader tests).

The numbers come from :func:`tslib.datasets.equipment_sim` (simulated, not NASA
data), rescaled so every sensor sits at its real FD001 level, and are written the
way NASA's files are (GUIDE section 5, checked against the real excerpts in
tests/fixtures/datasets/cmapss):

* ``train_FD00k.txt`` / ``test_FD00k.txt``: space-separated, no header, 26 columns
  ``unit cycle op_setting_1..3 sensor_1..21``, each line ending in two spaces;
  ``op_setting_1/2`` with 4 decimals (so ``-0.0000`` occurs), ``op_setting_3``
  with 1, sensors 15 and 21 with 4, sensors 17 and 18 as integers, the rest with 2;
* sensors 1, 5, 6, 10, 16, 18 and 19 constant within an operating condition;
* training units run to failure; test units stop before failure;
* ``RUL_FD00k.txt``: one line per test unit, an integer and one trailing space.

FD001/FD003-style subsets have one operating condition; FD002/FD004-style ones
fly each cycle at one of NASA's six conditions (altitude, Mach, throttle angle).
FD003/FD004-style ones have two fault modes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import tslib.datasets as tds
from tslib.datasets.cmapss import CMAPSS_COLUMNS, OP_SETTINGS, SENSORS

__all__ = ["write_cmapss_fixture", "FD001_LEVELS", "SIX_CONDITIONS"]

#: sensor levels of the first line of NASA's train_FD001.txt
FD001_LEVELS = np.array(
    [518.67, 641.82, 1589.70, 1400.60, 14.62, 21.61, 554.36, 2388.06, 9046.19, 1.30, 47.47,
     521.66, 2388.02, 8138.62, 8.4195, 0.03, 392.0, 2388.0, 100.00, 39.06, 23.4190]
)  # fmt: skip
#: the six (altitude kft, Mach, throttle resolver angle) conditions of FD002 / FD004
SIX_CONDITIONS = np.array(
    [[0.0, 0.0, 100.0], [10.0, 0.25, 100.0], [20.0, 0.70, 100.0],
     [25.0, 0.62, 60.0], [35.0, 0.84, 100.0], [42.0, 0.84, 100.0]]
)  # fmt: skip
_DECIMALS = {"op_setting_1": 4, "op_setting_2": 4, "op_setting_3": 1, "sensor_15": 4,
             "sensor_17": 0, "sensor_18": 0, "sensor_21": 4}  # fmt: skip


def _format_table(frame: pd.DataFrame) -> str:
    """NASA layout: 26 space-separated columns, two trailing spaces per line."""
    columns = []
    for name in CMAPSS_COLUMNS:
        values = frame[name].to_numpy()
        if name in ("unit", "cycle"):
            columns.append(values.astype(np.int64).astype(str))
        else:
            decimals = _DECIMALS.get(name, 2)
            text = [f"{v:.{decimals}f}" for v in values]
            columns.append(np.array(text))
    lines = [" ".join(row) + "  " for row in zip(*columns)]
    return "\n".join(lines) + "\n"


def _as_nasa_frame(
    frame: pd.DataFrame, regime: pd.Series, truth: dict, six: bool, rng
) -> pd.DataFrame:
    base = truth["regime_means"].to_numpy().mean(axis=0)  # (21,)
    out = frame.reset_index()
    out[SENSORS] = frame[SENSORS].to_numpy() / base * FD001_LEVELS  # real FD001 levels
    if six:  # NASA's conditions replace the simulator's random ones (same regime per row)
        noise = rng.standard_normal((len(out), 3)) * [0.002, 0.0002, 0.0]
        out[OP_SETTINGS] = SIX_CONDITIONS[regime.to_numpy()] + noise
    return out


def write_cmapss_fixture(
    folder: str | Path,
    subset: str = "FD001",
    n_train: int = 40,
    n_test: int = 25,
    seed: int = 0,
    min_life: int = 128,
    max_life: int = 300,
) -> dict[str, Path]:
    """Write ``train_<subset>.txt``, ``test_<subset>.txt`` and ``RUL_<subset>.txt`` into ``folder``.

    Returns
    -------
    dict
        ``{"train", "test", "rul"}`` -> path.
    """
    six = subset in ("FD002", "FD004")
    dataset = tds.load(
        "equipment_sim",
        n_units=n_train,
        n_test_units=n_test,
        n_regimes=6 if six else 1,
        n_fault_modes=2 if subset in ("FD003", "FD004") else 1,
        min_life=min_life,
        max_life=max_life,
        seed=seed,
    )
    truth, rng = dataset.truth, np.random.default_rng(seed + 1)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "train": folder / f"train_{subset}.txt",
        "test": folder / f"test_{subset}.txt",
        "rul": folder / f"RUL_{subset}.txt",
    }
    train = _as_nasa_frame(dataset.frames["train"], truth["regime"], truth, six, rng)
    test = _as_nasa_frame(dataset.frames["test"], truth["test_regime"], truth, six, rng)
    paths["train"].write_text(_format_table(train))
    paths["test"].write_text(_format_table(test))
    final = dataset.frames["rul"]["rul"].to_numpy()
    paths["rul"].write_text("".join(f"{int(r)} \n" for r in final))
    return paths
