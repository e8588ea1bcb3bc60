"""traffic_sim outages: whole stretches without readings, listed in the ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from tslib.datasets import load
from tslib.errors import InputError


def test_outages_blank_the_listed_stretches_and_leave_the_rest_unchanged():
    plain = load("traffic_sim", n_sensors=3, days=20, seed=4)
    with_outages = load("traffic_sim", n_sensors=3, days=20, seed=4, n_outages=2)
    assert plain.truth["outages"].empty
    outages = with_outages.truth["outages"]
    assert len(outages) == 2
    blanked = np.zeros(plain.frame.shape[0], dtype=bool)
    for sensor, start, end in outages[["sensor", "start", "end"]].itertuples(index=False):
        rows = (with_outages.frame.index >= start) & (with_outages.frame.index <= end)
        assert rows.sum() >= 30  # at least the shortest outage (30 h), unless cut by the end
        assert with_outages.frame.loc[rows, sensor].isna().all()
        assert not with_outages.truth["mask"].loc[rows, sensor].any()
        blanked |= rows
    # everything else, and the clean signal, is the plain simulation
    np.testing.assert_array_equal(
        with_outages.truth["clean"].to_numpy(), plain.truth["clean"].to_numpy()
    )
    observed = with_outages.truth["mask"].to_numpy()
    np.testing.assert_array_equal(
        with_outages.frame.iloc[:, :3].to_numpy()[observed],
        plain.frame.iloc[:, :3].to_numpy()[observed],
    )


def test_bad_outage_arguments_are_input_errors():
    with pytest.raises(InputError, match="n_outages"):
        load("traffic_sim", n_outages=-1)
    with pytest.raises(InputError, match="outage_hours"):
        load("traffic_sim", n_outages=1, outage_hours=(5.0, 2.0))
