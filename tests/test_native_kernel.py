"""The native (C) path of RecurrentKernel against the reference PlainKernel.

The native path must equal PlainKernel within 1e-5 for outputs and for every pool
row (stepped rows updated, all other rows untouched), for every cell, depth (1-3)
and batch size, on contiguous and scattered slots; ``TSLIB_NATIVE=0`` must give the
torch path; a missing or failing compiler must fall back silently. A variant this
machine's build cannot run (no libmvec, no usable ``sgemm``) is skipped with the
reason, never passed without assertions.
"""

from __future__ import annotations

import itertools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import torch

from tslib.encoders.recurrent import RecurrentEncoder
from tslib.errors import StateError
from tslib.runner import StepwiseRunner
from tslib.runner.fast import RecurrentKernel, recurrent_library
from tslib.runner.fast import build as fast_build
from tslib.runner.fast.recurrent_native import NATIVE_SMALL_MAX
from tslib.runner.kernels import PlainKernel

TOL = {"atol": 1e-5, "rtol": 1e-5}
CAPACITY = 4200


@pytest.fixture(scope="module")
def library():
    loaded = recurrent_library.load_native()
    if loaded is None:
        pytest.skip("native kernels unavailable here (no C compiler, TSLIB_NATIVE=0, or the "
                    "probe failed: see the warning logged by load_native)")  # fmt: skip
    return loaded


def count_paths(kernel: RecurrentKernel) -> dict[str, int]:
    """Wrap the native path's entry points so that a test can see which ones ran.

    ``_small`` counts the whole-step C calls that stepped (``_c_step``, the entry point
    of both the full small path and the repeat lane); ``_layers_*`` the per-layer paths.
    """
    calls = {"_small": 0, "_layers_tiled": 0, "_layers_mm": 0}
    native = kernel.native
    for name in ("_layers_tiled", "_layers_mm"):
        original = getattr(native, name)

        def spy(*args, _original=original, _name=name):
            calls[_name] += 1
            return _original(*args)

        setattr(native, name, spy)
    c_step = native._c_step

    def c_step_spy(args_ptr):
        status = c_step(args_ptr)
        calls["_small"] += status == 0
        return status

    native._c_step = c_step_spy
    return calls


def large_variants(library) -> list[str]:
    """The per-layer variants this machine can run: fused GEMM tiles and/or torch.mm."""
    if not library.vector_math:
        return []
    return (["tiled"] if library.sgemm else []) + ["mm"]


def require_variant(library, variant: str) -> None:
    """Skip, naming the reason, when this machine's build cannot run ``variant``.

    ``small`` always runs; ``mm`` and ``tiled`` (batches above ``NATIVE_SMALL_MAX``)
    need the vectorised build (libmvec), ``tiled`` also torch's ``sgemm``. Without
    them the native path declines large batches, and a test that silently ran only
    the small batches would assert nothing about the large ones.
    """
    if variant == "small" or variant in large_variants(library):
        return
    if not library.vector_math:
        pytest.skip(
            f"native {variant!r} path not built here: no libmvec (vector maths), so batches "
            f"above {NATIVE_SMALL_MAX} rows are declined by the native path"
        )
    pytest.skip("native 'tiled' path not available here: torch's sgemm_ was not found or "
                "failed the load-time probe")  # fmt: skip


def test_missing_large_paths_skip_with_the_reason():
    """A build without libmvec skips the large-batch cases instead of passing them empty."""
    no_vector_maths = SimpleNamespace(vector_math=False, sgemm=False)
    for variant in ("mm", "tiled"):
        with pytest.raises(pytest.skip.Exception, match="no libmvec"):
            require_variant(no_vector_maths, variant)
    require_variant(no_vector_maths, "small")  # always runs


def native_kernel(model, variant: str) -> RecurrentKernel:
    kernel = RecurrentKernel(model)
    if variant == "mm":
        kernel.native.tiled = False
    return kernel


def step_both(model, kernel, batch, scattered, steps=2, seed=0):
    """Step ``kernel`` and PlainKernel from the same random pool; return outputs and pools."""
    generator = torch.Generator().manual_seed(seed)
    pool = tuple(
        torch.randn(s.shape, generator=generator) for s in model.init_state(CAPACITY)
    )  # (capacity, L, H) each
    plain_pool = tuple(t.clone() for t in pool)
    if scattered:
        index = torch.randperm(CAPACITY, generator=generator)[:batch]
    else:
        index = torch.arange(5, 5 + batch)
    x = torch.randn(steps, batch, model.input_size, generator=generator)  # (T, B, F)
    plain = PlainKernel(model)
    with torch.inference_mode():
        fast_y = torch.stack([kernel(x_t, pool, index) for x_t in x])  # (T, B, O)
        plain_y = torch.stack([plain(x_t, plain_pool, index) for x_t in x])
    return fast_y, plain_y, pool, plain_pool


#: Depth 3 has a middle layer (ping-pong buffers of the per-layer paths wrap around).
DEPTHS = [1, 2, 3]
CASES = [
    (cell, layers, batch, scattered, variant)
    for cell, layers, batch, scattered in itertools.product(
        ["lstm", "gru", "rnn"], DEPTHS, [1, 7, 300, 4096], [False, True]
    )
    for variant in (["small"] if batch <= NATIVE_SMALL_MAX else ["tiled", "mm"])
]


@pytest.mark.parametrize(("cell", "layers", "batch", "scattered", "variant"), CASES)
def test_native_equals_plain(library, cell, layers, batch, scattered, variant):
    require_variant(library, variant)
    torch.manual_seed(0)
    model = RecurrentEncoder(3, 8, 2, num_layers=layers, cell=cell).eval()
    kernel = native_kernel(model, variant)
    calls = count_paths(kernel)
    fast_y, plain_y, pool, plain_pool = step_both(model, kernel, batch, scattered)
    torch.testing.assert_close(fast_y, plain_y, **TOL)
    for fast_rows, plain_rows in zip(pool, plain_pool):
        torch.testing.assert_close(fast_rows, plain_rows, **TOL)  # every slot
    expected = {"_small": 0, "_layers_tiled": 0, "_layers_mm": 0}
    expected[f"_layers_{variant}" if variant != "small" else "_small"] = 2  # two steps
    assert calls == expected


@pytest.mark.parametrize(("variant", "batch"), [("small", 3), ("tiled", 1500), ("mm", 1500)])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_hidden_sizes_that_are_not_a_vector_multiple(library, cell, variant, batch):
    """H = 13 and F = 1: every vectorised loop has a remainder; tiles end mid-batch."""
    require_variant(library, variant)
    torch.manual_seed(1)
    model = RecurrentEncoder(1, 13, 3, num_layers=3, cell=cell).eval()
    kernel = native_kernel(model, variant)
    fast_y, plain_y, pool, plain_pool = step_both(model, kernel, batch, True)
    torch.testing.assert_close(fast_y, plain_y, **TOL)
    for fast_rows, plain_rows in zip(pool, plain_pool):
        torch.testing.assert_close(fast_rows, plain_rows, **TOL)


@pytest.mark.parametrize("threads", [1, 2])
def test_tiled_path_with_one_and_two_threads(library, threads):
    """With one thread no OpenMP region is opened; with two the rows are shared."""
    require_variant(library, "tiled")
    torch.manual_seed(7)
    model = RecurrentEncoder(3, 16, 2, num_layers=2).eval()
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        kernel = native_kernel(model, "tiled")
        for batch in (40, 2000):
            fast_y, plain_y, pool, plain_pool = step_both(model, kernel, batch, True)
            torch.testing.assert_close(fast_y, plain_y, **TOL)
            for fast_rows, plain_rows in zip(pool, plain_pool):
                torch.testing.assert_close(fast_rows, plain_rows, **TOL)
    finally:
        torch.set_num_threads(previous)


def test_disabled_by_environment_gives_the_torch_path(library, monkeypatch):
    torch.manual_seed(2)
    model = RecurrentEncoder(3, 8, 2, cell="lstm").eval()
    monkeypatch.setenv("TSLIB_NATIVE", "0")
    assert recurrent_library.load_native() is None
    kernel = RecurrentKernel(model)
    assert kernel.native is None
    for batch in (1, 300):  # NumPy and torch paths
        fast_y, plain_y, pool, plain_pool = step_both(model, kernel, batch, True)
        torch.testing.assert_close(fast_y, plain_y, **TOL)
    monkeypatch.setenv("TSLIB_NATIVE", "1")
    assert RecurrentKernel(model).native is not None
    assert RecurrentKernel(model, native=False).native is None


def test_runner_uses_native_and_matches_plain_runner(library):
    torch.manual_seed(3)
    model = RecurrentEncoder(4, 16, 1, num_layers=2).eval()
    fast, plain = (
        StepwiseRunner(model, device="cpu"),
        StepwiseRunner(model, device="cpu", fast=False),
    )
    assert fast._kernel.native is not None
    generator = torch.Generator().manual_seed(3)
    for ids in [(0,), (0, 1, 2), tuple(range(50)), (7, 2), tuple(range(50))]:
        x = torch.randn(len(ids), 4, generator=generator)
        torch.testing.assert_close(fast.step(ids, x), plain.step(ids, x), **TOL)


@pytest.mark.parametrize(("variant", "batch"), [("small", 2), ("tiled", 40), ("mm", 40)])
def test_slot_outside_the_pool_raises_and_writes_nothing(library, variant, batch):
    require_variant(library, variant)
    model = RecurrentEncoder(2, 4, 1).eval()
    pool = tuple(torch.randn(s.shape) for s in model.init_state(10))
    before = tuple(t.clone() for t in pool)
    kernel = native_kernel(model, variant)
    index = torch.arange(batch)
    index[-1] = 10 + batch  # outside [0, 10)
    with torch.inference_mode(), pytest.raises(StateError, match=r"outside the pool \[0, 10\)"):
        kernel(torch.randn(batch, 2), pool, index)
    for t, b in zip(pool, before):
        assert torch.equal(t, b)


def test_declines_what_it_cannot_take(library):
    """float64 models, float64 pools and non-contiguous inputs go elsewhere or are copied."""
    torch.manual_seed(4)
    model = RecurrentEncoder(3, 5, 1).double().eval()
    kernel = RecurrentKernel(model)
    pool = tuple(torch.randn(s.shape, dtype=torch.float64) for s in model.init_state(20))
    x, index = torch.randn(4, 3, dtype=torch.float64), torch.tensor([3, 9, 1, 0])
    assert not kernel.native.accepts(x, pool, index)
    model32 = RecurrentEncoder(3, 5, 1).eval()
    kernel32 = RecurrentKernel(model32)
    pool32 = tuple(torch.randn(s.shape) for s in model32.init_state(20))
    assert not kernel32.native.accepts(x.float(), pool, index)  # float64 pool
    assert not kernel32.native.accepts(x.float(), pool32, index.int())  # int32 slots
    assert not kernel32.native.accepts(x.float()[:, :2], pool32, index)  # wrong width
    wide = torch.randn(4, 6)[:, ::2]  # (4, 3), not contiguous
    assert kernel32.native.accepts(wide, pool32, index)
    plain_pool = tuple(t.clone() for t in pool32)
    with torch.inference_mode():
        y = kernel32(wide, pool32, index)
        expected = PlainKernel(model32)(wide, plain_pool, index)
    torch.testing.assert_close(y, expected, **TOL)


def test_weight_changes_are_seen(library):
    torch.manual_seed(5)
    model = RecurrentEncoder(3, 6, 2, cell="gru").eval()
    kernel = RecurrentKernel(model)
    for batch in (3, 64):
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.mul_(-1.5)  # in place: the kernel re-fuses
        fast_y, plain_y, _, _ = step_both(model, kernel, batch, True)
        torch.testing.assert_close(fast_y, plain_y, **TOL)


# ------------------------------------------------------------------ build and load
def test_build_into_a_fresh_cache_is_atomic_and_reused(library, tmp_path, monkeypatch):
    compiler = fast_build.find_compiler()
    identity = fast_build.compiler_identity(compiler)
    flags = library.flags
    with ThreadPoolExecutor(2) as pool:  # two concurrent builds of the same key
        paths = list(pool.map(lambda _: recurrent_library._build(compiler, identity, flags, tmp_path),
                              range(2)))  # fmt: skip
    assert paths[0] == paths[1]
    assert [p.name for p in tmp_path.iterdir()] == [paths[0].name]  # no temporary left over
    assert len(paths[0].stem) == 64  # sha256 hex
    monkeypatch.setenv("TSLIB_NATIVE_CACHE", str(tmp_path))
    loaded = recurrent_library.load_native()
    assert loaded.path == paths[0]  # reused, not rebuilt
    assert recurrent_library.load_native() is loaded  # cached in the process


@pytest.mark.parametrize("compiler", ["missing", "false"])
def test_no_or_failing_compiler_falls_back_silently(tmp_path, monkeypatch, caplog, compiler):
    monkeypatch.setenv("TSLIB_NATIVE", "1")  # even where the suite runs with it off
    monkeypatch.setenv("TSLIB_NATIVE_CACHE", str(tmp_path / compiler))
    if compiler == "missing":
        monkeypatch.setenv("PATH", str(tmp_path))  # no cc, gcc or clang
        monkeypatch.delenv("CC", raising=False)
    else:
        monkeypatch.setenv("CC", "false")  # exits 1 for --version and every build
    with caplog.at_level(logging.DEBUG, logger="tslib.runner.fast.recurrent_library"):
        assert recurrent_library.load_native() is None
        assert recurrent_library.load_native() is None  # cached: logged once
    messages = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(messages) == 1
    model = RecurrentEncoder(2, 4, 1).eval()
    assert RecurrentKernel(model).native is None
    assert not any(p.suffix == ".so" for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    ("value", "enabled"), [("0", False), ("off", False), ("1", True), ("", True)]
)
def test_native_enabled_reads_the_environment(monkeypatch, value, enabled):
    monkeypatch.setenv("TSLIB_NATIVE", value)
    assert fast_build.native_enabled() is enabled


def test_cache_dir_default_is_per_user(monkeypatch):
    monkeypatch.delenv("TSLIB_NATIVE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/somewhere")
    assert str(fast_build.cache_dir()) == os.path.join("/tmp/somewhere", "tslib", "native")
