"""Report machinery: metrics recording, papermill execution, dask fan-out, HTML index."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tslib.cli import main
from tslib.errors import InputError
from tslib.reports import load_param_set, read_metrics, record

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("SEED = 0\nSCALE = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": "tslib",
        "display_name": "Python (tslib)",
        "language": "python",
    }
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(
        notebooks / "a_ok.ipynb",
        "from tslib.reports import record\nrecord(score=SEED * 10 + SCALE, label='ok')",
    )
    _notebook(notebooks / "b_fails.ipynb", "raise RuntimeError('deliberate failure in b')")
    params = tmp_path / "params"
    params.mkdir()
    (params / "smoke.yaml").write_text("defaults:\n  SEED: 2\nnotebooks:\n  a_ok:\n    SCALE: 5\n")
    return tmp_path


def test_record_returns_plain_values_and_rejects_bad_ones():
    import numpy as np

    assert record(a=np.float32(0.5), n=np.int64(3), name="x") == {"a": 0.5, "n": 3, "name": "x"}
    with pytest.raises(InputError, match="not finite"):
        record(a=float("nan"))
    with pytest.raises(InputError, match="must be a number"):
        record(a=[1, 2])
    with pytest.raises(InputError):
        record()


def test_unknown_parameter_set_names_the_known_ones(project: Path):
    with pytest.raises(InputError, match="smoke"):
        load_param_set("nope", project / "params")


def test_cli_usage_error_is_one_line_and_exit_status_2(project: Path, capsys):
    argv = _args(project, "--only", "no_such_notebook")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tslib report: error: ") and "no_such_notebook" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    argv[argv.index("smoke")] = "nope"  # unknown parameter set
    assert main(argv) == 2
    assert "parameter set 'nope' not found" in capsys.readouterr().err


def _args(project: Path, *extra: str) -> list[str]:
    return [
        "report",
        "--params", "smoke",
        "--notebooks", str(project / "notebooks"),
        "--output", str(project / "out"),
        "--params-dir", str(project / "params"),
        "--no-progress",
        *extra,
    ]  # fmt: skip


def test_report_run_with_local_cluster_marks_failures_and_indexes_all(project: Path):
    status = main(_args(project, "--workers", "2"))
    assert status == 1, "a failing notebook must make the exit status non-zero"
    out = project / "out" / "smoke"
    metrics = read_metrics(out / "a_ok.ipynb")
    assert metrics == {"score": 25, "label": "ok"}  # SEED=2 from defaults, SCALE=5 per notebook
    assert "<td>score</td><td>25</td>" in (out / "a_ok.html").read_text()
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["notebooks"]["a_ok"]["status"] == "ok"
    assert summary["notebooks"]["b_fails"]["status"] == "failed"
    assert "deliberate failure in b" in summary["notebooks"]["b_fails"]["error"]
    index = (out / "index.html").read_text()
    assert "a_ok" in index and "b_fails" in index and "<td>score</td><td class=num>25</td>" in index
    assert 'href="a_ok.html"' in index


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_report_run_against_an_existing_scheduler(project: Path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bindir = Path(sys.executable).parent
    scheduler = subprocess.Popen(
        [str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(bindir / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
         "--no-dashboard", "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    if client.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "local dask scheduler/worker did not come up"
            time.sleep(0.5)
        status = main(_args(project, "--scheduler", address, "--only", "a_ok"))
        assert status == 0
        assert read_metrics(project / "out" / "smoke" / "a_ok.ipynb")["score"] == 25
        assert "b_fails" not in (project / "out" / "smoke" / "index.html").read_text()
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(timeout=30)


def test_papermill_smoke_runs_the_foundations_notebook_with_small_parameters(tmp_path: Path):
    import papermill

    from tslib.reports import ensure_kernel

    out = tmp_path / "00.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "00_temporal_reasoning.ipynb"),
        str(out),
        parameters={"SEED": 1, "QUICK": True},
        kernel_name=ensure_kernel(),
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    metrics = read_metrics(out)
    assert metrics["stepwise_equals_forward"] is True


# ------------------------------------------------------------ threads per notebook
def test_worker_threads_share_the_cores():
    from tslib.reports.build import worker_threads

    assert worker_threads(16, 4) == 4
    assert worker_threads(2, 2) == 1
    assert worker_threads(2, 5) == 1  # never zero
    assert worker_threads(8, 0) == 8


def test_notebook_threads_take_the_smallest_share_over_hosts():
    from tslib.reports.build import notebook_threads

    class FakeClient:
        def scheduler_info(self):
            return {"workers": {
                "tcp://a:1": {"host": "a", "nthreads": 1},
                "tcp://a:2": {"host": "a", "nthreads": 1},
                "tcp://b:1": {"host": "b", "nthreads": 2},
            }}  # fmt: skip

        def run(self, function):
            return {"tcp://a:1": 8, "tcp://a:2": 8, "tcp://b:1": 6}

    assert notebook_threads(FakeClient()) == 3  # a: 8 // 2 = 4, b: 6 // 2 = 3


def test_report_kernels_get_cores_divided_by_workers(tmp_path: Path):
    """dask starts workers with OMP_NUM_THREADS=1; the notebooks must get their share."""
    from tslib.reports import run_reports
    from tslib.reports.build import available_cores

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(
        notebooks / "threads.ipynb",
        "import torch\nfrom tslib.reports import record\nrecord(threads=torch.get_num_threads())",
    )
    params = tmp_path / "params"
    params.mkdir()
    (params / "smoke.yaml").write_text("defaults:\n  SEED: 0\n")
    results = run_reports("smoke", notebooks, tmp_path / "out", params, workers=1, progress=False)
    assert results[0]["status"] == "ok", results[0]["error"]
    expected = available_cores()  # one worker: all the cores
    assert results[0]["threads"] == expected
    assert results[0]["metrics"]["threads"] == expected
