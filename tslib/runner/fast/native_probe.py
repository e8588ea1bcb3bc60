"""Probe a freshly built native library in a subprocess; cache the verdict with the build.

Calling into a C library through :mod:`ctypes` trusts two things nothing else
checks: that the hand-written ctypes mirrors of the argument structs match the
compiler's layout, and that torch's exported ``sgemm_`` takes the calling
convention the kernels assume (an ILP64 MKL build or another BLAS could differ).
Either mistake would corrupt memory or kill the interpreter rather than raise.
So before :func:`~tslib.runner.fast.native_build.load_native` loads a library into
this process, :func:`probe_library` runs :mod:`.native_probe_child` in a
**subprocess** on it (struct layout, every kernel variant against the reference
kernel, ``sgemm`` against ``torch.mm``) and decides from what it reports:

* the child crashed (a signal or a non-zero exit), timed out, or a check before
  ``sgemm`` failed, or the layout differs from this process's ctypes mirrors: the
  native path is disabled (:attr:`ProbeVerdict.usable` is False);
* only ``sgemm`` or the fused tile path failed (crash or wrong product): the native
  path is kept without it (:attr:`ProbeVerdict.sgemm` is False: ``torch.mm`` per layer);
* no ``sgemm_`` exported (another BLAS): the same, and nothing to warn about.

The raw outcome is cached next to the library as ``<library stem>.<torch key>.probe.json``
(the library's name already keys the source, compiler and flags; the torch key adds
torch's version and location, which decide the ``sgemm``), so the probe runs once per
build (a timeout is not cached). Delete the cache folder to probe again.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from tslib.runner.fast.native_probe_child import FAULT_ENV, TOLERANCE
from tslib.runner.fast.native_structs import layout_mismatches

__all__ = ["PROBE_TIMEOUT_S", "ProbeVerdict", "decide", "probe_library", "run_probe"]

#: Seconds the child may take (it imports torch and steps a few tiny models: ~2-5 s).
PROBE_TIMEOUT_S = 120
_CHILD = "from tslib.runner.fast.native_probe_child import main; raise SystemExit(main())"
_SGEMM_STAGES = ("sgemm", "tiled")  # a failure here costs only the fused tile path


@dataclass(frozen=True)
class ProbeVerdict:
    """What the probe allows."""

    usable: bool  # the native library may be loaded and called
    sgemm: bool  # the kernels may call torch's sgemm from C (the fused tile path)
    problem: str  # why something was disabled ("" when nothing failed); logged as a warning
    note: str = ""  # something unavailable that is not a failure (no sgemm_ exported)
    load_error: bool = False  # the library raised on loading (no crash): try other flags


def _torch_key() -> str:
    import torch

    identity = f"{torch.__version__}\0{Path(torch.__file__).resolve().parent}"
    identity += f"\0{os.environ.get(FAULT_ENV, '')}"  # a simulated fault never poisons a cache
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def run_probe(path: Path, flags: tuple[str, ...], timeout_s: float | None = None) -> dict:
    """Run the child on the library at ``path``; return its raw outcome (JSON-able).

    ``timeout_s`` defaults to :data:`PROBE_TIMEOUT_S`. Keys of the result:
    ``returncode`` (None on a timeout), ``stage`` (the last stage started),
    ``report`` (the child's report, None when it did not finish) and ``stderr``
    (its last 2000 characters).
    """
    import tslib

    env = dict(os.environ)
    root = str(Path(tslib.__file__).resolve().parent.parent)  # the same tslib as here
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    spec = json.dumps({"path": str(path), "flags": list(flags)})
    command = [sys.executable, "-c", _CHILD, spec]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=PROBE_TIMEOUT_S if timeout_s is None else timeout_s,
        )
        stdout, stderr, returncode = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as error:
        stdout, stderr, returncode = error.stdout or "", error.stderr or "", None
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
        stderr = stderr.decode() if isinstance(stderr, bytes) else stderr
    stage, report = None, None
    for line in stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue  # something the library or torch printed
        if isinstance(message, dict):
            stage = message.get("stage", stage)
            report = message.get("report", report)
    return {"returncode": returncode, "stage": stage, "report": report, "stderr": stderr[-2000:]}


def decide(outcome: dict, structs: dict[str, type[ctypes.Structure]] | None = None) -> ProbeVerdict:
    """The verdict for a probe outcome (:func:`run_probe`) and this process's ctypes mirrors."""
    returncode, stage, report = outcome["returncode"], outcome["stage"], outcome["report"]
    if returncode is None:
        return ProbeVerdict(False, False, f"the probe timed out in stage {stage!r}")
    if returncode != 0 or report is None:
        what = f"the probe crashed in stage {stage!r} ({_exit_description(returncode)})"
        if stage in _SGEMM_STAGES:
            return ProbeVerdict(True, False, f"{what}; torch's sgemm is not used")
        tail = outcome.get("stderr", "").strip().splitlines()[-1:]
        what += f": {tail[0][:200]}" if tail else ""
        if stage == "load" and returncode > 0:  # an exception (missing symbol, ABI), no crash
            return ProbeVerdict(False, False, "", what, load_error=True)
        return ProbeVerdict(False, False, what)
    mismatches = layout_mismatches(report["layout"] or {}, structs)
    if mismatches:
        shown = "; ".join(mismatches[:3]) + ("; ..." if len(mismatches) > 3 else "")
        return ProbeVerdict(False, False, f"struct layout differs from the ctypes mirror: {shown}")
    errors = report["errors"]
    if errors["small"] is None:
        return ProbeVerdict(False, False, "the probe stopped before checking the kernels")
    for check in ("small", "mm"):
        if errors[check] is not None and not errors[check] <= TOLERANCE:
            return ProbeVerdict(
                False,
                False,
                f"the {check!r} kernel differs from the reference by {errors[check]:.3g}",
            )
    if not report["sgemm_found"]:
        return ProbeVerdict(True, False, "", "libtorch_cpu exports no usable sgemm_")
    for check in _SGEMM_STAGES:
        if errors[check] is not None and not errors[check] <= TOLERANCE:
            detail = f"{errors[check]:.3g}"
            return ProbeVerdict(
                True, False, f"the {check!r} check is off by {detail}; torch's sgemm is not used"
            )
    sgemm = errors["sgemm"] is not None and (
        errors["tiled"] is not None or not report["vector_math"]
    )
    return ProbeVerdict(True, sgemm, "")


def _cache_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.{_torch_key()}.probe.json")


def probe_library(
    path: Path,
    flags: tuple[str, ...],
    structs: dict[str, type[ctypes.Structure]] | None = None,
) -> ProbeVerdict:
    """The verdict for the library at ``path``: from the cached outcome, else a new probe.

    The outcome is written atomically next to the library (a concurrent probe of
    the same build writes the same kind of content), except after a timeout; the
    decision is taken here on every call, against this process's ctypes mirrors
    ``structs``.
    """
    cached = _cache_path(path)
    try:
        outcome = json.loads(cached.read_text())
    except (OSError, ValueError):
        outcome = run_probe(path, flags)
        if outcome["returncode"] is None:  # a timeout may be a busy machine: not cached
            return decide(outcome, structs)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            partial.write_text(json.dumps(outcome) + "\n")
            os.replace(partial, cached)
        except OSError:
            pass  # a read-only cache: probe again next time
        finally:
            partial.unlink(missing_ok=True)
    return decide(outcome, structs)
