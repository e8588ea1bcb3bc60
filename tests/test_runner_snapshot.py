"""Runner snapshots: exact round trips, refusal of corrupt or foreign files, crash safety."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import safetensors.torch
import torch

from tslib.encoders import ENCODER_REGISTRY
from tslib.errors import SnapshotError
from tslib.runner import StepwiseRunner, snapshot

pytestmark = pytest.mark.timeout(90)

WORKER = Path(__file__).parent / "helpers" / "runner_kill_worker.py"


def make_model(seed: int = 0, hidden_size: int = 5, name: str = "recurrent"):
    torch.manual_seed(seed)
    if name == "transformer":
        return ENCODER_REGISTRY["transformer"](
            input_size=3, d_model=8, output_size=2, n_heads=2, context=3
        ).eval()
    return ENCODER_REGISTRY["recurrent"](
        input_size=3, hidden_size=hidden_size, output_size=2, cell="lstm"
    ).eval()


def busy_runner(model, ids=("a", "b", "c", "d")) -> StepwiseRunner:
    """A runner whose history has attaches, a detach, a reset and uneven step counts."""
    runner = StepwiseRunner(model, device="cpu", initial_capacity=2)
    gen = torch.Generator().manual_seed(7)
    for _ in range(4):
        runner.step(list(ids[:3]), torch.randn(3, 3, generator=gen))
    runner.detach(ids[1])
    runner.reset(ids[2])
    runner.step([ids[3], ids[0]], torch.randn(2, 3, generator=gen))
    return runner


@pytest.mark.parametrize(
    ("name", "ids"), [("recurrent", ("a", "b", "c", "d")), ("transformer", (5, 9, 2, 7))]
)
def test_round_trip_is_exact_and_continues_identically(tmp_path, name, ids):
    model = make_model(name=name)
    runner = busy_runner(model, ids)
    path = tmp_path / "run.snap"
    runner.save(path)
    restored = StepwiseRunner.load(path, make_model(name=name), device="cpu")
    assert restored.streams == runner.streams == (ids[0], ids[2], ids[3])
    assert restored.id_kind == runner.id_kind
    for s in runner.streams:
        assert restored.step_count(s) == runner.step_count(s)
        assert torch.equal(restored.last_output(s), runner.last_output(s))
        assert all(torch.equal(a, b) for a, b in zip(restored.state_of(s), runner.state_of(s)))
    future = torch.randn(3, 2, 3, generator=torch.Generator().manual_seed(8))
    live = [ids[0], ids[3]]
    assert torch.equal(restored.forecast(live, 3, future[:2]), runner.forecast(live, 3, future[:2]))
    for t in range(3):
        x = torch.randn(3, 3, generator=torch.Generator().manual_seed(t))
        assert torch.equal(restored.step([ids[2], ids[0], ids[3]], x),
                           runner.step([ids[2], ids[0], ids[3]], x))  # fmt: skip


def test_empty_runner_round_trip_and_constructor_options(tmp_path):
    StepwiseRunner(make_model(), device="cpu").save(tmp_path / "empty.snap")
    restored = StepwiseRunner.load(tmp_path / "empty.snap", make_model(), device="cpu", trace=True)
    assert restored.streams == () and restored.id_kind is None and restored.trace is not None
    restored.step([1], torch.zeros(1, 3))
    assert restored.id_kind == "int"


def test_load_parses_no_pickle(tmp_path, monkeypatch):
    busy_runner(make_model()).save(tmp_path / "run.snap")

    def forbidden(*args, **kwargs):
        raise AssertionError("snapshot loading must not unpickle")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    assert len(StepwiseRunner.load(tmp_path / "run.snap", make_model(), device="cpu")) == 3


def test_missing_file(tmp_path):
    with pytest.raises(SnapshotError, match="does not exist"):
        StepwiseRunner.load(tmp_path / "nope.snap", make_model(), device="cpu")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello world", b"\x00" * 200,
     safetensors.torch.save({"state.0": torch.zeros(1, 2)}, metadata={"tslib": "{}"})],
)  # fmt: skip
def test_wrong_format(tmp_path, content):
    (tmp_path / "bad.snap").write_bytes(content)
    with pytest.raises(SnapshotError, match="not a tslib runner snapshot"):
        StepwiseRunner.load(tmp_path / "bad.snap", make_model(), device="cpu")


def test_unsupported_format_version(tmp_path):
    meta = {"format_version": 99, "ids": [], "id_kind": None, "step_counts": [],
            "n_state": 0, "fingerprint": make_model().fingerprint()}  # fmt: skip
    payload = safetensors.torch.save(
        {"last_output": torch.zeros(0, 2)}, metadata={"tslib": json.dumps(meta)}
    )
    data = snapshot.MAGIC + hashlib.sha256(payload).digest() + payload
    (tmp_path / "v99.snap").write_bytes(data)
    with pytest.raises(SnapshotError, match="format version 99"):
        StepwiseRunner.load(tmp_path / "v99.snap", make_model(), device="cpu")


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.05, 0.3, 0.5, 0.9, 0.999])
def test_truncated_file(tmp_path, fraction):
    path = tmp_path / "run.snap"
    busy_runner(make_model()).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(SnapshotError, match="truncated|not a tslib runner snapshot"):
        StepwiseRunner.load(path, make_model(), device="cpu")


@pytest.mark.parametrize("where", [0, 30, 60, 100, 0.5, -40, -1])
def test_flipped_byte(tmp_path, where):
    path = tmp_path / "run.snap"
    busy_runner(make_model()).save(path)
    data = bytearray(path.read_bytes())
    offset = int(where * len(data)) if isinstance(where, float) else where
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="checksum mismatch|not a tslib runner snapshot"):
        StepwiseRunner.load(path, make_model(), device="cpu")


@pytest.mark.parametrize(
    "other", [lambda: make_model(seed=1), lambda: make_model(hidden_size=6)],
    ids=["other-weights", "other-architecture"],
)  # fmt: skip
def test_different_model_is_refused(tmp_path, other):
    busy_runner(make_model()).save(tmp_path / "run.snap")
    with pytest.raises(SnapshotError, match="different model"):
        StepwiseRunner.load(tmp_path / "run.snap", other(), device="cpu")


def half_then_fail(stream, data):
    stream.write(data[: len(data) // 2])
    raise OSError(28, "No space left on device")


def fsync_fails(handle):
    raise OSError(5, "Input/output error")


@pytest.mark.parametrize("failure", ["write", "fsync"])
def test_crash_mid_write_keeps_previous_snapshot(tmp_path, monkeypatch, failure):
    model = make_model()
    runner = busy_runner(model)
    path = tmp_path / "run.snap"
    runner.save(path)
    saved_counts = {s: runner.step_count(s) for s in runner.streams}
    runner.step(["a"], torch.ones(1, 3))
    if failure == "write":
        monkeypatch.setattr(snapshot, "_write_chunks", half_then_fail)
    else:
        monkeypatch.setattr(snapshot.os, "fsync", fsync_fails)
    with pytest.raises(SnapshotError, match="could not write snapshot"):
        runner.save(path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["run.snap"]  # no temporary file left behind
    restored = StepwiseRunner.load(path, make_model(), device="cpu")
    assert {s: restored.step_count(s) for s in restored.streams} == saved_counts


def read_records(path: Path, n_streams: int, n_outputs: int) -> torch.Tensor:
    """Whole step records of the worker's output file as (steps, B, O) float32."""
    record = n_streams * n_outputs * 4
    data = path.read_bytes() if path.exists() else b""
    whole = len(data) // record
    flat = np.frombuffer(data[: whole * record], dtype=np.float32)
    return torch.from_numpy(flat.copy()).reshape(whole, n_streams, n_outputs)


@pytest.mark.slow
def test_sigkill_mid_stream_then_restore_and_replay_is_exact(tmp_path):
    helper = runpy.run_path(str(WORKER))
    n_streams, steps, every = 4, 400, 7
    command = [sys.executable, str(WORKER), str(tmp_path), str(n_streams), str(steps),
               str(every), "0.01"]  # fmt: skip
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    outputs_file, snap = tmp_path / "outputs.bin", tmp_path / "runner.snap"
    deadline = time.monotonic() + 60
    try:
        while len(read_records(outputs_file, n_streams, 2)) < 3 * every + 3:
            assert worker.poll() is None, worker.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "worker made no progress"
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill() if worker.poll() is None else None
        worker.wait()
    assert worker.returncode == -signal.SIGKILL
    written = read_records(outputs_file, n_streams, 2)
    assert 3 * every + 3 <= len(written) < steps  # killed mid-stream

    ids, xs = helper["stream_ids"](n_streams), helper["series"](n_streams, steps)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the worker, so float reductions are identical
    try:
        restored = StepwiseRunner.load(snap, helper["build_model"](), device="cpu")
        resumed_at = restored.step_count(ids[0])
        assert resumed_at % every == 0 and every <= resumed_at <= len(written)
        assert {restored.step_count(s) for s in ids} == {resumed_at}
        replayed = [restored.step(ids, xs[t]) for t in range(resumed_at, steps)]
        combined = torch.cat([written[:resumed_at], torch.stack(replayed)])  # (steps, B, O)
        clean = StepwiseRunner(helper["build_model"](), device="cpu")
        uninterrupted = torch.stack([clean.step(ids, xs[t]) for t in range(steps)])
    finally:
        torch.set_num_threads(threads)
    assert combined.shape == uninterrupted.shape == (steps, n_streams, 2)
    assert torch.equal(combined, uninterrupted)
