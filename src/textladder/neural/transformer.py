"""A Hugging Face encoder with the task's output layer, pooling over tokens and then windows.

`EncoderClassifier.forward(input_ids, attention_mask, owner)` mean-pools each window's token
states (padding excluded), averages the windows of each text (`owner` says which text a window is
from), and applies dropout and one linear layer with the task head's units. `embed_windows` is the
part without the text pooling and the head: it is what gets exported to ONNX. Columns beside the
text (`n_side`, the last input, one row per text) join the pooled text vector before the output
layer (`side.py`).
"""

from __future__ import annotations

import torch
from torch import nn

from textladder.neural.side import join_side, side_output


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def pool_windows(window_vectors: torch.Tensor, owner: torch.Tensor) -> torch.Tensor:
    """The mean of each text's window vectors; texts are 0..owner.max()."""
    n_texts = int(owner.max()) + 1 if owner.numel() else 0
    sums = torch.zeros(n_texts, window_vectors.shape[1], dtype=window_vectors.dtype,
                       device=window_vectors.device).index_add_(0, owner, window_vectors)
    counts = torch.bincount(owner, minlength=n_texts).clamp(min=1).unsqueeze(1)
    return sums / counts.to(sums.dtype)


class WindowEmbedder(nn.Module):
    """Encoder + mean pooling: (input_ids, attention_mask) -> one vector per window."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pool(hidden, attention_mask)


class EncoderClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, n_units: int, dropout: float = 0.1, n_side: int = 0):
        super().__init__()
        self.embed_windows = WindowEmbedder(encoder)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(encoder.config.hidden_size, n_units)
        self.side_output = side_output(n_side, n_units)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                owner: torch.Tensor, side: torch.Tensor | None = None) -> torch.Tensor:
        texts = pool_windows(self.embed_windows(input_ids, attention_mask), owner)
        return join_side(self.output(self.dropout(texts.float())), self.side_output, side)
