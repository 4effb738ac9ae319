"""A fastText-style classifier: the mean of word and hashed word-bigram embeddings, then linear.

Bigrams are hashed into a fixed number of buckets after the word ids, so the table size does not
grow with the corpus. The embedding table takes sparse gradients, as in fastText's own training,
and starts as fastText's does (uniform in +-1/dim), the output layer at zero. Columns beside the
text (`n_side` of them, the last input) join the mean embedding before the output layer
(`side.py`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from textladder.neural.side import join_side, side_output

_PRIME = 1_000_003


def add_bigrams(ids: np.ndarray, n_words: int, buckets: int, unknown: int = 1) -> np.ndarray:
    """Known word ids followed by the hashed ids of adjacent known pairs."""
    known = ids[ids != unknown]
    if len(ids) < 2 or buckets == 0:
        return known
    both = (ids[:-1] != unknown) & (ids[1:] != unknown)
    pairs = (ids[:-1][both].astype(np.int64) * _PRIME + ids[1:][both]) % buckets + n_words
    return np.concatenate([known, pairs])


class BagOfNgrams(nn.Module):
    def __init__(self, n_rows: int, dim: int, n_units: int, n_side: int = 0):
        super().__init__()
        # padding_idx 0 is left out of the mean: a bag of only padding embeds as zeros.
        self.embedding = nn.EmbeddingBag(n_rows, dim, mode="mean", sparse=True, padding_idx=0)
        nn.init.uniform_(self.embedding.weight, -1.0 / dim, 1.0 / dim)
        self.output = nn.Linear(dim, n_units)
        nn.init.zeros_(self.output.weight)  # as fastText starts its output matrix
        nn.init.zeros_(self.output.bias)
        self.side_output = side_output(n_side, n_units)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor,
                side: torch.Tensor | None = None) -> torch.Tensor:
        return join_side(self.output(self.embedding(ids, offsets)), self.side_output, side)

