"""Texts to transformer inputs: overlapping token windows, so that long texts are not cut off.

`make_windows` tokenizes every text with the encoder's own (fast) tokenizer into windows of at
most `max_length` tokens that overlap by `stride` tokens; a short text is one window. The model
pools the outputs of a text's windows (see `transformer.py`), so the end of a long review counts as
much as its start. `WindowBatcher` pads the windows of the requested texts to the longest among
them, and tells the training loop each text's size, so that batches group texts of similar
length. Nothing here runs the encoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Windows:
    ids: list[list[int]]  # token ids of each window, special tokens included
    owner: np.ndarray  # the text each window belongs to
    first: np.ndarray  # index of each text's first window; text i has windows first[i]:first[i+1]

    @property
    def n_texts(self) -> int:
        return len(self.first) - 1

    def lengths(self) -> np.ndarray:
        """The longest window of each text, in tokens."""
        sizes = np.array([len(w) for w in self.ids])
        return np.maximum.reduceat(sizes, self.first[:-1]) if len(sizes) else sizes


def make_windows(tokenizer, texts: list[str], max_length: int, stride: int) -> Windows:
    """Every text as one or more overlapping windows of at most `max_length` tokens."""
    if not texts:
        return Windows([], np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    encoded = tokenizer(texts, truncation=True, max_length=max_length, stride=stride,
                        return_overflowing_tokens=True, return_attention_mask=False)
    owner = np.asarray(encoded["overflow_to_sample_mapping"], dtype=np.int64)
    first = np.searchsorted(owner, np.arange(len(texts) + 1))
    return Windows(list(encoded["input_ids"]), owner, first)


class WindowBatcher:
    """Row indices (texts) -> (input_ids, attention_mask, owner) with owner local to the batch."""

    def __init__(self, windows: Windows, pad_id: int):
        self.windows, self.pad_id = windows, pad_id

    def row_sizes(self) -> np.ndarray:
        """Each text's longest window: the width it pads its batch to."""
        return self.windows.lengths()

    def __call__(self, rows: np.ndarray) -> tuple[torch.Tensor, ...]:
        w = self.windows
        picked = [(local, j) for local, row in enumerate(rows)
                  for j in range(w.first[row], w.first[row + 1])]
        width = max(len(w.ids[j]) for _, j in picked)
        ids = np.full((len(picked), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(picked), width), dtype=np.int64)
        for k, (_, j) in enumerate(picked):
            ids[k, :len(w.ids[j])] = w.ids[j]
            mask[k, :len(w.ids[j])] = 1
        owner = np.array([local for local, _ in picked], dtype=np.int64)
        return torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(owner)
