"""The native-step protocol (tslib.runner.fast.native_step) and the layout of runner.fast.

Kernel selection asks every family of :data:`~tslib.runner.fast.FAST_STEPS` the same
question; the repeat lane and argument checks of the compiled recurrent paths live once,
in :class:`~tslib.runner.fast.native_step.CompiledPath`; the modules of runner.fast
import each other without a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

import tslib.runner.fast as fast
from tslib.compression.bf16_native import Bf16NativeEncoder
from tslib.encoders.recurrent import RecurrentEncoder
from tslib.encoders.transformer import CausalTransformerEncoder
from tslib.runner import StepwiseRunner
from tslib.runner.fast import (
    FAST_STEPS,
    CompiledPath,
    NativeStep,
    RecurrentKernel,
    explain_kernel,
    select_kernel,
)
from tslib.runner.fast.bf16_native import Bf16Path, load_bf16
from tslib.runner.fast.recurrent_native import NativePath
from tslib.runner.fast.transformer_native import TransformerKernel, load_transformer_native

FAST_DIR = Path(fast.__file__).parent


def lstm() -> RecurrentEncoder:
    torch.manual_seed(0)
    return RecurrentEncoder(3, 8, 2, cell="lstm").eval()


def transformer() -> CausalTransformerEncoder:
    return CausalTransformerEncoder(3, 8, 1, n_heads=2, num_layers=1, context=4, seed=0).eval()


def test_every_family_is_a_native_step_with_a_distinct_name():
    assert all(isinstance(step, NativeStep) for step in FAST_STEPS)
    names = [step.name for step in FAST_STEPS]
    assert names == ["bf16", "transformer", "cuda_graph", "recurrent"]


def test_select_kernel_takes_the_first_family_that_supports_the_model():
    model = lstm()
    answers = explain_kernel(model, "cpu")
    assert answers["recurrent"] is None
    assert "does not ask for the bf16 step" in answers["bf16"]
    assert "CUDA" in answers["cuda_graph"]
    assert "CausalTransformerEncoder" in answers["transformer"]
    assert isinstance(select_kernel(model, "cpu"), RecurrentKernel)


def test_a_model_no_family_supports_gets_every_reason_and_no_kernel():
    model = torch.nn.Linear(3, 2)
    answers = explain_kernel(model, "cpu")
    assert all(isinstance(reason, str) and reason for reason in answers.values())
    assert select_kernel(model, "cpu") is None


def test_the_transformer_family_is_asked_like_the_others():
    model = transformer()
    answers = explain_kernel(model, "cpu")
    assert "not a RecurrentEncoder" in answers["recurrent"]
    if load_transformer_native() is None:
        assert "unavailable" in answers["transformer"]
        assert select_kernel(model, "cpu") is None
    else:
        assert answers["transformer"] is None
        assert isinstance(select_kernel(model, "cpu"), TransformerKernel)


def test_a_bf16_request_falls_through_to_the_fp32_kernel_where_bf16_cannot_run():
    model = lstm()
    model.__class__ = Bf16NativeEncoder  # as bf16_native() does, without its machine check
    reason = explain_kernel(model, "cpu")["bf16"]
    library, why = load_bf16((3, 8, 1, 2))
    if library is None:
        assert reason == why
        kernel = StepwiseRunner(model, device="cpu")._kernel
        assert type(kernel) is RecurrentKernel  # the fp32 kernel, not the bf16 one
    else:
        assert reason is None


def test_the_repeat_lane_and_checks_are_written_once_for_both_compiled_paths():
    for name in ("repeat_small", "accepts", "_check_pool", "__call__"):
        shared = getattr(CompiledPath, name)
        assert getattr(NativePath, name) is shared, f"NativePath.{name} re-implements it"
        assert getattr(Bf16Path, name) is shared, f"Bf16Path.{name} re-implements it"


def _top_level_fast_imports(path: Path) -> set[str]:
    """Modules of tslib.runner.fast that ``path`` imports at module level."""
    modules = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("tslib.runner.fast."):
                modules.add(node.module.rsplit(".", 1)[1])
            elif node.module == "tslib.runner.fast":
                modules |= {alias.name for alias in node.names}
    return modules


def test_runner_fast_modules_import_each_other_without_a_cycle():
    names = {path.stem for path in FAST_DIR.glob("*.py")} - {"__init__"}
    graph = {
        name: _top_level_fast_imports(FAST_DIR / f"{name}.py") & names - {name} for name in names
    }
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            pytest.fail(f"import cycle in tslib.runner.fast: {' -> '.join(path + (name,))}")
        if name in done:
            return
        for dependency in sorted(graph[name]):
            visit(dependency, path + (name,))
        done.add(name)

    for name in sorted(names):
        visit(name, ())
