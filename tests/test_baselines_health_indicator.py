"""HealthIndicator, detect_by_unit and indicator_alarms: the classical detectors of notebook 04."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from tslib.baselines import CusumDetector, ThresholdDetector
from tslib.baselines.health_indicator import HealthIndicator, detect_by_unit, indicator_alarms
from tslib.errors import DataError, InputError, NotFittedError
from tslib.preprocess import EWMASmoother


def _fleet(n_units: int = 4, seed: int = 0) -> pd.DataFrame:
    """Units whose two sensors drift (one up, one down) as their RUL runs out."""
    rng = np.random.default_rng(seed)
    parts = []
    for unit in range(1, n_units + 1):
        life = 40 + 10 * unit
        rul = np.arange(life - 1, -1, -1, dtype=float)
        wear = np.exp(-rul / 15.0)  # grows near failure
        index = pd.MultiIndex.from_product(
            [[unit], np.arange(1, life + 1)], names=["unit", "cycle"]
        )
        parts.append(pd.DataFrame({
            "up": wear + rng.normal(0, 0.05, life), "down": -2 * wear + rng.normal(0, 0.05, life),
            "rul": rul}, index=index))  # fmt: skip
    return pd.concat(parts)


def test_indicator_is_the_first_component_signed_to_grow_with_wear():
    frame = _fleet()
    indicator = HealthIndicator(["up", "down"]).fit(frame, frame["rul"])
    hi = indicator.transform(frame)
    assert list(hi.columns) == ["hi"] and hi.index.equals(frame.index)
    component = PCA(n_components=1).fit(frame[["up", "down"]]).transform(frame[["up", "down"]])
    np.testing.assert_allclose(np.abs(hi["hi"]), np.abs(component[:, 0]))
    assert np.corrcoef(hi["hi"], frame["rul"])[0, 1] < -0.5  # grows as the RUL falls
    flipped = frame.assign(up=-frame["up"], down=-frame["down"])
    again = HealthIndicator(["up", "down"]).fit(flipped, flipped["rul"]).transform(flipped)
    assert np.corrcoef(again["hi"], frame["rul"])[0, 1] < -0.5  # whatever the sensors' signs


def test_detect_by_unit_resets_the_detector_for_every_unit():
    frame = _fleet()
    signal = frame["up"]
    detector = CusumDetector(0.5, 5.0, side="upper").fit(
        signal[frame.index.get_level_values(1) <= 20]
    )
    alarms = detect_by_unit(detector, signal)
    assert [a.size for a in alarms] == frame.groupby(level=0).size().tolist()
    for unit, found in zip(frame.index.unique(level=0), alarms):
        fresh = CusumDetector(0.5, 5.0, side="upper").fit(
            signal[frame.index.get_level_values(1) <= 20]
        )
        np.testing.assert_array_equal(found, fresh.run(signal.loc[unit].to_numpy()))
    assert all(a.dtype == bool and a[-1] and not a[:5].any() for a in alarms)
    with pytest.raises(InputError, match=r"\(unit, cycle\)"):
        detect_by_unit(detector, signal.reset_index(drop=True))


def test_indicator_alarms_equal_the_pipeline_written_out():
    train, test = _fleet(4, seed=1), _fleet(3, seed=2)
    settings = {
        "healthy_cycles": 20,
        "threshold_z": 3.0,
        "smoothing": 0.2,
        "cusum_k": 0.5,
        "cusum_h": 5.0,
    }
    alarms, signals = indicator_alarms(train, test, ["up", "down"], train["rul"], **settings)
    assert list(alarms) == ["threshold", "cusum"] and list(signals) == ["threshold", "cusum"]
    indicator = HealthIndicator(["up", "down"]).fit(train, train["rul"])
    hi_train, hi_test = indicator.transform(train), indicator.transform(test)
    smoother = EWMASmoother(alpha=0.2, columns=["hi"]).fit(hi_train)
    healthy = train.index.get_level_values(1) <= 20
    threshold = ThresholdDetector(3.0, side="upper").fit(
        smoother.transform(hi_train)["hi"][healthy]
    )
    cusum = CusumDetector(0.5, 5.0, side="upper").fit(hi_train["hi"][healthy])
    smooth_test = smoother.transform(hi_test)["hi"]
    pd.testing.assert_series_equal(signals["threshold"], smooth_test)
    pd.testing.assert_series_equal(signals["cusum"], hi_test["hi"])
    for found, expected in zip(alarms["threshold"], detect_by_unit(threshold, smooth_test)):
        np.testing.assert_array_equal(found, expected)
    for found, expected in zip(alarms["cusum"], detect_by_unit(cusum, hi_test["hi"])):
        np.testing.assert_array_equal(found, expected)
    with pytest.raises(DataError, match="fewer than 2"):
        one = train.loc[[1]]  # one unit: a single healthy cycle
        indicator_alarms(one, test, ["up", "down"], one["rul"], healthy_cycles=1)


def test_bad_input_names_the_problem():
    frame = _fleet()
    with pytest.raises(NotFittedError):
        HealthIndicator(["up"]).transform(frame)
    with pytest.raises(InputError, match="at least one column"):
        HealthIndicator([]).fit(frame, frame["rul"])
    with pytest.raises(InputError, match="rul has 3 values"):
        HealthIndicator(["up"]).fit(frame, [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="'zz'"):
        HealthIndicator(["zz"]).fit(frame, frame["rul"])
    gappy = frame.copy()
    gappy.iloc[4, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        HealthIndicator(["up"]).fit(gappy, gappy["rul"])
