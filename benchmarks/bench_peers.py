"""(d) Peers: cost per new observation and per step of 1000 streams.

Every candidate runs in this one process, alternating round by round (median,
quartiles, ratio of medians to ``runner.step``):

* statsmodels SARIMAX(1, 0, 1): ``results.extend([y])`` then ``forecast(1)``;
* River SNARIMAX(1, 0, 1): ``learn_one(y)`` then ``forecast(horizon=1)``;
* Darts ``RNNModel(model="LSTM", input_chunk_length=168, hidden_dim=64)``, fitted for
  one epoch on a short series: ``predict(1, series=history)`` as users call it
  (Darts builds a Lightning trainer and a dataset per call), and with a reused
  ``pl.Trainer`` (its fastest documented path);
* NeuralForecast ``LSTM(h=1, input_size=168)`` with one 64-unit layer, fitted for
  a few steps: ``NeuralForecast.predict(df=...)``.

The peers are optional: one that is not importable is skipped, with the reason
in the result. The deep peers are timed on prebuilt inputs (the conservative
choice for tslib); building those inputs from a stream's last 168 values is
timed in separate ``input:`` rows. SARIMAX at 1000 streams is timed on 25 series
and scaled.

``python -m benchmarks.bench_peers`` writes ``results/<machine>-<date>-peers.json``.

Goals (issue 17, goal 4): >= 200x faster than Darts per new observation and at 1000
streams, for both Darts paths: the default ``predict`` and the reused ``pl.Trainer``
(its fastest path); and ``runner.step`` at batch 1 <= 0.5x River SNARIMAX's time per
observation. A goal is "met" or "missed" only when its peer ran in this process;
otherwise it is "not measured" (``met`` is None), never met from stored figures. The
runner without the native path (``TSLIB_NATIVE=0``) is timed in the same rounds: the
"before" of each per-observation goal.

The peers live in their own environment (they pull in Lightning, numba, ...). When
River or Darts is missing here and a peers interpreter exists (``$TSLIB_PEERS_PYTHON``,
else ``.venv-peers/bin/python`` in the repository), :func:`run` runs this section
there in a subprocess and returns its result; see ``benchmarks/README.md`` for how to
create that environment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import BenchModel, live_runner
from tslib.timing import machine_info, machine_slug, measure

__all__ = ["DARTS_PATHS", "PEERS", "darts_goals", "main", "peers_python", "river_goal", "run"]

STREAMS = 1000
WINDOW = 168  # history a deep peer reads per forecast (input_chunk_length / input_size)
SARIMAX_SUBSET = 25  # series timed for SARIMAX at 1000 streams, scaled by STREAMS / subset
#: Darts goal: the runner at least this many times faster (per observation, 1000 streams).
DARTS_TARGET = 200.0
VERSIONED = "torch numpy pandas statsmodels river darts neuralforecast pytorch-lightning".split()
QUIET_LOGGERS = "pytorch_lightning lightning lightning_fabric lightning_utilities".split()
#: Lightning trainer options of the deep peers: CPU; no logger, progress bar or checkpoints.
TRAINER_KWARGS = {"accelerator": "cpu", "logger": False, "enable_progress_bar": False}
TRAINER_KWARGS |= {"enable_model_summary": False, "enable_checkpointing": False}
ONE, MANY = "runner.step (1 stream)", f"runner.step ({STREAMS} streams)"
ONE_BEFORE = "runner.step (1 stream, native off)"  # the "before" of the per-observation goals
RIVER_ONE = "River SNARIMAX learn_one+forecast"
#: River goal: runner.step at batch 1 at most this fraction of River's time per observation.
RIVER_TARGET = 0.5
#: Environment variable naming the peers environment's Python interpreter.
PEERS_PYTHON_ENV = "TSLIB_PEERS_PYTHON"
DARTS_ONE = "Darts RNNModel.predict(1, series=history)"  # the goal's candidates
DARTS_MANY = f"Darts RNNModel.predict(1, series=[{STREAMS} series])"
DARTS_ONE_TRAINER = "Darts predict, reused pl.Trainer"
DARTS_MANY_TRAINER = f"Darts predict, reused pl.Trainer, batch_size={STREAMS}"
#: Darts path -> (candidate per observation, candidate at STREAMS streams).
DARTS_PATHS = {
    "default predict": (DARTS_ONE, DARTS_MANY),
    "reused pl.Trainer": (DARTS_ONE_TRAINER, DARTS_MANY_TRAINER),
}
Candidates = dict[str, Callable[[], object]]


def _series(seed: int, length: int) -> np.ndarray:
    """An AR(1) series, phi = 0.7, standard normal noise, float32."""
    noise = np.random.default_rng(seed).normal(size=length)
    values = np.zeros(length)
    for t in range(1, length):
        values[t] = 0.7 * values[t - 1] + noise[t]
    return values.astype(np.float32)


def _windows() -> tuple[np.ndarray, np.ndarray]:
    """The last WINDOW values of one stream (W,) and of STREAMS streams (S, W)."""
    many = np.random.default_rng(1).normal(size=(STREAMS, WINDOW)).astype(np.float32)  # (S, W)
    return _series(0, WINDOW), many


def _alternate(candidates: Candidates, rounds: int, target_s: float = 0.02) -> dict[str, dict]:
    """Per-call microseconds of each candidate, timed alternately in a rotating order.

    A thin adapter over :func:`tslib.timing.measure` (one warm-up call, calls per
    sample calibrated to about ``target_s``) that keeps this file's JSON keys.
    """
    timings = measure(candidates, rounds=rounds, target_s=target_s, warmup=1)
    out = {}
    for name, timing in timings.items():
        record = timing.as_dict()
        record["calls_per_round"] = record.pop("number")
        out[name] = record
    return out


def _sarimax() -> tuple[Candidates, Candidates]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    def stepper(seed: int) -> Callable[[], object]:
        values = _series(seed, 400).astype(np.float64)
        box = [SARIMAX(values[:300], order=(1, 0, 1)).fit(disp=False)]
        stream = itertools.cycle(values[300:])

        def step():
            box[0] = box[0].extend([next(stream)])
            return box[0].forecast(1)

        return step

    one, subset = stepper(0), [stepper(seed) for seed in range(1, SARIMAX_SUBSET + 1)]
    name = f"SARIMAX extend+forecast (x{STREAMS // SARIMAX_SUBSET})"
    return {"SARIMAX extend+forecast": one}, {name: lambda: [s() for s in subset]}


def _river() -> tuple[Candidates, Candidates]:
    from river import time_series

    def stepper(seed: int) -> Callable[[], object]:
        values = _series(seed, 400).astype(float)
        model = time_series.SNARIMAX(p=1, d=0, q=1)
        for value in values[:300]:
            model.learn_one(value)
        stream = itertools.cycle(values[300:])
        return lambda: (model.learn_one(next(stream)), model.forecast(horizon=1))

    one, many = stepper(0), [stepper(seed) for seed in range(1, STREAMS + 1)]
    name = "River SNARIMAX learn_one+forecast"
    return {name: one}, {name: lambda: [s() for s in many]}


def _darts() -> tuple[Candidates, Candidates]:
    import pytorch_lightning as pl
    from darts import TimeSeries
    from darts.models import RNNModel

    _quiet()
    options = {"training_length": WINDOW + 1, "n_epochs": 1, "batch_size": 32, "random_state": 0}
    model = RNNModel(
        model="LSTM", input_chunk_length=WINDOW, hidden_dim=64, **options,
        pl_trainer_kwargs=TRAINER_KWARGS,
    )  # fmt: skip
    model.fit(TimeSeries.from_values(_series(7, WINDOW + 64)), verbose=False)  # 64 windows
    trainer = pl.Trainer(**TRAINER_KWARGS)
    one_window, many_windows = _windows()
    history = TimeSeries.from_values(one_window)
    series = [TimeSeries.from_values(window) for window in many_windows]

    def predict(inputs, **options):
        return lambda: model.predict(1, series=inputs, verbose=False, **options)

    one = {
        DARTS_ONE: predict(history),
        DARTS_ONE_TRAINER: predict(history, trainer=trainer),
        "Darts input: TimeSeries.from_values(window)": lambda: TimeSeries.from_values(one_window),
    }
    many = {
        DARTS_MANY: predict(series),
        DARTS_MANY_TRAINER: predict(series, trainer=trainer, batch_size=STREAMS),
        f"Darts input: {STREAMS} x TimeSeries.from_values(window)": lambda: [
            TimeSeries.from_values(window) for window in many_windows
        ],
    }
    return one, many


def _frame(windows: np.ndarray):
    """Long NeuralForecast frame (S * L rows: unique_id, ds, y) from windows (S, L)."""
    import pandas as pd

    count, length = windows.shape
    stamps = pd.date_range("2020-01-01", periods=length, freq="h")
    ids = np.repeat(np.arange(count).astype(str), length)  # (S * L,)
    return pd.DataFrame({"unique_id": ids, "ds": np.tile(stamps, count), "y": windows.ravel()})


def _neuralforecast() -> tuple[Candidates, Candidates]:
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    _quiet()
    sizes = {"encoder_n_layers": 1, "encoder_hidden_size": 64, "decoder_hidden_size": 64}
    lstm = LSTM(
        h=1, input_size=WINDOW, decoder_layers=1, max_steps=3, random_seed=0, **sizes,
        **TRAINER_KWARGS,
    )  # fmt: skip
    forecaster = NeuralForecast(models=[lstm], freq="h")
    forecaster.fit(_frame(np.stack([_series(7, WINDOW + 64), _series(8, WINDOW + 64)])))
    one_window, many_windows = _windows()
    one_frame, many_frame = _frame(one_window[None]), _frame(many_windows)
    one = {
        "NeuralForecast.predict(df=1 series)": lambda: forecaster.predict(df=one_frame),
        "NeuralForecast input: DataFrame of 1 window": lambda: _frame(one_window[None]),
    }
    many = {
        f"NeuralForecast.predict(df={STREAMS} series)": lambda: forecaster.predict(df=many_frame),
        f"NeuralForecast input: DataFrame of {STREAMS} windows": lambda: _frame(many_windows),
    }
    return one, many


def _quiet() -> None:
    """Silence Lightning's per-call banners (after import: Lightning sets its own level)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _rows(timing: dict[str, dict], runner: str, scope: str) -> list[dict]:
    """One row per candidate; ``peer_over_runner`` = its median / the runner's median."""
    rows = []
    for name, result in timing.items():
        factor = STREAMS // SARIMAX_SUBSET if name.startswith("SARIMAX") and runner == MANY else 1
        scaled = {key: round(result[key] * factor, 3) for key in ("median_us", "q25_us", "q75_us")}
        rows.append(
            {
                "what": name,
                "scope": scope,
                **result,
                **scaled,
                "peer_over_runner": round(scaled["median_us"] / timing[runner]["median_us"], 3),
                "against": "itself" if name == runner else f"{runner}, same process, alternating",
            }
        )
        if factor != 1:
            rows[-1]["how"] = f"timed on {SARIMAX_SUBSET} series, scaled x{factor}"
    return rows


def darts_goals(rows: list[dict], skip: str | None) -> list[dict]:
    """The issue's goal, runner >= 200x faster than Darts RNNModel, per Darts path and scope.

    Each goal has ``status`` "met", "missed" or "not measured". It is measured only
    from rows timed in this process (Darts ran: ``skip`` is None); otherwise
    ``value`` and ``met`` are None: a goal is never met from figures of another run.
    """
    by_name = {row["what"]: row["median_us"] for row in rows}
    goals = []
    for path, (darts_one, darts_many) in DARTS_PATHS.items():
        for scope, darts, runner in (
            ("per observation", darts_one, ONE),
            (f"{STREAMS} streams", darts_many, MANY),
        ):
            goal = {"name": f"faster than Darts RNNModel, {path} ({scope})"}
            goal |= {"target": DARTS_TARGET, "higher_is_better": True}
            if skip is None and darts in by_name and runner in by_name:
                value = by_name[darts] / by_name[runner]
                met = bool(value >= DARTS_TARGET)
                note = f"{darts} vs {runner}, measured in this process, alternating"
                goal |= {"value": round(value, 4), "met": met, "status": "met" if met else "missed"}
            else:
                why = f"Darts {skip}" if skip else f"no {darts!r} row"
                note = f"not measured in this run ({why}); stored figures never count as met"
                goal |= {"value": None, "met": None, "status": "not measured"}
            goals.append(goal | {"note": note})
    return goals


def river_goal(rows: list[dict], skip: str | None) -> dict:
    """runner.step at batch 1 / River SNARIMAX per observation (goal <= 0.5), if River ran.

    ``rows``: the per-observation rows only (River's 1000-stream row has the same name).
    """
    by_name = {row["what"]: row["median_us"] for row in rows}
    goal = {"name": "runner.step / River SNARIMAX per observation (batch 1)", "issue": "17.4"}
    goal |= {"target": RIVER_TARGET, "higher_is_better": False}
    if skip is None and RIVER_ONE in by_name and ONE in by_name:
        value = by_name[ONE] / by_name[RIVER_ONE]
        met = bool(value <= RIVER_TARGET)
        goal |= {"value": round(value, 4), "met": met, "status": "met" if met else "missed"}
        goal["note"] = f"{ONE} vs {RIVER_ONE}, measured in this process, alternating"
        if ONE_BEFORE in by_name:
            goal["before"] = round(by_name[ONE_BEFORE] / by_name[RIVER_ONE], 4)
            goal["before_what"] = "runner.step without the native path, same rounds"
        return goal
    why = f"River {skip}" if skip else f"no {RIVER_ONE!r} row"
    note = f"not measured in this run ({why}); stored figures never count as met"
    return goal | {"value": None, "met": None, "status": "not measured", "note": note}


def peers_python() -> str | None:
    """The peers environment's interpreter: ``$TSLIB_PEERS_PYTHON``, else ``.venv-peers``."""
    explicit = os.environ.get(PEERS_PYTHON_ENV)
    if explicit:
        return explicit
    default = Path(__file__).resolve().parent.parent / ".venv-peers" / "bin" / "python"
    return str(default) if default.exists() else None


def _run_in_peers_env(python: str, quick: bool) -> dict:
    """Run this section with ``python`` (the peers environment); return its section dict."""
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root),
               os.environ.get("PYTHONPATH")])))  # fmt: skip
    env.pop(PEERS_PYTHON_ENV, None)  # the child measures in its own process
    with tempfile.TemporaryDirectory(prefix="tslib-peers-") as folder:
        command = [python, "-m", "benchmarks.bench_peers", "--out", folder]
        command += ["--quick"] if quick else []
        subprocess.run(command, cwd=root, env=env, check=True, timeout=1800,
                       capture_output=True, text=True)  # fmt: skip
        (path,) = Path(folder).glob("*-peers.json")
        payload = json.loads(path.read_text())
    section = payload["sections"]["peers"]
    section["environment"] = {"python": python, "machine": payload["machine"]}
    section["notes"].append(f"measured in the peers environment ({python}), in a subprocess")
    return section


#: Peer -> factory of its candidates; the key is the module that must be importable.
PEERS = {"statsmodels": _sarimax, "river": _river, "darts": _darts}
PEERS["neuralforecast"] = _neuralforecast


def run(quick: bool = False, device: str = "cpu") -> dict:
    """Per-observation and 1000-stream costs of the runner and the importable peers."""
    python = peers_python()
    missing = [peer for peer in ("river", "darts") if importlib.util.find_spec(peer) is None]
    # absolute, not resolved: two virtual environments' pythons link to one interpreter
    if missing and python and Path(python).absolute() != Path(sys.executable).absolute():
        return _run_in_peers_env(python, quick)
    spec = BenchModel()
    model = spec.build(device=device)
    one_runner, one_id, one_x = live_runner(model, 1, device)
    before_runner, _, _ = live_runner(model, 1, device, native=False)
    many_runner, many_ids, many_x = live_runner(model, STREAMS, device)
    one: Candidates = {ONE: lambda: one_runner.step(one_id, one_x)}
    one[ONE_BEFORE] = lambda: before_runner.step(one_id, one_x)
    many: Candidates = {MANY: lambda: many_runner.step(many_ids, many_x)}
    skipped, setup_s = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' convergence, deprecation and Lightning hints
        for peer, factory in PEERS.items():
            if importlib.util.find_spec(peer) is None:
                skipped[peer] = "not installed"
                continue
            start = time.perf_counter()
            try:
                peer_one, peer_many = factory()
            except ImportError as error:  # installed, but a dependency is missing or broken
                skipped[peer] = f"not importable: {error!r}"
                continue
            setup_s[peer] = round(time.perf_counter() - start, 2)  # import + fit
            one.update(peer_one)
            many.update(peer_many)
        per_obs = _alternate(one, rounds=5 if quick else 21)
        streams = _alternate(many, rounds=3 if quick else 15)
    rows = _rows(per_obs, ONE, "per new observation, 1 stream")
    goals_river = river_goal(rows, skipped.get("river"))  # per observation rows only
    rows += _rows(streams, MANY, f"one step of {STREAMS} streams")
    goals = darts_goals(rows, skipped.get("darts")) + [goals_river]
    notes = [
        f"runner: LSTM H={spec.hidden_size}, F={spec.input_size}, fast kernel; statsmodels and "
        "River: ARMA(1, 1), one object per series, no batched update",
        f"Darts RNNModel: LSTM hidden_dim=64, input_chunk_length={WINDOW}, training_length="
        f"{WINDOW + 1}, 1 epoch on {WINDOW + 64} values; predict batch_size defaults to 32",
        f"NeuralForecast LSTM: h=1, input_size={WINDOW}, encoder 1 x 64 units, decoder MLP "
        "1 x 64 (the defaults are 2 x 128), 3 training steps",
        f"deep peers are timed on prebuilt inputs; the 'input:' rows give the cost of building "
        f"those inputs from the last {WINDOW} values, which a stream pays on top",
        f"torch threads at the end: {torch.get_num_threads()}; Lightning peers run torch ops on "
        "all of them, and single calls stall (up to ~1 s seen) when another process holds a "
        "core: read q25_us / q75_us and the load average",
    ]
    title = "(d) peers: per new observation and at 1000 streams"
    versions = {name: _version(name) for name in VERSIONED}
    out = {"title": title, "rows": rows, "goals": goals, "notes": notes, "skipped": skipped}
    return out | {"setup_s": setup_s, "versions": versions}


def _source() -> dict:
    """Where the measured tslib comes from: path, git commit, uncommitted changes under tslib/."""
    import subprocess

    import tslib

    root = Path(tslib.__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    status = subprocess.run(
        [*git, "status", "--porcelain", "tslib"], capture_output=True, text=True
    )
    return {"tslib_root": str(root), "git_commit": commit.stdout.strip() or None,
            "tslib_uncommitted_changes": status.stdout.splitlines()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run this section alone and write ``<out>/<machine>-<date>-peers.json``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_peers")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args(argv)
    started, info = time.perf_counter(), machine_info("cpu")
    section = run(quick=args.quick)
    info["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    today = dt.date.today().isoformat()
    command = " ".join(["python -m benchmarks.bench_peers", *(argv or sys.argv[1:])])
    payload = {"machine": info, "date": today, "quick": args.quick, "command": command}
    payload |= {"python_executable": sys.executable, **_source(), "sections": {"peers": section}}
    payload["elapsed_s"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{machine_slug(info)}-{today}-peers.json"
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    for row in section["rows"]:
        print(f"{row['what']:<56} {row['median_us']:>13.1f} us {row['peer_over_runner']:>9.2f}x")
    from benchmarks.run_all import goal_line

    for goal in section["goals"]:
        print(goal_line(goal))
    print(f"[bench_peers] wrote {path} in {payload['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
