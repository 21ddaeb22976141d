"""How many torch threads the window's worker decodes with, for the model it has loaded.

The GUI thread needs a core now and then (~9% of one while streaming: layout, painting). Measured
on this project's 2-core reference machine, streaming with colours in a 1400x900 window, tokens/s
in the window against the engine alone in its own process on 2 threads (medians of 3 runs):

    model (float32 weights)                worker on 1 thread      worker on 2 threads
    6x192, the bundled (10.6 MB)           0.85 (p99 gap 7.2 ms)   0.87 (p99 gap 10.2 ms)
    6x384 (42 MB)                          0.81                    0.88
    12x768, GPT-2 small's layers (340 MB)  0.79                    0.92

A small model's step is many short operations, which one thread runs nearly as fast as two (the
bundled model alone: ~4% slower on one): a second thread gains little, and the GUI's gaps grow.
A large model's step is a few long products that two threads stream faster (engine/products.py),
and a brief wait for the GUI costs little of them. An explicit OMP_NUM_THREADS is left alone.
"""

from __future__ import annotations

import os

# Models with more float32 weight bytes than this decode on every thread; smaller ones leave a core
# to the window. Between the measured 10.6 MB (one fewer is better) and 42 MB (all are better).
ALL_THREADS_FROM_BYTES = 32 << 20


def worker_threads(weight_bytes: int, cores: int, env: dict | None = None) -> int | None:
    """Threads for a model of `weight_bytes`, on `cores` (torch's default thread count); None
    when the environment sets them (OMP_NUM_THREADS) and they should be left as they are."""
    env = os.environ if env is None else env
    if "OMP_NUM_THREADS" in env:
        return None
    if weight_bytes >= ALL_THREADS_FROM_BYTES:
        return cores
    return max(1, cores - 1)
