"""The Jupyter kernel that papermill and nbval use for tslib notebooks."""

from __future__ import annotations

import sys

__all__ = ["KERNEL_NAME", "ensure_kernel"]

#: Kernel name used by papermill runs and ``pytest --nbval-kernel-name``.
KERNEL_NAME = "tslib"


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Register ``name`` for the running interpreter if no such kernel exists.

    The kernel spec is written into ``sys.prefix`` (the virtual or conda
    environment), never into the user's home, so it points at this Python.

    Returns
    -------
    str
        The kernel name.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
        return name
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=name, display_name=f"Python ({name})", prefix=sys.prefix)
    return name
