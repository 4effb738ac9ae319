"""One BLAS thread for the small fits: `with one_blas_thread(): ...`.

SciPy's and NumPy's OpenBLAS start a pool of threads for every call, and those threads spin while
they wait. On a problem of a few hundred rows and a few dozen features (an ensemble's meta-model
on validation outputs, its member weights) the pool costs far more than it computes: a stacking
logistic model on 135 rows took 198 ms a fit with the default two threads on a busy two-core
machine, 12 ms with one, and stacking fits it a hundred times over its folds. Large fits (a
linear head on tens of thousands of rows) are left to the default threads.

The controller is made once, on first use, from the libraries loaded by then (NumPy's and
SciPy's); without threadpoolctl (scikit-learn installs it) nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_controller = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with the loaded BLAS libraries limited to one thread each."""
    global _controller
    if _controller is None:
        try:
            import scipy.linalg  # noqa: F401 - loads SciPy's OpenBLAS, for the controller to see
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - scikit-learn depends on both
            yield
            return
        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield
