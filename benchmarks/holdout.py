"""A leak-free validation split for phrase-level training sets such as SST-2's.

SST-2's training file holds every phrase of each training sentence ("a gorgeous film", "gorgeous",
...), while its test set holds whole sentences. A random holdout puts phrases in validation whose
sentence, or sub-phrases, stay in train: validation accuracy then reads 0.93 where test reads 0.82,
and settings that memorise phrases win. Here validation is whole sentences only (phrases contained
in no other phrase), and every phrase of a held-out sentence is dropped from train. Texts are
compared as space-separated token sequences, as SST writes them.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split


def _spans(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every contiguous sub-sequence of `tokens`, the whole included."""
    n = len(tokens)
    return {tokens[i:j] for i in range(n) for j in range(i + 1, n + 1)}


def sentence_holdout(texts: list[str], labels: list, fraction: float, seed: int
                     ) -> tuple[np.ndarray, np.ndarray, str]:
    """Return (train rows, validation rows, a note saying what was done)."""
    phrases = [tuple(t.split()) for t in texts]
    present = set(phrases)
    contained: set[tuple[str, ...]] = set()
    for phrase in present:
        if len(phrase) > 1:
            contained |= (_spans(phrase) - {phrase}) & present
    sentences = np.array([i for i, p in enumerate(phrases) if p not in contained])
    keys = [str(labels[i]) for i in sentences]
    _, held = train_test_split(sentences, test_size=fraction, stratify=keys, random_state=seed)
    banned: set[tuple[str, ...]] = set()
    for i in held:
        banned |= _spans(phrases[i])
    kept = np.array([i for i, p in enumerate(phrases) if p not in banned])
    note = (f"no valid.csv and a phrase-level train file: {len(held)} whole sentences "
            f"({fraction:.0%} of the {len(sentences)} phrases contained in no other) held out as "
            f"valid, and all {len(texts) - len(kept)} train phrases inside them dropped (seed {seed})")
    return kept, np.sort(held), note
