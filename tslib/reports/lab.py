"""Start JupyterLab for the tslib notebooks: ``make lab`` runs ``python -m tslib.reports.lab``.

The launcher registers the ``tslib`` kernel first (:func:`tslib.reports.kernel.ensure_kernel`),
then replaces itself with ``python -m jupyterlab`` from the same interpreter. As root
(containers, CI machines) Jupyter refuses to start without ``--allow-root``; the launcher adds
that flag only when the effective user is root, so a normal user's command line is unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from tslib.reports.kernel import ensure_kernel

__all__ = ["lab_command", "main", "running_as_root"]


def running_as_root() -> bool:
    """Return True when the effective user id is 0 (POSIX root); False elsewhere."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid is not None and geteuid() == 0


def lab_command(args: Sequence[str] = ()) -> list[str]:
    """Build the JupyterLab command line for this interpreter.

    Parameters
    ----------
    args : Sequence[str]
        Arguments passed on to ``jupyter lab`` (e.g. ``["--notebook-dir", "notebooks"]``).

    Returns
    -------
    list[str]
        ``[sys.executable, "-m", "jupyterlab", *args]``, plus ``--allow-root`` when running as
        root and the caller did not pass it already.
    """
    command = [sys.executable, "-m", "jupyterlab", *args]
    if running_as_root() and "--allow-root" not in args:
        command.append("--allow-root")
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Register the ``tslib`` kernel, then run JupyterLab with ``argv`` as its arguments.

    Parameters
    ----------
    argv : Sequence[str] or None
        Arguments for ``jupyter lab``; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        JupyterLab's exit status (on POSIX the process is replaced and this never returns).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    kernel = ensure_kernel()
    print(f"[tslib] kernel {kernel!r} registered; starting JupyterLab", file=sys.stderr, flush=True)
    command = lab_command(args)
    if os.name == "posix":
        os.execv(command[0], command)  # Ctrl-C then reaches JupyterLab directly
    return subprocess.call(command)


if __name__ == "__main__":
    raise SystemExit(main())
