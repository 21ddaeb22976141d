"""Threads per run: never more than the cores nothing else runs on, at least one."""

from studio.engine import cpu_threads
from studio.engine.cpu_threads import busy_cores, choose_threads


def loadavg(runnable: int) -> str:
    return f"1.00 0.50 0.25 {runnable}/321 4567\n"


def reader_only() -> int:
    return 1


def test_busy_cores_counts_others_not_the_reader():
    assert busy_cores(lambda: loadavg(1), gap_s=0, own=reader_only) == 0  # only the reader
    assert busy_cores(lambda: loadavg(3), gap_s=0, own=reader_only) == 2


def test_busy_cores_leaves_out_this_process_own_spinning_threads():
    # a run that just ended leaves its OpenMP threads spinning: ours, not another program's load
    assert busy_cores(lambda: loadavg(3), gap_s=0, own=lambda: 3) == 0
    assert busy_cores(lambda: loadavg(4), gap_s=0, own=lambda: 3) == 1


def test_own_running_counts_at_least_the_reader():
    assert cpu_threads._own_running() >= 1


def test_busy_cores_takes_the_median_of_readings():
    readings = iter([loadavg(n) for n in (2, 9, 2)])
    assert busy_cores(lambda: next(readings), gap_s=0, own=reader_only) == 1


def test_busy_cores_without_proc_falls_back(monkeypatch):
    def missing() -> str:
        raise OSError("no /proc")

    monkeypatch.setattr(cpu_threads.os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert busy_cores(missing, gap_s=0) == 1.5


def test_idle_machine_uses_every_core():
    assert choose_threads(2, 0) == 2
    assert choose_threads(8, 0) == 8


def test_busy_machine_never_oversubscribes():
    assert choose_threads(2, 1) == 1
    assert choose_threads(2, 2) == 1  # at least one
    assert choose_threads(2, 5) == 1
    assert choose_threads(8, 3) == 5


def test_omp_num_threads_decides():
    assert cpu_threads.threads_for_run(env={"OMP_NUM_THREADS": "3"}) is None
    n = cpu_threads.threads_for_run(env={})
    assert n is not None and 1 <= n <= cpu_threads.cores()
