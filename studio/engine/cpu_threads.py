"""How many CPU threads a run decodes on: from the model's size and the cores free right now.

torch's default is one thread per core. On a busy machine that is the worst choice: a decoding step
is a chain of short parallel regions, each ending at a barrier where every thread waits for the
slowest, and a thread that shares its core with another busy process is descheduled for a whole
time slice. Measured on a 2-core machine with two other busy processes, `shakespeare` decoded at
235 tokens/s on 2 threads against 1,317 on 1. So the count is chosen per run, when it starts: never
more threads than cores that nothing else is running on (at least one), and for small models, whose
step is many short operations that a second thread barely speeds up, one fewer than that, which
also leaves the window's process a core (it needs ~9% of one while streaming: layout, painting).
Measured on a 2-core machine, streaming with colours in a 1400x900 window, tokens/s in the window
against the engine alone on 2 threads (medians of 3 runs):

    model (float32 weights)                decoding on 1 thread    decoding on 2 threads
    6x192, the bundled (10.6 MB)           0.85 (p99 gap 7.2 ms)   0.87 (p99 gap 10.2 ms)
    6x384 (42 MB)                          0.81                    0.88
    12x768, GPT-2 small's layers (340 MB)  0.79                    0.92

A large model's step is a few long products that two threads stream faster (networks/row_products),
and a brief wait for the window costs little of them.

"Free" is read from the kernel's count of runnable tasks (/proc/loadavg's fourth field, an
instantaneous count, unlike the load averages), sampled a few times over a few milliseconds, minus the
reading process itself. Where there is no /proc (macOS, Windows) the one-minute load average stands
in, and failing that every core is taken as free. An explicit OMP_NUM_THREADS is left alone.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping

# Models with more weight bytes than this use every free core; smaller ones one fewer. Between the
# measured 10.6 MB (one fewer is better) and 42 MB (all are better).
ALL_THREADS_FROM_BYTES = 32 << 20
SAMPLES = 3  # readings of the runnable count, SAMPLE_GAP_S apart (median taken): ~1 ms a run
SAMPLE_GAP_S = 0.0005


def _runnable_now(read: Callable[[], str]) -> int | None:
    """Tasks runnable at this instant, other than the reader, from /proc/loadavg's text."""
    try:
        running = int(read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return None
    return max(0, running - 1)


def _read_loadavg() -> str:
    with open("/proc/loadavg") as f:
        return f.read()


def busy_cores(
    read: Callable[[], str] = _read_loadavg,
    samples: int = SAMPLES,
    gap_s: float = SAMPLE_GAP_S,
) -> float:
    """How many cores other processes keep busy now (median of a few instant readings)."""
    counts = []
    for i in range(samples):
        n = _runnable_now(read)
        if n is None:
            break
        counts.append(n)
        if i + 1 < samples:
            time.sleep(gap_s)
    if counts:
        return float(statistics.median(counts))
    try:
        return float(os.getloadavg()[0])
    except (OSError, AttributeError):
        return 0.0


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def choose_threads(weight_bytes: int, n_cores: int, busy: float) -> int:
    """Threads for a model of `weight_bytes` on `n_cores`, `busy` of them taken by others."""
    free = max(1, n_cores - int(round(busy)))
    if weight_bytes >= ALL_THREADS_FROM_BYTES:
        return free
    return max(1, min(free, n_cores - 1))


def threads_for_run(weight_bytes: int, env: Mapping[str, str] | None = None) -> int | None:
    """The thread count to decode a run with now; None when OMP_NUM_THREADS decides."""
    if "OMP_NUM_THREADS" in (os.environ if env is None else env):
        return None
    return choose_threads(weight_bytes, cores(), busy_cores())


def weight_bytes(model) -> int:
    """Bytes of a torch module's parameters: what one decoding step reads."""
    return sum(p.numel() * p.element_size() for p in model.parameters())


def set_threads_for_run(model) -> int:
    """Set torch's thread count for a run of `model` starting now (unless OMP_NUM_THREADS
    decides); the count in use."""
    import torch

    n = threads_for_run(weight_bytes(model))
    if n is not None and n != torch.get_num_threads():
        torch.set_num_threads(n)
    return torch.get_num_threads()
