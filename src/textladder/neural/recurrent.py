"""A stacked, optionally bidirectional LSTM or GRU over word embeddings, with a pooled output.

Sequences are packed, so padding never reaches the recurrent cell and the "last" state is the last
real token's. Pooling: `max` or `mean` over time (padding masked out), or `last` (the final hidden
states of both directions). Columns beside the text (`n_side`, the last input) join the pooled
states before the output layer (`side.py`).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from textladder.neural.side import join_side, side_output

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
POOLINGS = ("max", "mean", "last")


class RecurrentNet(nn.Module):
    def __init__(self, embedding: nn.Embedding, hidden: int, layers: int, bidirectional: bool,
                 cell: str, dropout: float, pooling: str, n_units: int, n_side: int = 0):
        super().__init__()
        self.embedding, self.pooling = embedding, pooling
        self.rnn = CELLS[cell](embedding.embedding_dim, hidden, num_layers=layers,
                               batch_first=True, bidirectional=bidirectional,
                               dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden * (2 if bidirectional else 1), n_units)
        self.side_output = side_output(n_side, n_units)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor,
                side: torch.Tensor | None = None) -> torch.Tensor:
        embedded = self.dropout(self.embedding(ids))
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        states, final = self.rnn(packed)
        if self.pooling == "last":
            hidden = final[0] if isinstance(final, tuple) else final
            directions = 2 if self.rnn.bidirectional else 1
            pooled = torch.cat([hidden[-d] for d in range(directions, 0, -1)], dim=1)
        else:
            states, _ = pad_packed_sequence(states, batch_first=True)
            mask = (torch.arange(states.shape[1])[None, :] < lengths[:, None]).unsqueeze(-1)
            if self.pooling == "max":
                pooled = states.masked_fill(~mask, float("-inf")).max(dim=1).values
            else:
                pooled = (states * mask).sum(dim=1) / lengths[:, None].clamp(min=1)
        return join_side(self.output(self.dropout(pooled)), self.side_output, side)
