from studio.ui.worker_threads import ALL_THREADS_FROM_BYTES, worker_threads


def test_small_models_leave_a_core_to_the_window():
    assert worker_threads(10_600_000, 2, env={}) == 1
    assert worker_threads(10_600_000, 8, env={}) == 7
    assert worker_threads(10_600_000, 1, env={}) == 1  # never zero


def test_large_models_decode_on_every_thread():
    assert worker_threads(ALL_THREADS_FROM_BYTES, 2, env={}) == 2
    assert worker_threads(500_000_000, 16, env={}) == 16


def test_an_explicit_thread_count_is_left_alone():
    assert worker_threads(500_000_000, 2, env={"OMP_NUM_THREADS": "1"}) is None
