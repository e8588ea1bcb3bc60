"""Registry (list / info / load / register) and the offline datasets shipped by packages."""

from __future__ import annotations

import arch.data.nasdaq
import arch.data.sp500
import numpy as np
import pandas as pd
import pytest
from vega_datasets import data as vega

import tslib.datasets as tds
from tslib.datasets.base import _REGISTRY, DatasetInfo, LoadedDataset
from tslib.errors import InputError

EXPECTED = {
    "cmapss", "csv", "equipment_sim", "jena_climate", "metro_traffic", "movielens", "nasdaq",
    "seattle_temps", "seattle_weather", "sessions_sim", "sp500", "traffic_sim",
}  # fmt: skip


@pytest.fixture
def scratch_registry():
    saved = dict(_REGISTRY)
    yield
    _REGISTRY.clear()
    _REGISTRY.update(saved)


def test_list_and_domain_filter():
    assert set(tds.list()) == EXPECTED
    assert tds.list() == sorted(tds.list())
    assert tds.list(domain="finance") == ["nasdaq", "sp500"]
    assert tds.list(domain="equipment") == ["cmapss", "equipment_sim"]
    assert tds.list(kind="simulated") == ["equipment_sim", "sessions_sim", "traffic_sim"]
    assert tds.list(domain="astronomy") == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_dataset_documents_its_metadata(name):
    meta = tds.info(name)
    assert meta.name == name
    for field in ("domain", "kind", "source", "licence", "citation", "description"):
        assert getattr(meta, field), f"{name}: empty {field}"
    assert meta.kind in {"packaged", "download", "user", "simulated"}


def test_unknown_name_lists_the_registered_ones():
    with pytest.raises(InputError, match=r"unknown dataset 'nope'.*sp500"):
        tds.load("nope")


def test_register_as_decorator_and_refuse_duplicates(scratch_registry):
    meta = DatasetInfo(
        name="tiny", domain="generic", kind="simulated", frequency="D", targets=("y",)
    )

    @tds.register(meta)
    def tiny(path=None, value: float = 1.0) -> LoadedDataset:
        index = pd.date_range("2024-01-01", periods=2, freq="D")
        return LoadedDataset(frame=pd.DataFrame({"y": [value, value]}, index=index), info=meta)

    ds = tds.load("tiny", value=3.0)
    assert ds.targets["y"].tolist() == [3.0, 3.0]
    assert ds.frames == {"main": ds.frame}
    assert "tiny" in tds.list(domain="generic")
    with pytest.raises(InputError, match="already registered"):
        tds.register(meta, tiny)
    tds.register(meta, tiny, replace=True)


def test_loaders_that_read_no_files_reject_a_path():
    for name in ("sp500", "seattle_weather", "traffic_sim", "equipment_sim", "sessions_sim"):
        with pytest.raises(InputError, match="reads no files"):
            tds.load(name, path="somewhere.csv")
    assert tds.load("traffic_sim", path=None, days=1).frame.shape[0] == 24


def test_unknown_loader_option_is_an_input_error_naming_it():
    # a typo'd or foreign option (seed= on a real dataset) names the dataset and its options
    with pytest.raises(InputError, match=r"'sp500' has no option\(s\) \['seed'\].*path"):
        tds.load("sp500", seed=0)
    with pytest.raises(InputError, match=r"'traffic_sim' has no option\(s\) \['dayz'\]"):
        tds.load("traffic_sim", dayz=1)


def test_csv_requires_a_path():
    with pytest.raises(InputError, match="path="):
        tds.load("csv")


# --- offline data shipped with arch and vega_datasets ---------------------------------------


@pytest.mark.parametrize(
    ("name", "module"), [("sp500", arch.data.sp500), ("nasdaq", arch.data.nasdaq)]
)
def test_arch_prices_match_the_package(name, module):
    ds = tds.load(name)
    reference = module.load()
    assert ds.frame.index[0] == pd.Timestamp("1999-01-04")
    assert ds.frame.index[-1].year == 2018
    assert ds.frame.index.is_monotonic_increasing and ds.frame.index.is_unique
    np.testing.assert_array_equal(ds.frame.to_numpy(), reference[ds.frame.columns].to_numpy())
    assert ds.info.targets == ("Adj Close",) and ds.repairs == []
    assert ds.truth is None


def test_seattle_weather_daily_multivariate():
    ds = tds.load("seattle_weather")
    frame = ds.frame
    assert frame.index[0] == pd.Timestamp("2012-01-01") and frame.index[-1] == pd.Timestamp(
        "2015-12-31"
    )
    assert len(frame) == 1461  # 4 years, one leap day
    assert (frame.index.to_series().diff().dropna() == pd.Timedelta("1D")).all()
    assert set(frame["weather"].cat.categories) == {"drizzle", "fog", "rain", "snow", "sun"}
    reference = vega.seattle_weather()
    np.testing.assert_array_equal(frame["temp_max"].to_numpy(), reference["temp_max"].to_numpy())
    assert frame["weather"].astype(str).tolist() == reference["weather"].astype(str).tolist()


def test_seattle_temps_hourly_with_gap_kept():
    frame = tds.load("seattle_temps").frame
    steps = frame.index.to_series().diff().dropna().value_counts()
    assert frame.index[0] == pd.Timestamp("2010-01-01 00:00")
    assert steps[pd.Timedelta("1h")] == len(frame) - 2
    assert steps[pd.Timedelta("2h")] == 1
    np.testing.assert_array_equal(frame["temp"].to_numpy(), vega.seattle_temps()["temp"].to_numpy())


def test_loaded_dataset_repr_summarises():
    text = repr(tds.load("seattle_temps"))
    assert "seattle_temps" in text and "(8759, 1)" in text and "truth=no" in text
