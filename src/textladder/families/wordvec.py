"""The `wordvec` rung: the tf-idf-weighted mean of word vectors, fed to a small dense net.

The roadmap's first neural model. Each text becomes the average of its words' vectors, weighted by
sublinear tf-idf (words without a vector weigh nothing); the vectors are word2vec trained on the
training texts by default, or a local vectors file (`vectors=PATH`). The features are computed
once and standardised with the training spread, then a one-hidden-layer net with
dropout is trained with the task's head. Saved: vocabulary (JSON), idf and vectors (safetensors).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from textladder.errors import TextladderError
from textladder.families.registry import register
from textladder.families.torch_family import TorchFamily
from textladder.families.word_inputs import WORD_SETTINGS, WordInputs
from textladder.progress import Progress


@register
class WordVecFamily(WordInputs, TorchFamily):
    name = "wordvec"
    summary = "tf-idf-weighted mean of word2vec vectors + dense net"
    imbalance_strategies = (*TorchFamily.imbalance_strategies, "smote")  # on the mean vectors

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {**cls.common_settings, **WORD_SETTINGS, "vectors": "word2vec", "hidden": 256,
                "dropout": 0.3, "epochs": 30, "patience": 4, "lr": 1e-3, "batch_size": 128}

    def _counts(self, tokenized: list[list[str]]) -> sp.csr_matrix:
        rows, cols = [], []
        for i, tokens in enumerate(tokenized):
            ids = [j for j in self.vocab_.encode(tokens) if j > 1]
            rows.extend([i] * len(ids))
            cols.extend(ids)
        data = np.ones(len(rows), dtype=np.float32)
        counts = sp.csr_matrix((data, (rows, cols)), shape=(len(tokenized), len(self.vocab_)))
        counts.sum_duplicates()
        return counts

    def _prepare(self, texts: list[str], fit: bool, progress: Progress):
        tokenized = self._tokenized(texts)
        counts = None
        if fit:
            if self.settings_["vectors"] in (None, "random"):
                raise TextladderError("wordvec averages word vectors: set vectors to 'word2vec' "
                                      "(trained on the texts), 'minilm' or a vectors file.")
            self._fit_words(tokenized, progress)
            counts = self._counts(tokenized)
            document_frequency = np.bincount(counts.indices, minlength=len(self.vocab_))
            idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1
            # A word without a real vector would add a random row, weighted most when rarest.
            self.idf_ = np.where(self.found_, idf, 0.0).astype(np.float32)
            self.vectors_ = self.init_matrix_
        features = self._mean_vectors(self._counts(tokenized) if counts is None else counts)
        if fit:  # standardise with the training spread: averaged vectors are tiny and alike
            self.feature_mean_ = features.mean(axis=0)
            self.feature_std_ = features.std(axis=0) + 1e-6
        return ((features - self.feature_mean_) / self.feature_std_).astype(np.float32)

    def _mean_vectors(self, counts: sp.csr_matrix) -> np.ndarray:
        counts = counts.copy()
        counts.data = 1 + np.log(counts.data)  # sublinear tf
        weights = counts.multiply(self.idf_[None, :]).tocsr()
        totals = np.asarray(weights.sum(axis=1)).ravel()
        features = weights @ self.vectors_ / np.maximum(totals, 1e-9)[:, None]
        return np.asarray(features, dtype=np.float32)

    def _batcher(self, prepared):
        from textladder.neural.dense import rows_of

        return rows_of(prepared)

    def _build_module(self, n_units: int):
        from textladder.neural.dense import dense_net

        s = self.settings_
        return dense_net(self.vectors_.shape[1], s["hidden"], s["dropout"], n_units, self.n_side_)

    def _save_state(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        self._save_words(directory)
        save_file({"idf": self.idf_, "vectors": self.vectors_, "feature_mean": self.feature_mean_,
                   "feature_std": self.feature_std_}, str(directory / "features.safetensors"))

    def _load_state(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        self._load_words(directory)
        arrays = load_file(str(directory / "features.safetensors"))
        self.idf_, self.vectors_ = arrays["idf"], arrays["vectors"]
        self.feature_mean_, self.feature_std_ = arrays["feature_mean"], arrays["feature_std"]
