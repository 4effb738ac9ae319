"""A token vocabulary with padding and unknown ids, and the sequence length chosen from data.

Id 0 pads, id 1 stands for any token not in the vocabulary. The vocabulary keeps tokens seen at
least `min_count` times in the training texts (most frequent first, at most `max_size`). It is
saved as a JSON list of tokens in id order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

PAD, UNK = "<pad>", "<unk>"


class Vocabulary:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, tokenized: Iterable[list[str]], min_count: int = 2,
              max_size: int | None = None) -> "Vocabulary":
        counts = Counter(t for tokens in tokenized for t in tokens)
        kept = [t for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                if c >= min_count]
        return cls([PAD, UNK] + kept[:max_size])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, 1) for t in tokens]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.tokens, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        return cls(json.loads(path.read_text(encoding="utf-8")))


def choose_max_length(lengths: Iterable[int], percentile: float = 95) -> int:
    """The sequence length that covers `percentile` % of training texts (at least 1)."""
    return max(1, int(np.ceil(np.percentile(np.fromiter(lengths, dtype=float), percentile))))
