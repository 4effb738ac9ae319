"""Small fits run with one BLAS thread, and the threads come back after."""

from threadpoolctl import threadpool_info

from textladder.threads import one_blas_thread


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_one_blas_thread_limits_every_blas_pool_inside_and_restores_them():
    before = _blas_threads()
    assert before, "numpy and scipy load at least one BLAS"
    with one_blas_thread():
        assert set(_blas_threads()) == {1}
        with one_blas_thread():  # nested: still one, and the outer limit holds after
            assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before
