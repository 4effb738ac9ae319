"""Columns beside the text in the torch rungs: the side vector joined to the text's representation.

A module built with `n_side` side columns takes the side vector as its last input. Where it joins
is the module's to say: the dense nets (wordvec, minilm's MLP) read it with their input features,
so their hidden layer sees both; the others (fasttext's bag, the recurrent nets, the fine-tuned
encoder) join it to the pooled text representation before the output layer. That output layer
over the two joined is written as the text's layer plus `side_output`, a layer of the side
columns alone: the same function, and a saved text-only model keeps its weight names.
`WithSide` hands the side rows to the module after the text's inputs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def side_output(n_side: int, n_units: int) -> nn.Linear | None:
    """The output layer's weights for the side columns (None without any)."""
    return nn.Linear(n_side, n_units, bias=False) if n_side else None


def join_side(logits: torch.Tensor, layer: nn.Linear | None,
              side: torch.Tensor | None) -> torch.Tensor:
    """The text's logits with the side columns' part added, where the module has them."""
    if layer is None:
        return logits
    return logits + layer(side.to(logits.dtype))


class WithSide:
    """A batcher that adds the side rows after the text's inputs: rows -> (*inputs, side)."""

    def __init__(self, batcher, side: np.ndarray):
        self.batcher, self.side = batcher, torch.from_numpy(np.ascontiguousarray(side))
        if hasattr(batcher, "row_sizes"):  # batches of similar sizes, as without side columns
            self.row_sizes = batcher.row_sizes

    def __call__(self, rows: np.ndarray) -> tuple[torch.Tensor, ...]:
        return (*self.batcher(rows), self.side[torch.as_tensor(rows)])
