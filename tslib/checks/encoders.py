"""The encoder contract suite: step equals forward, causality, clone, pickling, seeding, devices.

Every check takes a :class:`~tslib.checks.core.Case`. For a class the model is built
from each ``test_config()`` item under a fixed torch seed (in a forked generator, so
the caller's random stream is untouched); for an encoder handed in, the checks run on
a deep copy of it in eval mode, with its own weights, and rebuild it from
``get_params()`` where they need fresh ones.

Examples
--------
>>> from tslib.encoders import ENCODER_REGISTRY
>>> checks = {c.name: c for c in yield_encoder_checks(ENCODER_REGISTRY["recurrent"])}
>>> checks["forward_equals_step"]()  # silent when the encoder keeps the contract
>>> "causality" in checks
True
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator

import torch

from tslib.checks.core import Case, Check, cases_of, check_params, params_equal
from tslib.encoders.base import StepEncoder
from tslib.errors import InputError, StateError

__all__ = ["ENCODER_CHECKS", "yield_encoder_checks", "TOL", "BATCH", "STEPS"]

#: Largest difference allowed between two paths that must agree (fp32).
TOL = 1e-5
#: Streams and steps of the random inputs.
BATCH = 3
STEPS = 13


# ----------------------------------------------------------------------- helpers
def build(case: Case, seed: int = 0) -> StepEncoder:
    """A fresh encoder from ``case.params``, its weights drawn after ``torch.manual_seed(seed)``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return case.cls(**case.params).eval()


def model_of(case: Case) -> StepEncoder:
    """The encoder under test: a deep copy of the one handed in, or a fresh build."""
    if case.instance is not None:
        return copy.deepcopy(case.instance).eval()
    return build(case)


def inputs(model: StepEncoder, batch_size: int = BATCH, steps: int = STEPS, seed: int = 1):
    """A valid random input (batch_size, steps, F) from the encoder's ``example_input``."""
    return model.example_input(batch_size, steps, torch.Generator().manual_seed(seed))


def random_state(model: StepEncoder, batch_size: int = BATCH, seed: int = 2) -> tuple:
    """A non-zero state: normal floats, and counters in [0, 50) for integer tensors."""
    gen = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(s.shape, generator=gen, dtype=s.dtype)
        if s.is_floating_point()
        else torch.randint(0, 50, s.shape, generator=gen, dtype=s.dtype)
        for s in model.init_state(batch_size, "cpu")
    )


def iterate(model: StepEncoder, x: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
    """Run ``step`` over ``x[:, t]``: (B, T, O) outputs and the final state."""
    outputs = []
    for t in range(x.shape[1]):
        y_t, state = model.step(x[:, t], state)  # (B, O)
        outputs.append(y_t)
    return torch.stack(outputs, dim=1), state  # (B, T, O)


def max_diff(a, b) -> float:
    """Largest absolute difference between two tensors or two tuples of tensors."""
    if isinstance(a, tuple):
        assert len(a) == len(b), f"{len(a)} tensors against {len(b)}"
        return max((max_diff(p, q) for p, q in zip(a, b, strict=True)), default=0.0)
    if a.numel() == 0 and b.numel() == 0:
        return 0.0
    return (a.detach().cpu().double() - b.detach().cpu().double()).abs().max().item()


def expect_error(error: type[Exception], call, what: str) -> str:
    """Run ``call``; fail unless it raises ``error``. Returns the message."""
    try:
        call()
    except error as raised:
        return str(raised)
    raise AssertionError(f"{what}: no {error.__name__}")


# ------------------------------------------------------------------------ checks
def check_params_of_encoder(case: Case) -> None:
    """Hyperparameters stored unchanged; ``type(m)(**m.get_params())`` rebuilds it."""
    check_params(lambda: build(case), case)


def check_shapes_and_state_layout(case: Case) -> None:
    """Output and state shapes for batch 1 and B, an empty sequence, state bytes."""
    model = model_of(case)
    for batch_size in (1, BATCH):
        fresh = model.init_state(batch_size)
        assert isinstance(fresh, tuple), f"init_state returned a {type(fresh).__name__}"
        assert all(s.shape[0] == batch_size for s in fresh), "state dim 0 is not the batch"
        x = inputs(model, batch_size)
        y, final = model(x)
        assert y.shape == (batch_size, STEPS, model.n_outputs), f"forward gave {tuple(y.shape)}"
        assert [(s.shape, s.dtype) for s in final] == [(s.shape, s.dtype) for s in fresh]
        y_t, stepped = model.step(x[:, 0], fresh)
        assert y_t.shape == (batch_size, model.n_outputs), f"step gave {tuple(y_t.shape)}"
        assert [(s.shape, s.dtype) for s in stepped] == [(s.shape, s.dtype) for s in fresh]
        point = model.point(y_t)
        assert point.shape[0] == batch_size and point.shape[-1] >= len(model.feedback_inputs)
    empty, same = model(inputs(model, 2, 0), model.init_state(2))
    assert empty.shape == (2, 0, model.n_outputs) and all(s.shape[0] == 2 for s in same)
    if hasattr(model, "state_bytes_per_stream"):
        assert model.state_bytes_per_stream() == sum(
            s.numel() * s.element_size() for s in model.init_state(1)
        ), "state_bytes_per_stream() does not match init_state(1)"


def check_forward_equals_step(case: Case) -> None:
    """Iterating ``step`` equals ``forward`` to 1e-5 (fp32), from a fresh and a random state."""
    model = model_of(case)
    x = inputs(model)
    for initial in ("fresh", "random"):
        start = model.init_state(BATCH) if initial == "fresh" else random_state(model)
        y, final = model(x, None if initial == "fresh" else start)
        y_steps, final_steps = iterate(model, x, start)
        diff = max_diff(y, y_steps)
        assert diff <= TOL, f"outputs differ by {diff:.3g} > {TOL} from a {initial} state"
        diff = max_diff(final, final_steps)
        assert diff <= TOL, f"final states differ by {diff:.3g} > {TOL} from a {initial} state"


def check_chunked_forward(case: Case) -> None:
    """``forward`` over consecutive chunks, passing the state on, equals one ``forward``."""
    model = model_of(case)
    x, start = inputs(model), random_state(model)
    y_full, final_full = model(x, start)
    pieces, state = [], start
    for lo, hi in [(0, 4), (4, 9), (9, STEPS)]:
        y_chunk, state = model(x[:, lo:hi], state)  # (B, hi - lo, O)
        pieces.append(y_chunk)
    assert max_diff(torch.cat(pieces, dim=1), y_full) <= TOL, "chunked outputs differ"
    assert max_diff(state, final_full) <= TOL, "chunked final state differs"


def check_batch_rows_independent(case: Case) -> None:
    """Each stream of a batch gives what it gives alone."""
    model = model_of(case)
    x, start = inputs(model), random_state(model)
    y, final = model(x, start)
    for b in range(BATCH):
        alone = tuple(s[b : b + 1] for s in start)
        y_b, final_b = model(x[b : b + 1], alone)
        assert max_diff(y_b, y[b : b + 1]) <= TOL, f"row {b} depends on the other rows"
        assert max_diff(final_b, tuple(s[b : b + 1] for s in final)) <= TOL


def check_causality(case: Case) -> None:
    """Changing inputs from step t on changes no output before t (and does change later ones)."""
    model = model_of(case)
    x, start = inputs(model), random_state(model)
    y, _ = model(x, start)
    cut = 6
    changed = torch.cat([x[:, :cut], inputs(model, seed=99)[:, cut:]], dim=1)
    y_changed, _ = model(changed, start)
    diff = max_diff(y_changed[:, :cut], y[:, :cut])
    assert diff <= 1e-6, f"outputs before step {cut} moved by {diff:.3g}: the encoder looks ahead"
    assert max_diff(y_changed[:, cut:], y[:, cut:]) > 1e-4, "the future inputs change nothing"


def check_clone_is_untrained(case: Case) -> None:
    """``clone()`` has the architecture and hyperparameters but not the (trained) weights."""
    model = model_of(case)
    with torch.no_grad():  # stand-in for training: move every weight
        for parameter in model.parameters():
            parameter.add_(0.5)
    twin = model.clone()
    assert type(twin) is type(model), f"clone() returned a {type(twin).__name__}"
    assert params_equal(twin.get_params(), model.get_params()), "clone changed hyperparameters"
    ours, theirs = model.state_dict(), twin.state_dict()
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}
    trained = [k for k, v in model.named_parameters() if v.numel()]
    assert trained, "the encoder has no parameters"
    same = [k for k in trained if torch.equal(ours[k], theirs[k])]
    assert not same, f"clone() kept the trained weights {same}"
    shared = {p.data_ptr() for p in model.parameters()} & {p.data_ptr() for p in twin.parameters()}
    assert not shared, "clone() shares parameter storage with the original"


def check_copy_round_trip(case: Case) -> None:
    """A pickled and a deep-copied encoder give identical outputs and fingerprints."""
    model = model_of(case)
    x, start = inputs(model), random_state(model)
    y, final = model(x, start)
    for how in ("pickle", "deepcopy"):
        copied = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
        y_copy, final_copy = copied(x, start)
        assert torch.equal(y, y_copy), f"{how} changed the outputs"
        assert all(map(torch.equal, final, final_copy)), f"{how} changed the final state"
        assert copied.fingerprint() == model.fingerprint(), f"{how} changed the fingerprint"


def check_seeding_idempotent(case: Case) -> None:
    """Building twice under one seed gives the same weights; another seed gives others.

    With a ``seed`` hyperparameter set, the weights follow it and ignore torch's seed.
    """
    same = build(case, seed=5).fingerprint() == build(case, seed=5).fingerprint()
    assert same, "two builds under torch.manual_seed(5) differ"
    other = build(case, seed=5).fingerprint() != build(case, seed=6).fingerprint()
    if case.params.get("seed") is None:
        assert other, "the initial weights ignore torch's seed"
    else:
        assert not other, "a seed hyperparameter is set but torch's seed changes the weights"


def check_device_round_trip_cpu(case: Case) -> None:
    """``.to("cpu")`` on a copy keeps outputs; ``init_state(..., "cpu")`` lives on the CPU."""
    model = model_of(case)
    x, start = inputs(model), random_state(model)
    y, _ = model(x, start)
    moved = copy.deepcopy(model).to("cpu")
    assert all(s.device.type == "cpu" for s in moved.init_state(2, "cpu"))
    assert torch.equal(moved(x, start)[0], y), "moving to the CPU changed the outputs"


def check_device_round_trip_cuda(case: Case) -> None:
    """On CUDA: forward and step agree with the CPU to 1e-4, and the way back is exact to 1e-5."""
    model = model_of(case)
    x, start = inputs(model), random_state(model)
    y, _ = model(x, start)
    gpu = copy.deepcopy(model).to("cuda")
    gpu_start = tuple(s.cuda() for s in start)
    y_gpu, final_gpu = gpu(x.cuda(), gpu_start)
    assert all(s.device.type == "cuda" for s in gpu.init_state(2) + final_gpu)
    assert max_diff(y_gpu, y) <= 1e-4, "CUDA outputs differ from the CPU"
    assert max_diff(iterate(gpu, x.cuda(), gpu_start)[0], y_gpu) <= 1e-4, "CUDA step != forward"
    back = gpu.to("cpu")
    assert max_diff(back(x, start)[0], y) <= TOL, "the round trip changed the outputs"


def check_bad_inputs_rejected(case: Case) -> None:
    """Wrong shapes, NaN and inf raise InputError; a state of the wrong batch or length, StateError."""
    model = model_of(case)
    x = inputs(model)
    wrong_width = x[..., :0] if model.input_size > 1 else x.repeat(1, 1, 2)
    message = expect_error(InputError, lambda: model(wrong_width), "a wrong feature width")
    assert "shaped" in message, message
    message = expect_error(
        InputError, lambda: model.step(x, model.init_state(BATCH)), "a sequence given to step"
    )
    assert "shaped" in message, message
    nan_x = x.clone()
    nan_x[1, 2, 0] = float("nan")
    message = expect_error(InputError, lambda: model(nan_x), "a NaN input")
    assert "NaN" in message, message
    expect_error(
        InputError, lambda: model.step(nan_x[:, 2], model.init_state(BATCH)), "a NaN step input"
    )
    inf_x = x.clone()
    inf_x[0, 4, 0] = float("inf")
    expect_error(InputError, lambda: model(inf_x), "an inf input")
    message = expect_error(
        StateError, lambda: model(x, model.init_state(BATCH + 1)), "a state of another batch"
    )
    assert "state" in message, message
    message = expect_error(
        StateError,
        lambda: model.step(x[:, 0], model.init_state(BATCH)[:-1]),
        "a state missing a tensor",
    )
    assert "state" in message, message


def check_dropout_inactive_in_eval(case: Case) -> None:
    """With dropout 0.5, eval mode is deterministic and step == forward; training mode is not."""
    params = {**case.params, "dropout": 0.5}
    model = build(Case(case.cls, params))
    x = inputs(model)
    y, _ = model(x)
    assert torch.equal(model(x)[0], y), "eval-mode forward is not deterministic"
    assert max_diff(iterate(model, x, model.init_state(BATCH))[0], y) <= TOL
    if getattr(model, "num_layers", 2) > 1 or hasattr(model, "blocks"):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(3)
            trained = model.train()(x)[0]
        assert max_diff(trained, y) > 1e-4, "dropout is not wired in training mode"


#: name -> check, in the order they run.
ENCODER_CHECKS = {
    "params": check_params_of_encoder,
    "shapes_and_state_layout": check_shapes_and_state_layout,
    "forward_equals_step": check_forward_equals_step,
    "chunked_forward": check_chunked_forward,
    "batch_rows_independent": check_batch_rows_independent,
    "causality": check_causality,
    "clone_is_untrained": check_clone_is_untrained,
    "copy_round_trip": check_copy_round_trip,
    "seeding_idempotent": check_seeding_idempotent,
    "device_round_trip_cpu": check_device_round_trip_cpu,
    "device_round_trip_cuda": check_device_round_trip_cuda,
    "bad_inputs_rejected": check_bad_inputs_rejected,
    "dropout_inactive_in_eval": check_dropout_inactive_in_eval,
}


def _applies(name: str, case: Case, cuda: bool) -> bool:
    if name == "device_round_trip_cuda":
        return cuda
    if name == "dropout_inactive_in_eval":
        return "dropout" in case.params or "dropout" in build(case).get_params()
    return True


def yield_encoder_checks(
    encoder_or_class: StepEncoder | type[StepEncoder], cuda: bool | None = None
) -> Iterator[Check]:
    """Every encoder check for each case: each ``test_config()`` item, or the encoder given.

    Parameters
    ----------
    encoder_or_class : StepEncoder or StepEncoder subclass
        The encoder (checked with its own weights) or a class (checked on each of its
        ``test_config()`` items).
    cuda : bool or None
        Include the CUDA round trip; ``None``: when CUDA is available.
    """
    cuda = torch.cuda.is_available() if cuda is None else cuda
    cases = cases_of(
        encoder_or_class,
        StepEncoder,
        "an encoder",
        read=lambda cls, item: (dict(item), None),
        default_fixture=lambda cls: None,
    )
    for case in cases:
        for name, function in ENCODER_CHECKS.items():
            if _applies(name, case, cuda):
                yield Check(name, case, function)
