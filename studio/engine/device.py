"""Choosing the torch device and thread count."""

from __future__ import annotations

import torch

from studio.core.errors import SettingsError

DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> torch.device:
    if name not in DEVICES:
        raise SettingsError(f"device must be one of {', '.join(DEVICES)}, got {name!r}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SettingsError("device 'cuda' was asked for, but no CUDA device is available")
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise SettingsError("device 'mps' was asked for, but Apple's MPS is not available")
    return torch.device(name)


def set_threads(n: int | None) -> None:
    if n is None:
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SettingsError(f"threads must be a positive whole number, got {n!r}")
    torch.set_num_threads(n)
