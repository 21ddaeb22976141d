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


# How many torch threads the engine process decodes with, for the model it has loaded. The window's
# process needs a core now and then (~9% of one while streaming: layout, painting). Measured on this
# project's 2-core reference machine, streaming with colours in a 1400x900 window, tokens/s in the
# window against the engine alone on 2 threads (medians of 3 runs; the engine then ran in a thread
# of the window's process):
#
#     model (float32 weights)                decoding on 1 thread    decoding on 2 threads
#     6x192, the bundled (10.6 MB)           0.85 (p99 gap 7.2 ms)   0.87 (p99 gap 10.2 ms)
#     6x384 (42 MB)                          0.81                    0.88
#     12x768, GPT-2 small's layers (340 MB)  0.79                    0.92
#
# A small model's step is many short operations, which one thread runs nearly as fast as two (the
# bundled model alone: ~4% slower on one): a second thread gains little, and the window's gaps grow.
# A large model's step is a few long products that two threads stream faster, and a brief wait for
# the window costs little of them. An explicit OMP_NUM_THREADS is left alone.
# Models with more float32 weight bytes than this decode on every thread; smaller ones leave a core
# to the window. Between the measured 10.6 MB (one fewer is better) and 42 MB (all are better).
ALL_THREADS_FROM_BYTES = 32 << 20


def threads_for(weight_bytes: int, cores: int, env: dict | None = None) -> int | None:
    """Threads for a model of `weight_bytes`, on `cores` (torch's default thread count); None
    when the environment sets them (OMP_NUM_THREADS) and they should be left as they are."""
    import os

    env = os.environ if env is None else env
    if "OMP_NUM_THREADS" in env:
        return None
    if weight_bytes >= ALL_THREADS_FROM_BYTES:
        return cores
    return max(1, cores - 1)
