"""Snapshots whose checksum is valid but whose content is wrong, and crash leftovers.

The checksum proves integrity, not validity. Each case below is a hand-made
snapshot file with a correct checksum and one wrong field; loading it must raise
:class:`SnapshotError` naming the field, and never a raw ``KeyError``,
``AttributeError``, ``RuntimeError``, ``ValueError`` or ``SafetensorError``, nor
load silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import safetensors.torch
import torch

from tslib.encoders import ENCODER_REGISTRY
from tslib.errors import SnapshotError, StateError
from tslib.runner import StepwiseRunner, snapshot

pytestmark = pytest.mark.timeout(120)


def make_model():
    return ENCODER_REGISTRY["recurrent"](
        input_size=3, hidden_size=5, output_size=2, cell="lstm", seed=0
    ).eval()


def live_runner() -> StepwiseRunner:
    runner = StepwiseRunner(make_model(), device="cpu", initial_capacity=2)
    gen = torch.Generator().manual_seed(3)
    for _ in range(3):
        runner.step(["a", "b", "c"], torch.randn(3, 3, generator=gen))
    return runner


def parts(tmp_path: Path) -> tuple[dict, dict]:
    """Metadata and tensors of a genuine snapshot of three live streams."""
    path = tmp_path / "genuine.snap"
    live_runner().save(path)
    payload = path.read_bytes()[len(snapshot.MAGIC) + 32 :]
    size = int.from_bytes(payload[:8], "little")
    meta = json.loads(json.loads(payload[8 : 8 + size])["__metadata__"]["tslib"])
    return meta, safetensors.torch.load(payload)


def seal(payload: bytes) -> bytes:
    """Magic header and a correct checksum around ``payload``."""
    return snapshot.MAGIC + hashlib.sha256(payload).digest() + payload


def write(path: Path, meta: object, tensors: dict, raw_meta: str | None = None) -> Path:
    text = json.dumps(meta) if raw_meta is None else raw_meta
    path.write_bytes(seal(safetensors.torch.save(tensors, metadata={"tslib": text})))
    return path


def load(path: Path) -> StepwiseRunner:
    return StepwiseRunner.load(path, make_model(), device="cpu")


def test_genuine_parts_load(tmp_path):
    """The helpers themselves produce a loadable file (so the cases below test one change)."""
    meta, tensors = parts(tmp_path)
    runner = load(write(tmp_path / "same.snap", meta, tensors))
    assert runner.streams == ("a", "b", "c") and runner.step_count("b") == 3


@pytest.mark.parametrize(
    "field", ["ids", "id_kind", "step_counts", "n_state", "fingerprint", "format_version"]
)
def test_metadata_missing_field(tmp_path, field):
    meta, tensors = parts(tmp_path)
    del meta[field]
    pattern = "format version" if field == "format_version" else rf"'{field}' is missing"
    with pytest.raises(SnapshotError, match=pattern):
        load(write(tmp_path / "bad.snap", meta, tensors))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ids", "abc"),
        ("ids", {"a": 1}),
        ("id_kind", 3),
        ("id_kind", "float"),
        ("step_counts", {"a": 3}),
        ("step_counts", None),
        ("n_state", "2"),
        ("n_state", 2.0),
        ("n_state", True),
        ("fingerprint", 12),
        ("fingerprint", None),
    ],
)
def test_metadata_field_of_wrong_json_type(tmp_path, field, value):
    meta, tensors = parts(tmp_path)
    meta[field] = value
    with pytest.raises(SnapshotError, match=rf"'{field}'"):
        load(write(tmp_path / "bad.snap", meta, tensors))


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "null", "{not json"])
def test_metadata_that_is_not_a_json_object(tmp_path, raw):
    meta, tensors = parts(tmp_path)
    with pytest.raises(SnapshotError, match="metadata"):
        load(write(tmp_path / "bad.snap", meta, tensors, raw_meta=raw))


def test_metadata_without_the_tslib_entry(tmp_path):
    _, tensors = parts(tmp_path)
    path = tmp_path / "bad.snap"
    path.write_bytes(seal(safetensors.torch.save(tensors, metadata={"other": "x"})))
    with pytest.raises(SnapshotError, match="metadata"):
        load(path)


@pytest.mark.parametrize(
    ("ids", "kind", "pattern"),
    [
        ([1, 2, 3], "str", r"'ids'\[0\]"),
        (["a", "b", True], "str", r"'ids'\[2\]"),
        ([1, 2, True], "int", r"'ids'\[2\]"),
        ([1.0, 2.0, 3.0], "int", r"'ids'\[0\]"),
        (["a", "b", "c"], None, "'id_kind' is null"),
        (["a", "b"], "str", "'step_counts' has 3 entries for 2 ids"),
    ],
)
def test_ids_of_the_wrong_kind_or_count(tmp_path, ids, kind, pattern):
    meta, tensors = parts(tmp_path)
    meta["ids"], meta["id_kind"] = ids, kind
    with pytest.raises(SnapshotError, match=pattern):
        load(write(tmp_path / "bad.snap", meta, tensors))


def test_duplicate_ids_are_refused_and_leak_no_slot(tmp_path):
    meta, tensors = parts(tmp_path)
    meta["ids"] = ["a", "b", "a"]
    with pytest.raises(SnapshotError, match=r"'ids' repeats stream id\(s\) \['a'\]"):
        load(write(tmp_path / "bad.snap", meta, tensors))


def test_pool_refuses_repeated_or_live_ids_without_leaking_a_slot():
    pool = live_runner()._pool
    in_use, kind = pool.in_use, pool.kind
    for ids in (["x", "x"], ["a"], ["y", "b"]):
        with pytest.raises(StateError, match="repeated or already live"):
            pool.attach(ids, "str")
        assert pool.in_use == in_use and pool.kind == kind and "x" not in pool.slots


@pytest.mark.parametrize("count", ["3", -1, 2.0, 2.5, None, True, 2**63])
def test_bad_step_counts(tmp_path, count):
    meta, tensors = parts(tmp_path)
    meta["step_counts"][1] = count
    with pytest.raises(SnapshotError, match=r"'step_counts'\[1\]"):
        load(write(tmp_path / "bad.snap", meta, tensors))


@pytest.mark.parametrize(
    ("name", "width"), [("state.0", 4), ("state.1", 7), ("last_output", 3), ("last_output", 1)]
)
def test_wrong_tensor_widths(tmp_path, name, width):
    meta, tensors = parts(tmp_path)
    shape = list(tensors[name].shape)
    shape[-1] = width
    tensors[name] = torch.zeros(shape)
    with pytest.raises(SnapshotError, match="layout|width"):
        load(write(tmp_path / "bad.snap", meta, tensors))


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ("drop state.1", r"\['state.1'\] are missing"),
        ("drop last_output", r"\['last_output'\] are missing"),
        ("extra", r"unexpected tensor\(s\) \['state.9'\]"),
        ("rows", "expected one row for each of the 3 stream ids"),
        ("int output", "'last_output' has dtype torch.int64"),
        ("1-d output", "'last_output'"),
        ("float64 state", "layout"),
        ("n_state 1", "layout|unexpected"),
    ],
)
def test_tensors_that_do_not_match_the_metadata(tmp_path, change, pattern):
    meta, tensors = parts(tmp_path)
    if change.startswith("drop"):
        del tensors[change.split()[1]]
    elif change == "extra":
        tensors["state.9"] = torch.zeros(3, 1)
    elif change == "rows":
        tensors["state.0"] = tensors["state.0"][:2].clone()
    elif change == "int output":
        tensors["last_output"] = torch.zeros(3, 2, dtype=torch.int64)
    elif change == "1-d output":
        tensors["last_output"] = torch.zeros(3)
    elif change == "float64 state":
        tensors["state.1"] = tensors["state.1"].double()
    else:
        meta["n_state"] = 1
    with pytest.raises(SnapshotError, match=pattern):
        load(write(tmp_path / "bad.snap", meta, tensors))


@pytest.mark.parametrize("name", ["state.0", "state.1", "last_output"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_states_are_refused_naming_the_stream(tmp_path, name, value):
    meta, tensors = parts(tmp_path)
    tensors[name] = tensors[name].clone()
    tensors[name][2].view(-1)[0] = value
    with pytest.raises(SnapshotError, match=rf"'{name}' holds NaN or inf for stream 'c'"):
        load(write(tmp_path / "bad.snap", meta, tensors))


@pytest.mark.parametrize("kept", [0.0, 0.5, 0.99])
def test_short_data_section_with_a_valid_checksum(tmp_path, kept):
    meta, tensors = parts(tmp_path)
    payload = safetensors.torch.save(tensors, metadata={"tslib": json.dumps(meta)})
    data_start = 8 + int.from_bytes(payload[:8], "little")
    end = data_start + int(kept * (len(payload) - data_start))
    path = tmp_path / "short.snap"
    path.write_bytes(seal(payload[:end]))
    with pytest.raises(SnapshotError, match="unreadable tensor data"):
        load(path)


@pytest.mark.parametrize("header", [b"\xff" * 8, (10**6).to_bytes(8, "little"), b"\x03"])
def test_garbled_header_with_a_valid_checksum(tmp_path, header):
    path = tmp_path / "garbled.snap"
    path.write_bytes(seal(header + b'{"x": 1}'))
    with pytest.raises(SnapshotError, match="unreadable snapshot"):
        load(path)


def test_empty_runner_keeps_its_id_kind(tmp_path):
    runner = StepwiseRunner(make_model(), device="cpu")
    runner.step([4, 5], torch.zeros(2, 3))
    runner.detach(4)
    runner.detach(5)
    assert runner.id_kind == "int" and len(runner) == 0
    runner.save(tmp_path / "empty.snap")
    restored = load(tmp_path / "empty.snap")
    assert restored.id_kind == "int" and len(restored) == 0
    with pytest.raises(Exception, match="stream ids are int"):
        restored.step(["a"], torch.zeros(1, 3))


CRASHING_SAVER = textwrap.dedent(
    """
    import sys, time
    import torch
    from tslib.encoders import ENCODER_REGISTRY
    from tslib.runner import StepwiseRunner, snapshot

    def half_then_hang(stream, data):
        stream.write(data[: len(data) // 2])
        stream.flush()
        print("writing", flush=True)
        time.sleep(60)

    model = ENCODER_REGISTRY["recurrent"](input_size=3, hidden_size=5, output_size=2, seed=0)
    runner = StepwiseRunner(model.eval(), device="cpu")
    runner.step(list(range(2000)), torch.ones(2000, 3))
    snapshot._write_chunks = half_then_hang
    runner.save(sys.argv[1])
    """
)


def kill_mid_save(target: Path) -> int:
    """Run a saver of ``target`` in a child process and SIGKILL it mid-write; return its pid."""
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_SAVER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    return child.pid


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("next_operation", ["save", "load"])
def test_sigkill_during_save_leaves_no_orphan_after_the_next_save_or_load(tmp_path, next_operation):
    target = tmp_path / "run.snap"
    runner = live_runner()
    runner.save(target)
    pid = kill_mid_save(target)
    orphans = list(tmp_path.glob(f".run.snap.*{pid}.*.tmp"))
    assert len(orphans) == 1 and orphans[0].stat().st_size > 0
    # A dead writer's temporary of another target (run.snap.1) is not ours to remove.
    foreign = tmp_path / f".run.snap.1.pid{pid}.abcdefgh.tmp"
    foreign.write_bytes(b"x")
    if next_operation == "save":
        runner.save(target)
    else:
        assert load(target).streams == ("a", "b", "c")  # the previous file is intact
    assert not orphans[0].exists()
    assert foreign.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run.snap", foreign.name])


def test_temporaries_of_live_processes_and_recent_legacy_ones_are_kept(tmp_path):
    target = tmp_path / "run.snap"
    live = tmp_path / f".run.snap.pid{os.getppid()}.abc123_x.tmp"  # the parent is alive
    recent = tmp_path / ".run.snap.k2j4h5g6.tmp"  # an earlier version's name, fresh
    old = tmp_path / ".run.snap.z9y8x7w6.tmp"  # an earlier version's name, an hour old
    for path in (live, recent, old):
        path.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    removed = snapshot.remove_stale_temporaries(str(target))
    assert removed == [str(old)]
    assert live.exists() and recent.exists() and not old.exists()
