"""Word vectors: trained on the corpus with word2vec, or read from a local file.

Files in GloVe text format (no header), word2vec text or binary format, and fastText `.vec` (word2vec
text with a header) are read with gensim; the format comes from the file unless forced. Nothing is
downloaded. `embedding_matrix` lays the vectors out in vocabulary order and reports the coverage:
the share of vocabulary types and of running training tokens that have a vector.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textladder.errors import TextladderError

FORMATS = ("glove", "word2vec-text", "word2vec-binary", "fasttext")


def detect_format(path: Path) -> str:
    """Tell the vector file format from its first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    first = head.split(b"\n", 1)[0]
    parts = first.split()
    header = len(parts) == 2 and all(p.isdigit() for p in parts)
    if header:
        rest = head[len(first) + 1:]
        try:  # incremental: the 4 KB cut may fall inside a multi-byte character
            codecs.getincrementaldecoder("utf-8")().decode(rest, final=False)
            text_like = b"\x00" not in rest
        except UnicodeDecodeError:
            text_like = False
        if not text_like:
            return "word2vec-binary"
        return "fasttext" if path.suffix == ".vec" else "word2vec-text"
    return "glove"


def load_vectors(path: str | Path, fmt: str | None = None):
    """Read a vector file into gensim KeyedVectors; returns (vectors, format)."""
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.is_file():
        raise TextladderError(f"vectors file not found: '{path}'; give a local GloVe, word2vec "
                              f"or fastText .vec file.")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise TextladderError(f"vectors_format must be one of {', '.join(FORMATS)}; got '{fmt}'.")
    try:
        vectors = KeyedVectors.load_word2vec_format(
            str(path), binary=fmt == "word2vec-binary", no_header=fmt == "glove",
            unicode_errors="replace")
    except (ValueError, UnicodeDecodeError, EOFError) as error:
        raise TextladderError(f"could not read '{path}' as {fmt} vectors ({error}); pass "
                              f"vectors_format to force another format.") from None
    return vectors, fmt


def train_word2vec(tokenized: Sequence[list[str]], dim: int, seed: int, epochs: int = 10):
    """Word2vec (skip-gram) trained on the training texts; one worker, so it is repeatable."""
    from gensim.models import Word2Vec

    model = Word2Vec(sentences=list(tokenized), vector_size=dim, window=5, min_count=2, sg=1,
                     workers=1, seed=seed, epochs=epochs)
    return model.wv


def embedding_matrix(tokens: Sequence[str], vectors, token_counts: Counter, seed: int
                     ) -> tuple[np.ndarray, dict]:
    """Rows of `vectors` for the vocabulary `tokens` (id order; 0 = padding, 1 = unknown).

    Tokens without a vector get small random rows; the padding row is zero.
    """
    rng = np.random.default_rng(seed)
    dim = vectors.vector_size
    matrix = rng.normal(0, 0.1, (len(tokens), dim)).astype(np.float32)
    matrix[0] = 0.0
    found = np.zeros(len(tokens), dtype=bool)
    for i, token in enumerate(tokens[2:], start=2):
        for candidate in (token, token.lower()):
            if candidate in vectors.key_to_index:
                matrix[i] = vectors[candidate]
                found[i] = True
                break
    running = sum(token_counts.values())
    running_found = sum(c for t, c in token_counts.items()
                        if t in vectors.key_to_index or t.lower() in vectors.key_to_index)
    coverage = {
        "vocabulary_found": float(found[2:].mean()) if len(tokens) > 2 else 0.0,
        "running_words_found": running_found / running if running else 0.0,
    }
    coverage["summary"] = (f"{100 * coverage['vocabulary_found']:.0f} % of tokens, "
                           f"{100 * coverage['running_words_found']:.0f} % of running words found")
    coverage["found"] = found  # per vocabulary id; not saved
    return matrix, coverage
