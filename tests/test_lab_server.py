"""`make lab` smoke test: the Makefile's JupyterLab command serves the tslib kernel over REST.

The server runs the exact command of the Makefile's ``lab`` recipe on 127.0.0.1 with a free
port, a random token, no browser, and temporary Jupyter config/data/runtime directories (so
nothing is written into the user's home). The test lists kernelspecs, starts a ``tslib``
kernel, runs one cell over the kernel's websocket channel, deletes the kernel and stops the
server. It skips only when JupyterLab is not installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest

pytest.importorskip("jupyterlab", reason="JupyterLab is not installed")

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "tslib"
START_TIMEOUT_S = 120.0  # a loaded 2-core machine; an idle one answers in a few seconds
CELL_TIMEOUT_S = 120.0  # kernel start plus `import tslib` (imports torch)
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy


def makefile_lab_command() -> list[str]:
    """The ``lab`` recipe of the Makefile as an argument list, ``$(PY)`` -> this interpreter."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^lab:[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)
    assert match, "Makefile has no `lab:` target with a recipe"
    lines = [line.strip() for line in match.group(1).splitlines()]
    assert len(lines) == 1, f"`lab` recipe should be one command, got {lines}"
    command = shlex.split(lines[0].replace("$(PY)", shlex.quote(sys.executable)))
    assert command[1:3] == ["-m", "tslib.reports.lab"], (
        f"`make lab` should run the tslib launcher (kernel registration, --allow-root as root), "
        f"got {lines[0]!r}"
    )
    return command


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains ``text`` (Linux /proc only; [] elsewhere)."""
    pids = []
    entries = Path("/proc").glob("[0-9]*") if Path("/proc/self").exists() else []
    for entry in entries:
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline and int(entry.name) != os.getpid():
            pids.append(int(entry.name))
    return pids


@dataclass
class LabServer:
    url: str
    token: str
    log: Path

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with NO_PROXY.open(req, timeout=60) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@pytest.fixture
def lab_server(tmp_path: Path):
    """Start the `make lab` command on loopback; always stop it (and any kernel it left)."""
    token = secrets.token_hex(24)
    port = free_port()
    jupyter_dir = tmp_path / "jupyter"
    jupyter_dir.mkdir()
    env = {
        **os.environ,
        "JUPYTER_TOKEN": token,
        "JUPYTER_CONFIG_DIR": str(jupyter_dir / "config"),
        "JUPYTER_DATA_DIR": str(jupyter_dir / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter_dir / "runtime"),
        "IPYTHONDIR": str(jupyter_dir / "ipython"),
        "MPLCONFIGDIR": str(jupyter_dir / "matplotlib"),
    }
    command = makefile_lab_command() + [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
    ]
    log = tmp_path / "lab.log"
    server = LabServer(url=f"http://127.0.0.1:{port}", token=token, log=log)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{server.log_tail()}")
            try:
                if server.request("GET", "/api/status")[0] == 200:
                    break
            except urllib.error.HTTPError:
                raise  # it answers, but refuses the token or fails: no point in waiting
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in {START_TIMEOUT_S:.0f} s:\n{server.log_tail()}"
                )
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()  # SIGTERM: jupyter_server shuts its kernels down, then exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        # Kernels run in their own session; any survivor names our runtime dir in its argv.
        for pid in processes_mentioning(str(jupyter_dir)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def execute_request(code: str, session: str) -> dict:
    """An ``execute_request`` on the shell channel (Jupyter messaging protocol 5.3)."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "username": "test",
            "session": session,
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }


async def run_cell(server: LabServer, kernel_id: str, code: str) -> tuple[dict, str]:
    """Run ``code`` over the kernel's websocket; return (execute_reply content, stdout text)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    ws_url = server.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    request = HTTPRequest(
        f"{ws_url}?session_id={session}",
        headers={"Authorization": f"token {server.token}"},
        request_timeout=CELL_TIMEOUT_S,
    )
    conn = await websocket_connect(request)
    try:
        message = execute_request(code, session)
        msg_id = message["header"]["msg_id"]
        await conn.write_message(json.dumps(message))
        reply, stdout, idle = None, [], False
        while reply is None or not idle:
            raw = await conn.read_message()
            assert raw is not None, "kernel websocket closed before the cell finished"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "execute_reply":
                reply = msg["content"]
            elif kind == "stream" and msg["content"]["name"] == "stdout":
                stdout.append(msg["content"]["text"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
        return reply, "".join(stdout)
    finally:
        conn.close()


@pytest.mark.timeout(int(START_TIMEOUT_S + 2 * CELL_TIMEOUT_S + 60))
def test_make_lab_serves_the_tslib_kernel(lab_server: LabServer) -> None:
    status, specs = lab_server.request("GET", "/api/kernelspecs")
    assert status == 200
    assert KERNEL in specs["kernelspecs"], (
        f"kernelspec {KERNEL!r} not listed by `make lab`: {sorted(specs['kernelspecs'])}"
    )

    status, kernel = lab_server.request("POST", "/api/kernels", {"name": KERNEL})
    assert status == 201, kernel
    assert kernel["name"] == KERNEL
    kernel_id = kernel["id"]
    try:
        code = "import sys, tslib\nprint('tslib', tslib.__version__, 'prefix', sys.prefix)"
        reply, stdout = asyncio.run(
            asyncio.wait_for(run_cell(lab_server, kernel_id, code), CELL_TIMEOUT_S)
        )
        assert reply["status"] == "ok", f"cell failed: {reply}\n{lab_server.log_tail()}"
        # the kernel imports this checkout's tslib, in this environment
        assert f"tslib {version('tslib')} prefix {sys.prefix}" in stdout, stdout
    finally:
        status, _ = lab_server.request("DELETE", f"/api/kernels/{kernel_id}")
    assert status == 204
    status, running = lab_server.request("GET", "/api/kernels")
    assert kernel_id not in {k["id"] for k in running}


def test_make_lab_opens_and_saves_notebooks_as_jupytext_pairs(lab_server: LabServer) -> None:
    """The percent script opens as a notebook, and saving a notebook writes both files."""
    import jupytext

    script = ROOT / "notebooks" / "00_temporal_reasoning.py"
    status, model = lab_server.request(
        "GET", "/api/contents/00_temporal_reasoning.py?type=notebook&content=1"
    )
    assert status == 200 and model["type"] == "notebook", model
    served = [(c["cell_type"], c["source"].rstrip()) for c in model["content"]["cells"]]
    expected = [(c.cell_type, c.source.rstrip()) for c in jupytext.read(script).cells]
    assert served == expected

    stem = f"zz_pair_{uuid.uuid4().hex[:8]}"
    written = [ROOT / "notebooks" / f"{stem}{suffix}" for suffix in (".ipynb", ".py")]
    notebook = {
        "cells": [{"cell_type": "code", "id": "c0", "source": "x = 1", "metadata": {}, "outputs": [],
                   "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    try:
        body = {"type": "notebook", "format": "json", "content": notebook}
        status, _ = lab_server.request("PUT", f"/api/contents/{stem}.ipynb", body)
        assert status in (200, 201)
        assert all(path.is_file() for path in written), "saving did not write the paired .py"
        assert "# %%\nx = 1" in written[1].read_text()
    finally:
        for path in written:
            path.unlink(missing_ok=True)
