"""The kernel manager of report runs: IPC sockets and a quiet shutdown.

Two lines used to fill the output of every notebook that ``tslib report`` ran
(on the kernel's stderr, which the kernel inherits from the dask worker and so
from the terminal), neither of them about the notebook:

- ``[IPKernelApp] WARNING | Kernel is running over TCP without encryption ...``,
  logged by ipykernel at start-up whenever its transport is TCP. Kernels of
  :class:`ReportKernelManager` talk over IPC (Unix domain sockets in the Jupyter
  runtime folder) instead, which never leave the host: the notebook runs on the
  machine (or dask worker) that started its kernel, so TCP buys nothing.
- ``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.``, logged because
  jupyter_client interrupts the kernel (SIGINT) before it asks it to shut down.
  After papermill has finished (or interrupted, on a timeout) the run, the kernel is
  idle, and the shutdown request goes over the control channel, which a busy kernel
  also answers; a kernel that does not exit in time is still killed. So that
  pre-shutdown interrupt is skipped; interrupts asked for explicitly
  (``interrupt_kernel()``) still happen.

Nothing else is hidden: the kernel's other log lines, and everything a cell writes
(``warnings.warn``, stderr, tracebacks), still reach the terminal or the notebook.
"""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client import AsyncKernelManager
from traitlets import default

__all__ = ["IPC_PATH_LIMIT", "ReportKernelManager"]

#: Longest socket path prefix used; Unix socket paths are limited to about 107 bytes.
IPC_PATH_LIMIT = 90


class ReportKernelManager(AsyncKernelManager):
    """An :class:`~jupyter_client.AsyncKernelManager` for papermill runs of reports.

    Pass it as ``kernel_manager_class`` to ``papermill.execute_notebook``.
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc" if os.name == "posix" else "tcp"  # Unix domain sockets

    @default("ip")
    def _default_ip(self) -> str:
        """A unique, absolute socket prefix (``<prefix>-<n>`` per channel).

        jupyter_client's default, ``kernel-ipc``, is relative to the working folder,
        which is the notebook folder, shared by every notebook of a report run.
        """
        if self.transport != "ipc":
            from jupyter_client.localinterfaces import localhost

            return localhost()
        from jupyter_core.paths import jupyter_runtime_dir

        name = f"tslib-kernel-{uuid.uuid4().hex[:12]}-ipc"
        folder = jupyter_runtime_dir()
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            usable = (
                os.access(folder, os.W_OK) and len(os.path.join(folder, name)) <= IPC_PATH_LIMIT
            )
        except OSError:
            usable = False
        return os.path.join(folder if usable else tempfile.gettempdir(), name)

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt the kernel, except for jupyter_client's own pre-shutdown interrupt."""
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()
