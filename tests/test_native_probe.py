"""The load-time probe of the native library (tslib.runner.fast.recurrent_library, recurrent_probe).

A library is probed once per build in a subprocess: struct layout against the ctypes
mirrors, every kernel variant against the reference, torch's ``sgemm`` against
``torch.mm``. A crash (simulated with ``TSLIB_NATIVE_PROBE_FAULT``, which makes the
child kill itself with SIGSEGV at a stage) or a mismatch must disable the native path
(or only its sgemm tile path), log one warning, and leave ``runner.step`` exact.
"""

from __future__ import annotations

import ctypes
import logging
import shutil

import pytest
import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.runner import StepwiseRunner
from tslib.runner.fast import RecurrentKernel, recurrent_library
from tslib.runner.fast.recurrent_library import FAULT_ENV, STAGES
from tslib.runner.fast.recurrent_source import (
    STRUCTS,
    StepArgs,
    ctypes_layout,
    layout_mismatches,
    read_c_layout,
)
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}
LOGGER = "tslib.runner.fast.recurrent_library"


@pytest.fixture(scope="module")
def library():
    loaded = recurrent_library.load_native()
    if loaded is None:
        pytest.skip("native kernels unavailable here (no C compiler, TSLIB_NATIVE=0, or the "
                    "probe failed: see the warning logged by load_native)")  # fmt: skip
    return loaded


@pytest.fixture
def fresh_cache(library, tmp_path, monkeypatch):
    """An empty cache folder holding a copy of the built library (so nothing recompiles)."""
    monkeypatch.setenv("TSLIB_NATIVE", "1")
    monkeypatch.setenv("TSLIB_NATIVE_CACHE", str(tmp_path))
    shutil.copy(library.path, tmp_path / library.path.name)
    return tmp_path


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def assert_runner_exact(batch: int) -> None:
    """runner.step equals the PlainKernel runner for ``batch`` streams, three steps."""
    torch.manual_seed(0)
    model = RecurrentEncoder(3, 8, 2, num_layers=2).eval()
    fast, plain = StepwiseRunner(model), StepwiseRunner(model, fast=False)
    generator = torch.Generator().manual_seed(1)
    for _ in range(3):
        x = torch.randn(batch, 3, generator=generator)
        torch.testing.assert_close(fast.step(range(batch), x), plain.step(range(batch), x), **TOL)


# ------------------------------------------------------------------ this machine's build
def test_this_build_passes_the_probe_and_the_verdict_is_cached(library):
    cached = recurrent_library._cache_path(library.path)
    assert cached.exists(), "the verdict is stored next to the library"
    verdict = recurrent_library.probe_library(library.path, library.flags)  # from the cache
    assert verdict.usable and not verdict.problem
    assert verdict.sgemm == library.sgemm
    outcome = recurrent_library.run_probe(library.path, library.flags)  # a new subprocess
    assert outcome["returncode"] == 0 and outcome["report"] is not None
    errors = outcome["report"]["errors"]
    assert errors["small"] <= 1e-5
    assert all(value is None or value <= 1e-5 for value in errors.values()), errors
    if library.vector_math:
        assert errors["mm"] is not None
    assert recurrent_library.decide(outcome) == verdict


def test_c_layout_equals_the_ctypes_mirrors_and_a_wrong_mirror_is_named(library):
    c_layout = read_c_layout(ctypes.CDLL(str(library.path)))
    for name, (_, struct) in STRUCTS.items():
        assert c_layout[name] == ctypes_layout(struct)
    assert layout_mismatches(c_layout) == []

    class Swapped(ctypes.Structure):  # batch and cell swapped: same size, wrong order
        _fields_ = [("batch", ctypes.c_int64), ("cell", ctypes.c_int64), *StepArgs._fields_[2:]]

    class Short(ctypes.Structure):  # the last field forgotten
        _fields_ = StepArgs._fields_[:-1]

    swapped = layout_mismatches(c_layout, {"tslib_step_args": Swapped})
    assert any("fields" in line for line in swapped)
    short = layout_mismatches(c_layout, {"tslib_step_args": Short})
    sizes = f"sizeof {ctypes.sizeof(StepArgs)} in C, {ctypes.sizeof(Short)} in ctypes"
    assert any(sizes in line for line in short), short


# --------------------------------------------------------------- simulated failures
def test_a_crashing_probe_disables_the_native_path_with_one_warning(
    fresh_cache, monkeypatch, caplog
):
    monkeypatch.setenv(FAULT_ENV, "layout")  # the child segfaults when the stage starts
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert recurrent_library.load_native() is None
        assert recurrent_library.load_native() is None  # cached in the process: no second line
    messages = warnings_of(caplog)
    assert len(messages) == 1, messages
    assert "disabled" in messages[0] and "'layout'" in messages[0] and "SIGSEGV" in messages[0]
    assert list(fresh_cache.glob("*.probe.json")), "the crash verdict is cached with the build"
    assert RecurrentKernel(RecurrentEncoder(2, 4, 1).eval()).native is None
    for batch in (1, 40):  # NumPy and torch paths instead
        assert_runner_exact(batch)


def test_a_crash_in_sgemm_keeps_the_native_path_without_it(library, fresh_cache, monkeypatch,
                                                           caplog):  # fmt: skip
    if not library.sgemm:
        pytest.skip("torch's sgemm is not used by this build anyway (not found or no libmvec)")
    monkeypatch.setenv(FAULT_ENV, "sgemm")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        loaded = recurrent_library.load_native()
    messages = warnings_of(caplog)
    assert len(messages) == 1 and "without torch's sgemm" in messages[0], messages
    assert loaded is not None and not loaded.sgemm
    kernel = RecurrentKernel(RecurrentEncoder(2, 4, 1).eval())
    assert kernel.native is not None and not kernel.native.tiled  # torch.mm per layer
    for batch in (3, 40):
        assert_runner_exact(batch)


def test_a_layout_mismatch_disables_the_native_path(library, fresh_cache, monkeypatch, caplog):
    verdict_file = recurrent_library._cache_path(library.path)
    shutil.copy(verdict_file, fresh_cache / verdict_file.name)  # this build's real outcome

    class Short(ctypes.Structure):  # a mirror that forgot a field
        _fields_ = StepArgs._fields_[:-1]

    monkeypatch.setattr(recurrent_library, "StepArgs", Short)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert recurrent_library.load_native() is None
    messages = warnings_of(caplog)
    assert len(messages) == 1 and "struct layout differs" in messages[0], messages
    assert "tslib_step_args" in messages[0]


def test_a_timed_out_probe_disables_without_caching(library, fresh_cache, monkeypatch, caplog):
    monkeypatch.setattr(recurrent_library, "PROBE_TIMEOUT_S", 0.05)  # the child cannot finish
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert recurrent_library.load_native() is None
    messages = warnings_of(caplog)
    assert len(messages) == 1 and "timed out" in messages[0], messages
    assert not list(fresh_cache.glob("*.probe.json")), "a timeout may be a busy machine"


# ------------------------------------------------------------------- decide (pure)
def outcome(returncode=0, stage="tiled", **errors):
    report = {
        "errors": dict.fromkeys(STAGES[2:], 0.0) | errors,
        "layout": {name: ctypes_layout(struct) for name, (_, struct) in STRUCTS.items()},
        "vector_math": True,
        "sgemm_found": errors.get("sgemm", 0.0) is not None,
    }
    return {"returncode": returncode, "stage": stage, "report": report, "stderr": ""}


@pytest.mark.parametrize(
    ("case", "usable", "sgemm", "says"),
    [
        (outcome(), True, True, ""),
        (outcome(returncode=None, stage="small") | {"report": None}, False, False, "timed out"),
        (outcome(returncode=-11, stage="small") | {"report": None}, False, False, "SIGSEGV"),
        (outcome(returncode=-6, stage="load") | {"report": None}, False, False, "SIGABRT"),
        (outcome(returncode=-11, stage="tiled") | {"report": None}, True, False, "SIGSEGV"),
        (outcome(small=0.5), False, False, "'small' kernel differs"),
        (outcome(mm=float("inf")), False, False, "'mm' kernel differs"),
        (outcome(sgemm=3.0, tiled=None), True, False, "'sgemm' check is off"),
        (outcome(tiled=1.0), True, False, "'tiled' check is off"),
        (outcome(sgemm=None, tiled=None), True, False, ""),  # no sgemm_: not a problem
    ],
)
def test_decide(case, usable, sgemm, says):
    verdict = recurrent_library.decide(case)
    assert (verdict.usable, verdict.sgemm) == (usable, sgemm)
    assert says in verdict.problem if says else verdict.problem == ""


def test_a_load_exception_is_not_a_crash_and_tries_other_flags():
    case = outcome(returncode=1, stage="load") | {"report": None, "stderr": "OSError: ABI 3 != 4"}
    verdict = recurrent_library.decide(case)
    assert not verdict.usable and verdict.load_error and not verdict.problem
    assert "ABI 3 != 4" in verdict.note


def test_every_kernel_path_is_exact_without_the_native_library(monkeypatch):
    """The fallback used on every platform without the native path (TSLIB_NATIVE=0)."""
    monkeypatch.setenv("TSLIB_NATIVE", "0")
    assert recurrent_library.load_native() is None
    for batch in (1, 16, 17, 300):  # NumPy path up to 16 rows, torch above
        assert_runner_exact(batch)
    torch.manual_seed(3)
    model = RecurrentEncoder(3, 5, 1, num_layers=3, cell="gru").eval()
    kernel = RecurrentKernel(model)
    assert kernel.native is None
    pool = tuple(torch.randn(s.shape) for s in model.init_state(20))
    plain_pool = tuple(t.clone() for t in pool)
    index, x = torch.tensor([4, 0, 19]), torch.randn(3, 3)
    with torch.inference_mode():
        torch.testing.assert_close(kernel(x, pool, index), PlainKernel(model)(x, plain_pool, index))


# ------------------------------------------------- other platforms' configurations
#: Flag sets other platforms end up with: no libmvec (aarch64, musl, macOS: large
#: batches are declined and run in torch), and plain C (no OpenMP: Apple clang; no
#: target_clones: non-ELF). Built and probed here to check those paths are exact.
OTHER_PLATFORM_FLAGS = {
    "no libmvec": ("-O3", "-fPIC", "-shared", "-fno-math-errno", "-fopenmp", "-lm"),
    "plain C": ("-O3", "-fPIC", "-shared", "-fno-math-errno", "-lm"),
}


@pytest.mark.parametrize("config", list(OTHER_PLATFORM_FLAGS))
def test_builds_of_other_platforms_are_probed_and_exact(library, tmp_path, monkeypatch, config):
    monkeypatch.setenv("TSLIB_NATIVE", "1")
    monkeypatch.setenv("TSLIB_NATIVE_CACHE", str(tmp_path))
    monkeypatch.setattr(recurrent_library, "_flag_sets", lambda: [OTHER_PLATFORM_FLAGS[config]])
    loaded = recurrent_library.load_native()
    assert loaded is not None, "the plain build must compile and pass the probe"
    assert not loaded.vector_math
    kernel = RecurrentKernel(RecurrentEncoder(2, 4, 1).eval())
    assert kernel.native is not None and not kernel.native.large and not kernel.native.tiled
    for batch in (1, 16, 17, 300):  # C whole step up to 16 rows, then declined: torch
        assert_runner_exact(batch)
