"""Word and character n-gram tf-idf features, saved as plain data.

The features are scikit-learn's `TfidfVectorizer`s side by side: word 1-2-grams with a token pattern
that keeps one-letter words, contractions, hashtags, mentions and emoticon-like punctuation (no stop
words are removed: "not" flips a sentence), and character 2-5-grams within word boundaries, which
are robust to misspellings. Both use sublinear term frequency.

A vectorizer is saved as its vocabulary (JSON, terms in column order) and its idf weights
(safetensors), not as a serialised object: large vocabularies load in a fraction of the time and
nothing in the files can run code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import load_file, save_file
from sklearn.feature_extraction.text import TfidfVectorizer

WORD_TOKENS = r"(?u)[#@]?\w[\w']*|[^\w\s]{1,3}"


def _vectorizer_params(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    common = dict(sublinear_tf=True, lowercase=settings["lowercase"], dtype=np.float32,
                  max_features=settings["max_features"])
    if kind == "word":
        return dict(common, analyzer="word", token_pattern=WORD_TOKENS,
                    ngram_range=tuple(settings["word_ngrams"]), min_df=settings["min_df"])
    return dict(common, analyzer="char_wb", ngram_range=tuple(settings["char_ngrams"]),
                min_df=settings["min_df"])


def _kinds(settings: dict[str, Any]) -> list[str]:
    kinds = ["word"] if settings["word_ngrams"] else []
    return kinds + (["char"] if settings["char_ngrams"] else [])


class TfidfFeatures:
    """Fit, apply, save and load the word + character tf-idf feature matrix."""

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.vectorizers_: dict[str, TfidfVectorizer] = {}

    def fit_transform(self, texts) -> sp.csr_matrix:
        blocks = []
        for kind in _kinds(self.settings):
            vectorizer = TfidfVectorizer(**_vectorizer_params(kind, self.settings))
            blocks.append(vectorizer.fit_transform(texts))
            self.vectorizers_[kind] = vectorizer
        return sp.hstack(blocks, format="csr")

    def transform(self, texts) -> sp.csr_matrix:
        return sp.hstack([v.transform(texts) for v in self.vectorizers_.values()], format="csr")

    @property
    def n_features(self) -> int:
        return sum(len(v.vocabulary_) for v in self.vectorizers_.values())

    def save(self, directory: Path) -> None:
        arrays = {}
        for kind, vectorizer in self.vectorizers_.items():
            terms = [""] * len(vectorizer.vocabulary_)
            for term, column in vectorizer.vocabulary_.items():
                terms[column] = term
            with open(directory / f"vocabulary_{kind}.json", "w", encoding="utf-8") as handle:
                json.dump(terms, handle, ensure_ascii=False)
            arrays[f"idf_{kind}"] = vectorizer.idf_.astype(np.float64)
        save_file(arrays, str(directory / "idf.safetensors"))

    @classmethod
    def load(cls, directory: Path, settings: dict[str, Any]) -> "TfidfFeatures":
        features = cls(settings)
        arrays = load_file(str(directory / "idf.safetensors"))
        for kind in _kinds(settings):
            with open(directory / f"vocabulary_{kind}.json", encoding="utf-8") as handle:
                terms = json.load(handle)
            params = _vectorizer_params(kind, settings)
            params.update(vocabulary={t: i for i, t in enumerate(terms)}, max_features=None,
                          min_df=1)
            vectorizer = TfidfVectorizer(**params)
            vectorizer.fit([""])  # fixes vocabulary_ from the given vocabulary; idf set next
            vectorizer.idf_ = arrays[f"idf_{kind}"]
            features.vectorizers_[kind] = vectorizer
        return features
