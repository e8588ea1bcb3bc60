"""Simulators: deterministic by seed, and their frames follow the documented equations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tslib.datasets as tds
from tslib.datasets.equipment_sim import CONSTANT_SENSORS, health_index
from tslib.datasets.traffic_sim import TRAFFIC_PARAMS, daily_profile, weekly_profile
from tslib.errors import InputError


@pytest.fixture(scope="module")
def traffic():
    return tds.traffic_sim(n_sensors=5, days=21, seed=3)


@pytest.fixture(scope="module")
def equipment():
    return tds.equipment_sim(n_units=12, seed=4, n_regimes=1, n_test_units=6)


@pytest.fixture(scope="module")
def sessions():
    return tds.sessions_sim(n_users=60, n_items=80, seed=5)


@pytest.mark.parametrize("name", ["traffic_sim", "equipment_sim", "sessions_sim"])
def test_same_seed_same_data_other_seed_other_data(name):
    first, again, other = (tds.load(name, seed=s) for s in (0, 0, 1))
    pd.testing.assert_frame_equal(first.frame, again.frame)
    assert not first.frame.equals(other.frame)


# --- traffic_sim ----------------------------------------------------------------------------


def test_traffic_missing_readings_follow_mask(traffic):
    sensors = list(traffic.info.targets)
    observed, clean, mask = traffic.frame[sensors], traffic.truth["clean"], traffic.truth["mask"]
    assert observed.isna().equals(~mask)
    np.testing.assert_array_equal(
        observed.to_numpy()[mask.to_numpy()], clean.to_numpy()[mask.to_numpy()]
    )
    assert clean.notna().all().all()
    assert 0.005 < (~mask).to_numpy().mean() < 0.04  # missing_rate 0.02


def test_traffic_baseline_from_covariates_by_hand(traffic):
    frame, truth = traffic.frame, traffic.truth
    stamp = pd.Timestamp("2024-01-09 08:00")  # Tuesday, rush hour, no holiday
    rain, temp = frame.loc[stamp, "rain_mm"], frame.loc[stamp, "temp_c"]
    shape = (0.2 + 1.0 + 0.9 * np.exp(-81 / 8)) * np.exp(-0.08 * rain - 0.01 * max(0.0, -temp))
    expected = shape * truth["capacity"]
    np.testing.assert_allclose(truth["baseline"].loc[stamp], expected.to_numpy(), rtol=1e-12)
    assert daily_profile(np.array([8.0]))[0] == pytest.approx(1.2 + 0.9 * np.exp(-81 / 8))
    assert weekly_profile(np.array([0, 5, 6])).tolist() == [1.0, 0.75, 0.6]


def test_traffic_holidays_are_us_federal(traffic):
    holiday_days = traffic.frame.index[traffic.frame["holiday"] == 1].normalize().unique()
    assert list(holiday_days) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-15")]


def test_traffic_incident_drop_and_recovery(traffic):
    effect = traffic.truth["incident_effect"]
    incidents = traffic.truth["incidents"]
    alone = incidents.groupby("sensor").filter(lambda g: len(g) == 1)
    row = alone.iloc[0]
    column, start = row["sensor"], row["start"]
    assert effect.loc[start, column] == pytest.approx(1 - row["depth"])
    one_hour = start + pd.Timedelta("1h")
    assert effect.loc[one_hour, column] == pytest.approx(
        1 - row["depth"] * np.exp(-1 / row["recovery_hours"])
    )
    assert (effect.loc[: start - pd.Timedelta("1h"), column] == 1.0).all()
    untouched = [c for c in effect if c not in set(incidents["sensor"])]
    assert (effect[untouched] == 1.0).all().all()


def test_traffic_noise_is_ar1_and_sensors_share_a_factor(traffic):
    truth = traffic.truth
    log_ratio = np.log(truth["clean"] / (truth["baseline"] * truth["incident_effect"]))
    noise = log_ratio.to_numpy() - np.outer(truth["factor"], truth["loadings"])  # (T, S)
    lag1 = np.mean([np.corrcoef(noise[1:, s], noise[:-1, s])[0, 1] for s in range(noise.shape[1])])
    assert lag1 == pytest.approx(TRAFFIC_PARAMS["noise_ar_per_hour"], abs=0.08)
    innovations = noise[1:] - 0.5 * noise[:-1]
    assert innovations.std() == pytest.approx(TRAFFIC_PARAMS["noise_std"], rel=0.1)
    correlation = np.corrcoef(log_ratio.to_numpy().T)
    assert correlation[np.triu_indices(5, 1)].min() > 0.6  # the shared factor dominates


def test_traffic_sub_hourly_frequency():
    ds = tds.traffic_sim(n_sensors=2, days=2, freq="15min", seed=0)
    assert len(ds.frame) == 2 * 96 and ds.info.frequency == "15min"
    with pytest.raises(InputError, match="freq"):
        tds.traffic_sim(freq="M")


# --- equipment_sim --------------------------------------------------------------------------


def test_health_index_by_hand():
    h = health_index(np.array([3, 5, 7, 9]), life=9, onset=5, rate=np.log(3))
    np.testing.assert_allclose(h, [0.0, 0.0, (np.sqrt(3) - 1) / 2, 1.0])


def test_equipment_rul_health_and_fault_labels(equipment):
    frame, truth = equipment.frame, equipment.truth
    units = truth["units"]
    cycles = frame.index.get_level_values("cycle").to_numpy()
    life = units["life"].reindex(frame.index.get_level_values("unit")).to_numpy()
    onset = units["onset"].reindex(frame.index.get_level_values("unit")).to_numpy()
    mode = units["fault_mode"].reindex(frame.index.get_level_values("unit")).to_numpy()
    np.testing.assert_array_equal(frame["rul"], life - cycles)
    assert (frame.groupby(level="unit")["rul"].last() == 0).all()
    assert (truth["health"][cycles <= onset] == 0).all()
    np.testing.assert_allclose(truth["health"][frame["rul"].to_numpy() == 0], 1.0)
    np.testing.assert_array_equal(truth["fault"], np.where(cycles > onset, mode + 1, 0))


def test_equipment_sensors_follow_the_model(equipment):
    frame, truth = equipment.frame, equipment.truth
    mode = truth["units"]["fault_mode"].reindex(frame.index.get_level_values("unit")).to_numpy()
    signature = truth["sensitivity"].to_numpy()[mode]  # (N, J)
    mean = truth["regime_means"].to_numpy()[truth["regime"].to_numpy()]  # (N, J)
    sensors = [f"sensor_{j}" for j in range(1, 22)]
    residual = frame[sensors].to_numpy() - mean - truth["health"].to_numpy()[:, None] * signature
    noisy = truth["noise_std"].to_numpy() > 0
    np.testing.assert_allclose(residual.std(axis=0)[noisy], truth["noise_std"][noisy], rtol=0.1)
    np.testing.assert_allclose(residual[:, ~noisy], 0.0, atol=1e-9)
    assert tds.constant_sensors(frame) == CONSTANT_SENSORS  # one regime: constant, as in FD001


def test_equipment_test_split_like_cmapss(equipment):
    test, rul, units = (
        equipment.frames["test"],
        equipment.frames["rul"],
        equipment.truth["test_units"],
    )
    assert list(rul.index) == list(range(1, 7))
    np.testing.assert_array_equal(rul["rul"], units["life"] - units["cut"])
    assert (units["cut"] < units["life"]).all()
    last = test.groupby(level="unit")["rul"].last()
    np.testing.assert_array_equal(last, rul["rul"])
    assert list(test.columns) == list(equipment.frame.columns)


def test_equipment_regimes_make_sensors_vary():
    ds = tds.equipment_sim(n_units=4, seed=0, n_regimes=3, min_life=30, max_life=40)
    assert ds.truth["regime"].nunique() == 3
    assert tds.constant_sensors(ds.frame) == []  # regime means differ, as in FD002


# --- sessions_sim ---------------------------------------------------------------------------


def test_sessions_frame_like_movielens_sorted(sessions):
    frame = sessions.frame
    assert list(frame.columns) == ["user", "item", "rating", "timestamp", "datetime", "session"]
    order = np.lexsort((frame["timestamp"], frame["user"]))
    np.testing.assert_array_equal(order, np.arange(len(frame)))
    assert frame["rating"].between(1, 5).all()
    assert (frame["datetime"] == pd.to_datetime(frame["timestamp"], unit="s")).all()


def test_sessions_recovered_from_gaps(sessions):
    frame, gap = sessions.frame, sessions.truth["session_gap"].total_seconds()
    new_user = frame["user"].diff().fillna(1).ne(0)
    long_gap = frame["timestamp"].diff().fillna(0).gt(gap)
    recovered = (new_user | long_gap).cumsum() - 1
    np.testing.assert_array_equal(recovered, frame["session"])


def test_sessions_popularity_and_probability_tables(sessions):
    truth = sessions.truth
    ranked = np.sort(truth["popularity"])[::-1]
    assert ranked[0] / ranked[1] == pytest.approx(2**1.1)
    assert ranked[0] / ranked[3] == pytest.approx(4**1.1)
    transition = truth["transition"]
    np.testing.assert_allclose(transition.sum(axis=1), 1.0)
    assert ((transition > 0).sum(axis=1) == 5).all() and np.diag(transition).max() == 0
    np.testing.assert_allclose(truth["preference"].sum(axis=1), 1.0)


def test_sessions_followed_events_use_the_transitions(sessions):
    frame, truth = sessions.frame, sessions.truth
    same_session = frame["session"].to_numpy()[1:] == frame["session"].to_numpy()[:-1]
    previous, item = frame["item"].to_numpy()[:-1], frame["item"].to_numpy()[1:]
    followed = truth["followed"][1:]
    assert not truth["followed"][np.r_[True, ~same_session]].any()  # session starts use taste
    assert (truth["transition"][previous[followed], item[followed]] > 0).all()
    rate = followed[same_session].mean()
    spread = 4 * np.sqrt(0.25 / same_session.sum())
    assert rate == pytest.approx(truth["follow_prob"], abs=spread)


def test_sessions_ratings_track_taste(sessions):
    frame, truth = sessions.frame, sessions.truth
    affinity = np.sum(
        truth["user_factors"][frame["user"]] * truth["item_factors"][frame["item"]], axis=1
    )
    assert np.corrcoef(affinity, frame["rating"])[0, 1] > 0.6
