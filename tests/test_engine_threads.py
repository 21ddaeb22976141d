from studio.engine.device import ALL_THREADS_FROM_BYTES, threads_for


def test_small_models_leave_a_core_to_the_window():
    assert threads_for(10_600_000, 2, env={}) == 1
    assert threads_for(10_600_000, 8, env={}) == 7
    assert threads_for(10_600_000, 1, env={}) == 1  # never zero


def test_large_models_decode_on_every_thread():
    assert threads_for(ALL_THREADS_FROM_BYTES, 2, env={}) == 2
    assert threads_for(500_000_000, 16, env={}) == 16


def test_an_explicit_thread_count_is_left_alone():
    assert threads_for(500_000_000, 2, env={"OMP_NUM_THREADS": "1"}) is None
