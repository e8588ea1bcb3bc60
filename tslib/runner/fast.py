"""Fast step kernels for the runner (placeholder until the fast paths land).

``select_kernel(model, device)`` returns a kernel that is equivalent to the
plain gather -> ``model.step`` -> scatter path, or ``None`` when no fast path
applies, in which case the runner uses its plain kernel.
"""

from __future__ import annotations

__all__ = ["select_kernel"]


def select_kernel(model, device):
    """Return a fast :class:`~tslib.runner.kernels.StepKernel` for ``model`` or ``None``."""
    return None
