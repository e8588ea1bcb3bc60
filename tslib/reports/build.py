"""Execute notebooks with papermill, in parallel through dask.distributed.

``run_reports`` is what ``tslib report`` and ``make reports`` call. Each
notebook is one dask task, so a LocalCluster spreads the work over local
processes and ``scheduler=ADDRESS`` sends it to an existing cluster. A failing
notebook marks its row failed with the error; the others still run.

Threads: dask starts its worker processes with ``OMP_NUM_THREADS=1`` (and MKL's and
OpenBLAS's variables likewise), which every notebook kernel would inherit, so torch
would time and train on one thread whatever the machine. Instead each notebook gets
its share of its host's cores, ``threads = cores // notebooks run at once on that host``
(:func:`notebook_threads`), set in the worker before its kernel starts.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from tqdm import tqdm  # plain text bar: no widget state in executed notebooks

from tslib.errors import InputError
from tslib.reports.html import write_html_views
from tslib.reports.index import write_index
from tslib.reports.kernel import KERNEL_NAME, ensure_kernel
from tslib.reports.metrics import read_metrics
from tslib.reports.params import check_param_set, load_param_set, params_for
from tslib.reports.provenance import (
    git_state,
    host_info,
    notebook_provenance,
    now_utc,
    run_provenance,
)

__all__ = [
    "CONNECT_TIMEOUT_S",
    "THREAD_VARIABLES",
    "available_cores",
    "execute_notebook",
    "find_notebooks",
    "notebook_threads",
    "run_reports",
    "worker_threads",
]

#: Environment variables that set torch's (OpenMP / MKL / OpenBLAS) thread counts.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

#: Seconds to wait for an existing dask scheduler (``scheduler=``) before giving up.
CONNECT_TIMEOUT_S = 10.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where known, else ``os.cpu_count``)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_threads(cores: int, notebooks: int) -> int:
    """Threads per notebook: ``cores // notebooks`` run at once on the host, at least 1."""
    return max(1, cores // max(1, notebooks))


def notebook_threads(client) -> int:
    """Threads for each notebook on a dask cluster: the smallest share over its hosts.

    A host runs as many notebooks at once as its workers have threads in total;
    its cores (:func:`available_cores`, asked of every worker) are shared evenly.
    """
    workers = client.scheduler_info()["workers"]
    cores = client.run(available_cores)  # worker address -> cores
    slots: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for address, worker in workers.items():
        host = worker.get("host", address)
        slots[host] = slots.get(host, 0) + int(worker.get("nthreads", 1))
        host_cores[host] = int(cores.get(address) or 1)
    return min((worker_threads(host_cores[h], slots[h]) for h in slots), default=1)


def find_notebooks(notebook_dir: str | Path, only: list[str] | None = None) -> list[Path]:
    """Sorted ``*.ipynb`` files of a folder, optionally restricted to the given stems.

    Raises :class:`InputError` when the folder does not exist, is not a folder,
    holds no notebook, or lacks one of ``only``.
    """
    folder = Path(notebook_dir)
    if not folder.is_dir():
        state = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"notebook folder {str(notebook_dir)!r} {state}")
    paths = sorted(p for p in Path(notebook_dir).glob("*.ipynb") if not p.name.startswith("."))
    if only:
        wanted = {Path(name).stem for name in only}
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise InputError(f"no such notebook(s) in {notebook_dir}: {sorted(missing)}")
        paths = [p for p in paths if p.stem in wanted]
    if not paths:
        raise InputError(f"no notebooks (*.ipynb) in {str(notebook_dir)!r}")
    return paths


def execute_notebook(
    notebook: str,
    out_dir: str,
    parameters: dict,
    kernel_name: str = KERNEL_NAME,
    timeout_s: int = 1800,
    threads: int | None = None,
) -> dict:
    """Execute one notebook with papermill and convert the result to HTML.

    Runs inside a dask worker, so it takes and returns plain values only and
    never raises: failures come back as ``status="failed"`` with the error.
    ``threads`` (when given) is written to :data:`THREAD_VARIABLES` in this
    process before the kernel starts, so torch in the notebook uses that many.
    The kernel runs over IPC (:mod:`tslib.reports.report_kernel`); the pages are
    those of :func:`tslib.reports.html.write_html_views`.

    Returns
    -------
    dict
        ``notebook, status, seconds, metrics, error, ipynb, threads``, and
        ``html`` (full page), ``html_nocode`` (page without code), ``title``.
    """
    import papermill

    from tslib.reports.report_kernel import ReportKernelManager

    ensure_kernel(kernel_name)
    if threads is not None:  # the kernel inherits this process's environment
        os.environ.update(dict.fromkeys(THREAD_VARIABLES, str(int(threads))))
    notebook_path = Path(notebook)
    out_path = Path(out_dir)
    out_path.mkdir(parents=True, exist_ok=True)
    executed = out_path / notebook_path.name
    result = {"notebook": notebook_path.stem, "status": "ok", "error": None, "metrics": {}}
    result["threads"] = threads
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook_path),
            str(executed),
            parameters=parameters,
            kernel_name=kernel_name,
            cwd=str(notebook_path.parent),
            progress_bar=False,
            execution_timeout=timeout_s,
            kernel_manager_class=ReportKernelManager,
        )
    except Exception as error:  # noqa: BLE001 - a failed notebook is a result, not a crash
        result["status"] = "failed"
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        result["seconds"] = time.perf_counter() - start
    if executed.exists():
        try:
            result["metrics"] = read_metrics(executed)
            result["ipynb"] = str(executed)
            result.update(write_html_views(executed, out_path))
        except Exception:  # noqa: BLE001
            result["status"] = "failed"
            result["error"] = (result["error"] or "") + traceback.format_exc()
    return result


def _client(scheduler: str | None, workers: int, connect_timeout_s: float = CONNECT_TIMEOUT_S):
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=f"{connect_timeout_s}s"), None
        except (OSError, ValueError, TimeoutError) as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InputError(f"cannot connect to dask scheduler {scheduler!r}: {message}") from None
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # No dashboard; its HTTP server (health routes) binds a free port, not 8787,
        # so a second cluster on the machine does not print "Port 8787 is already in use".
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
    )
    return Client(cluster), cluster


def run_reports(
    param_set: str = "default",
    notebook_dir: str | Path = "notebooks",
    output_root: str | Path = "reports",
    params_dir: str | Path = "reports/params",
    scheduler: str | None = None,
    workers: int | None = None,
    only: list[str] | None = None,
    kernel_name: str = KERNEL_NAME,
    progress: bool = True,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> list[dict]:
    """Execute every notebook with a parameter set and write the report folder.

    Parameters
    ----------
    param_set : str
        Name of ``reports/params/<name>.yaml`` or a path to a YAML file.
    notebook_dir, output_root, params_dir : str or Path
        Where notebooks are, where ``<set>/`` is written, where sets live.
    scheduler : str, optional
        Address of an existing dask scheduler (``tcp://host:port``); a
        LocalCluster is started when omitted.
    workers : int, optional
        LocalCluster worker processes (default: min(#notebooks, #cpus)).
    only : list of str, optional
        Run only these notebooks (file stems); their rows are merged into the
        folder's existing ``metrics.json`` and index, whose other rows keep
        their own run dates.
    connect_timeout_s : float
        Seconds to wait for ``scheduler`` before giving up (default
        :data:`CONNECT_TIMEOUT_S`).

    Returns
    -------
    list of dict
        One result per notebook (see :func:`execute_notebook`).

    Raises
    ------
    InputError
        A usage or configuration error, found before any notebook runs: a bad
        parameter set (including one that names a notebook not in the folder or
        a parameter a notebook does not declare), a missing or empty notebook
        folder, an unknown notebook in ``only``, ``workers`` or
        ``connect_timeout_s`` out of range, an output folder that cannot be
        created, or a scheduler that cannot be reached.
    """
    from distributed import as_completed

    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    if isinstance(connect_timeout_s, bool) or not (
        isinstance(connect_timeout_s, (int, float)) and 0 < connect_timeout_s < float("inf")
    ):
        raise InputError(f"connect_timeout_s must be a positive number, got {connect_timeout_s!r}")
    settings = load_param_set(param_set, params_dir)
    declared = check_param_set(settings, find_notebooks(notebook_dir))
    notebooks = find_notebooks(notebook_dir, only)
    out_dir = Path(output_root) / settings["name"]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the report folder {out_dir}: {error.strerror}") from None
    workers = workers or max(1, min(len(notebooks), os.cpu_count() or 1))
    started, start = now_utc(), time.perf_counter()
    client, cluster = _client(scheduler, workers, connect_timeout_s)
    results = []
    try:
        threads = notebook_threads(client)
        hosts = [{"address": a, **info} for a, info in client.run(host_info).items()]
        futures = [
            client.submit(
                execute_notebook,
                str(path.resolve()),
                str(out_dir.resolve()),
                params_for(settings, path.stem),
                kernel_name,
                threads=threads,
                key=f"notebook-{settings['name']}-{path.stem}-{time.time_ns()}",
                pure=False,
            )
            for path in notebooks
        ]
        bar = tqdm(total=len(futures), desc=f"reports/{settings['name']}", disable=not progress)
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            bar.set_postfix_str(f"{result['notebook']}: {result['status']}")
            bar.update(1)
        bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    git = git_state(notebook_dir)
    for result in results:
        sent = params_for(settings, result["notebook"])
        declared_here = declared.get(result["notebook"], {})
        result.update(notebook_provenance(result, declared_here, sent, started, git))
    wall = time.perf_counter() - start
    provenance = run_provenance(settings, notebook_dir, started, wall, threads, hosts)
    write_index(results, out_dir, settings["name"], provenance=provenance, merge=bool(only))
    return results
