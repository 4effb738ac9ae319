"""A fastText-style classifier: the mean of word and hashed word-bigram embeddings, then linear.

Bigrams are hashed into a fixed number of buckets after the word ids, so the table size does not
grow with the corpus. The embedding table takes sparse gradients, as in fastText's own training.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

_PRIME = 1_000_003


def add_bigrams(ids: np.ndarray, n_words: int, buckets: int) -> np.ndarray:
    """Word ids followed by the hashed ids of their adjacent pairs."""
    if len(ids) < 2 or buckets == 0:
        return ids
    pairs = (ids[:-1].astype(np.int64) * _PRIME + ids[1:]) % buckets + n_words
    return np.concatenate([ids, pairs])


class BagOfNgrams(nn.Module):
    def __init__(self, n_rows: int, dim: int, n_units: int):
        super().__init__()
        self.embedding = nn.EmbeddingBag(n_rows, dim, mode="mean", sparse=True)
        nn.init.uniform_(self.embedding.weight, -1.0 / dim, 1.0 / dim)
        self.output = nn.Linear(dim, n_units)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.output(self.embedding(ids, offsets))
