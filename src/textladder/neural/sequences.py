"""Token-id sequences and the batches rungs feed to their modules.

`TokenSequences` holds one id array per text (truncated to a maximum length) and builds either a
padded batch with lengths (for recurrent modules) or a flat batch with offsets (for EmbeddingBag).
"""

from __future__ import annotations

import numpy as np
import torch


class TokenSequences:
    def __init__(self, sequences: list[np.ndarray], empty_id: int = 1):
        # An empty text becomes one token (unknown, or padding) so that every row has length >= 1.
        self.sequences = [s if len(s) else np.array([empty_id], dtype=np.int64) for s in sequences]

    def __len__(self) -> int:
        return len(self.sequences)

    def padded(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        chosen = [self.sequences[i] for i in rows]
        lengths = np.array([len(s) for s in chosen])
        batch = np.zeros((len(chosen), lengths.max()), dtype=np.int64)
        for j, sequence in enumerate(chosen):
            batch[j, : len(sequence)] = sequence
        return torch.from_numpy(batch), torch.from_numpy(lengths)

    def bag(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        chosen = [self.sequences[i] for i in rows]
        offsets = np.cumsum([0] + [len(s) for s in chosen[:-1]])
        return torch.from_numpy(np.concatenate(chosen)), torch.from_numpy(offsets)
