"""Device resolution and the lean inference-mode guard the runner steps under."""

from __future__ import annotations

import torch

from tslib.errors import InputError

__all__ = ["InferenceModeGuard", "resolve_device"]


def resolve_device(device: str | torch.device) -> torch.device:
    """Map ``"auto"`` to CUDA when available, else CPU; pass anything else to torch.

    An unknown device, or CUDA on a machine without it, raises :class:`InputError`.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise InputError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda'") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r}: CUDA is not available here; use 'auto' or 'cpu'")
    return resolved


class InferenceModeGuard:
    """``torch.inference_mode()`` as a lean context manager (about 0.4 µs instead of 1.5 µs
    per ``with``, which counts at batch 1); falls back to torch's own class."""

    __slots__ = ("_guard", "_fallback")

    def __init__(self) -> None:
        self._guard = None
        self._fallback = None if hasattr(torch._C, "_InferenceMode") else torch.inference_mode()

    def __enter__(self) -> None:
        if self._fallback is None:
            self._guard = torch._C._InferenceMode(True)  # the RAII guard torch's class holds
        else:
            self._fallback.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._fallback is None:
            self._guard = None  # dropping the guard restores the previous mode
        else:
            self._fallback.__exit__(*exc)
