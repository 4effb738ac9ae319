"""The order in which the training loop visits rows: shuffled, optionally grouped by size.

Transformer batches are padded to their longest row, so a batch mixing a 5-token tweet with a
120-token one spends most of its time on padding. `grouped_batches` shuffles, sorts each stretch
of `pool` batches by row size, cuts it into batches and shuffles the batches: every epoch still
sees every row once in a random batch order, while rows of a batch have similar sizes (the
`group_by_length` of Hugging Face's trainer). `size_order` is the order for prediction, where the
batch order does not matter at all.
"""

from __future__ import annotations

import numpy as np


def shuffled_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def grouped_batches(sizes: np.ndarray, batch_size: int, rng: np.random.Generator,
                    pool: int = 50) -> list[np.ndarray]:
    """Batches of rows of similar size, in random order; each row appears once."""
    order = rng.permutation(len(sizes))
    stretch = batch_size * pool
    batches = []
    for start in range(0, len(order), stretch):
        rows = order[start:start + stretch]
        rows = rows[np.argsort(sizes[rows], kind="stable")]
        batches.extend(rows[i:i + batch_size] for i in range(0, len(rows), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def size_order(sizes: np.ndarray) -> np.ndarray:
    """Rows from the smallest to the largest, for prediction batches with little padding."""
    return np.argsort(sizes, kind="stable")


class ChosenRows:
    """A batcher over chosen rows of another (a resampled training set, without copying inputs):
    row i of this one is row `rows[i]` of `inner`. It tells row sizes where `inner` does."""

    def __init__(self, inner, rows: np.ndarray):
        self.inner, self.rows = inner, np.asarray(rows)

    def __call__(self, rows: np.ndarray):
        return self.inner(self.rows[rows])

    @property
    def row_sizes(self):
        sizes = self.inner.row_sizes  # AttributeError where `inner` has none: hasattr is False
        return lambda: np.asarray(sizes())[self.rows]
