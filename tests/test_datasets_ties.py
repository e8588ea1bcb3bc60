"""Same-second ties in interaction logs: the MovieLens loader's tie order, the simulator's
ties and no-repeat mode, and its exact next-item distribution (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

import tslib.datasets as tds
from tslib.datasets.cache import DATA_DIR_ENV
from tslib.datasets.movielens import parse_ratings
from tslib.datasets.sessions_sim import next_item_distribution
from tslib.errors import InputError


@pytest.fixture(autouse=True)
def isolated_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "cache"))


def tied_udata(n_users: int = 300) -> bytes:
    """u.data lines where each user's last two ratings share a second, written by item id."""
    lines = []
    for user in range(1, n_users + 1):
        lines += [f"{user}\t{500 + user}\t3\t{1000 + user}", f"{user}\t5\t4\t{2000 + user}"]
        lines += [f"{user}\t6\t2\t{2000 + user}"]
    return ("\n".join(reversed(lines)) + "\n").encode()


def test_movielens_ties_random_by_default_file_on_request():
    content = tied_udata()
    by_file, repairs = parse_ratings(content, ties="file")
    last = by_file.groupby("user")["item"].last()
    assert (last == 5).all()  # reversed file: item 6 line comes first, so 5 is last
    assert any("600 event(s) share their second" in r and "file order" in r for r in repairs)
    by_chance, repairs = parse_ratings(content)
    share = (by_chance.groupby("user")["item"].last() == 5).mean()
    assert 0.4 < share < 0.6
    assert any("random order (seed 0)" in r for r in repairs)
    again, _ = parse_ratings(content, seed=0)
    other, _ = parse_ratings(content, seed=1)
    assert again.equals(by_chance) and not other.equals(by_chance)
    with pytest.raises(InputError, match="ties must be one of"):
        parse_ratings(content, ties="item")


def test_movielens_loader_passes_ties_and_infers_the_variant(tmp_path):
    udata = tmp_path / "u.data"
    udata.write_bytes(tied_udata(20))
    ratings = tmp_path / "one" / "ratings.dat"
    ratings.parent.mkdir()
    ratings.write_text("5::2571::4::978200100\n5::1210::5::978200100\n12::1::2::978100000\n")
    loaded = tds.load("movielens", path=udata, variant="auto", ties="file")
    assert len(loaded.frame) == 60 and any("file order" in r for r in loaded.repairs)
    one = tds.load("movielens", path=ratings.parent, variant="auto", ties="file").frame
    assert one["item"].tolist() == [2571, 1210, 1]
    with pytest.raises(InputError, match="variant='auto' needs path"):
        tds.load("movielens", variant="auto")


def test_simulator_ties_keep_true_order_and_sessions():
    plain = tds.sessions_sim(n_users=40, n_items=100, seed=2)
    tied = tds.sessions_sim(n_users=40, n_items=100, seed=2, tie_share=0.5)
    assert not plain.frame.duplicated(["user", "timestamp"]).any()
    share = tied.frame.duplicated(["user", "timestamp"]).mean()
    assert 0.2 < share < 0.6
    frame = tied.frame
    np.testing.assert_array_equal(
        np.lexsort((frame["timestamp"], frame["user"])), np.arange(len(frame))
    )
    with pytest.raises(InputError, match="tie_share"):
        tds.sessions_sim(tie_share=1.0)


def test_simulator_without_repeats_never_repeats_and_raises_when_exhausted():
    data = tds.sessions_sim(n_users=50, n_items=60, seed=1, allow_repeats=False)
    assert not data.frame.duplicated(["user", "item"]).any()
    assert tds.sessions_sim(n_users=50, n_items=60, seed=1).frame.duplicated(["user", "item"]).any()
    with pytest.raises(InputError, match="consumed every item"):
        tds.sessions_sim(n_users=3, n_items=3, n_successors=1, mean_sessions=20, seed=0,
                         allow_repeats=False)  # fmt: skip


@pytest.mark.parametrize("allow_repeats", [True, False])
def test_next_item_distribution_is_the_generating_law(allow_repeats):
    data = tds.sessions_sim(n_users=300, n_items=150, seed=4, n_successors=3,
                            allow_repeats=allow_repeats)  # fmt: skip
    frame, truth = data.frame, data.truth
    events = np.arange(len(frame))
    probs = next_item_distribution(data, events)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    drawn = probs[events, frame["item"].to_numpy()]
    assert (drawn > 0).all()  # every drawn item was possible
    starts = truth["previous_item"] < 0
    np.testing.assert_array_equal(starts, ~truth["followed"] & starts)  # starts never follow
    if allow_repeats:
        np.testing.assert_allclose(probs[starts], truth["preference"][frame["user"][starts]])
    else:
        for event in events[:200]:
            earlier = frame["item"].to_numpy()[
                (frame["user"] == frame["user"][event]) & (events < event)
            ]
            assert (probs[event, earlier] == 0).all()
    # calibration: the oracle's probability of the drawn item, averaged, matches the
    # expected probability of a draw, sum_j p_j^2, within sampling noise
    expected = (probs**2).sum(axis=1)
    spread = 4 * np.sqrt(np.var(drawn) / len(events))
    assert abs(drawn.mean() - expected.mean()) < spread
    with pytest.raises(InputError, match="event labels"):
        next_item_distribution(data, [len(frame)])
