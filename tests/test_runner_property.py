"""Property: any interleaving of attach, step, reset and detach gives each stream the
outputs of running it alone through ``model.forward`` since its last attach or reset."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tslib.encoders import ENCODER_REGISTRY
from tslib.errors import StateError
from tslib.runner import StepwiseRunner

pytestmark = pytest.mark.timeout(120)

IDS = [0, 1, 2, 3, 4]
CONFIGS = {
    "lstm-2-layers": ("recurrent", {"input_size": 2, "hidden_size": 5, "output_size": 2,
                                    "num_layers": 2, "cell": "lstm"}),
    "gru": ("recurrent", {"input_size": 2, "hidden_size": 4, "output_size": 1, "cell": "gru"}),
    "transformer": ("transformer", {"input_size": 2, "d_model": 8, "output_size": 2,
                                    "n_heads": 2, "context": 3}),
}  # fmt: skip
MODELS: dict[str, torch.nn.Module] = {}


def model_for(name: str) -> torch.nn.Module:
    """One seeded model per configuration, built once."""
    if name not in MODELS:
        registry_name, config = CONFIGS[name]
        torch.manual_seed(0)
        MODELS[name] = ENCODER_REGISTRY[registry_name](**config).eval()
    return MODELS[name]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("step"), st.lists(st.sampled_from(IDS), min_size=1, unique=True)),
        st.tuples(st.just("reset"), st.sampled_from(IDS)),
        st.tuples(st.just("detach"), st.sampled_from(IDS)),
    ),
    min_size=1,
    max_size=14,
)


@pytest.mark.parametrize("name", list(CONFIGS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, seed=st.integers(0, 2**31 - 1))
def test_interleavings_match_each_stream_alone(name, ops, seed):
    model = model_for(name)
    runner = StepwiseRunner(model, device="cpu", initial_capacity=1)
    generator = torch.Generator().manual_seed(seed)
    # live stream -> (inputs, runner outputs) since its attach or last reset
    segments: dict[int, tuple[list[torch.Tensor], list[torch.Tensor]]] = {}
    for op, arg in ops:
        if op == "step":
            x = torch.randn(len(arg), model.input_size, generator=generator)  # (B, F)
            y = runner.step(arg, x)  # (B, O)
            for row, stream in enumerate(arg):
                inputs, outputs = segments.setdefault(stream, ([], []))
                inputs.append(x[row])
                outputs.append(y[row])
        elif arg not in segments:
            with pytest.raises(StateError, match=f"unknown stream {arg}"):
                getattr(runner, op)(arg)
        else:
            assert runner.step_count(arg) == len(segments[arg][0])
            check_alone(model, *segments.pop(arg))
            if op == "reset":
                runner.reset(arg)
                segments[arg] = ([], [])
            else:
                runner.detach(arg)
    assert set(runner.streams) == set(segments)
    for stream, (inputs, outputs) in segments.items():
        assert runner.step_count(stream) == len(inputs)
        check_alone(model, inputs, outputs)
    assert runner.stats()["capacity"] >= len(segments)


def check_alone(model, inputs: list[torch.Tensor], outputs: list[torch.Tensor]) -> None:
    """The runner's outputs for one segment equal ``model.forward`` over that segment alone."""
    if inputs:
        with torch.no_grad():
            alone = model(torch.stack(inputs)[None])[0][0]  # (T, O)
        torch.testing.assert_close(torch.stack(outputs), alone, atol=1e-5, rtol=1e-5)
