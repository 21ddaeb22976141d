"""How many CPU threads a run decodes on: the cores free right now.

torch's default is one thread per core. On a busy machine that is the worst choice: a decoding step
is a chain of short parallel regions, each ending at a barrier where every thread waits for the
slowest, and a thread that shares its core with another busy process is descheduled for a whole
time slice. Measured on a 2-core machine with two other busy processes, `shakespeare` decoded at
235 tokens/s on 2 threads against 1,317 on 1 (`bench text` measures it in every run). So the count
is chosen per run, when it starts: never more threads than cores nothing else is running on, at
least one. The same rule holds in the window's engine process: with the engine out of the window's
process, decoding the bundled model on both cores of an idle 2-core machine kept the window's
heartbeat gaps at 19-22 ms (`bench ui`), and an idle second core is 3-9% faster than one.

"Free" is read from the kernel's count of runnable tasks (/proc/loadavg's fourth field, an
instantaneous count, unlike the load averages), sampled a few times over a millisecond, minus the
reading process's own threads. Where there is no /proc (macOS, Windows) the one-minute load average stands
in, and failing that every core is taken as free. An explicit OMP_NUM_THREADS is left alone.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping

SAMPLES = 3  # readings of the runnable count, SAMPLE_GAP_S apart (median taken): ~1 ms a run
SAMPLE_GAP_S = 0.0005


def _own_running() -> int:
    """This process's threads runnable now: the reader, and the OpenMP threads of a run that just
    ended, which spin a while before they sleep (they are ours, not another program's load)."""
    n = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                # "pid (comm) state ...": the state follows the last parenthesis
                n += f.read().rsplit(")", 1)[1].split()[0] == "R"
        except (OSError, IndexError):
            continue
    return max(1, n)


def _runnable_now(read: Callable[[], str], own: Callable[[], int] = _own_running) -> int | None:
    """Tasks of other processes runnable at this instant, from /proc/loadavg's text."""
    try:
        running = int(read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return None
    return max(0, running - own())


def _read_loadavg() -> str:
    with open("/proc/loadavg") as f:
        return f.read()


def busy_cores(
    read: Callable[[], str] = _read_loadavg,
    samples: int = SAMPLES,
    gap_s: float = SAMPLE_GAP_S,
    own: Callable[[], int] = _own_running,
) -> float:
    """How many cores other processes keep busy now (median of a few instant readings)."""
    counts = []
    for i in range(samples):
        n = _runnable_now(read, own)
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


def choose_threads(n_cores: int, busy: float) -> int:
    """Threads on `n_cores` when `busy` of them are taken by others: the free ones, at least one."""
    return max(1, n_cores - int(round(busy)))


def threads_for_run(env: Mapping[str, str] | None = None) -> int | None:
    """The thread count to decode a run with now; None when OMP_NUM_THREADS decides."""
    if "OMP_NUM_THREADS" in (os.environ if env is None else env):
        return None
    return choose_threads(cores(), busy_cores())


def set_threads_for_run() -> int:
    """Set torch's thread count for a run starting now (unless OMP_NUM_THREADS decides); the
    count in use."""
    import torch

    n = threads_for_run()
    if n is not None and n != torch.get_num_threads():
        torch.set_num_threads(n)
    return torch.get_num_threads()
