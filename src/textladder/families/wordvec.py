"""The `wordvec` rung: the tf-idf-weighted mean of word vectors, fed to a small dense net.

The roadmap's first neural model. Each text becomes the average of its words' vectors, weighted by
sublinear tf-idf; the vectors are word2vec trained on the training texts by default, or a local
vectors file (`vectors=PATH`). The features are computed once, then a one-hidden-layer net with
dropout is trained with the task's head. Saved: vocabulary (JSON), idf and vectors (safetensors).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from textladder.families.registry import register
from textladder.families.torch_family import TorchFamily
from textladder.families.word_inputs import WORD_SETTINGS, WordInputs
from textladder.progress import Progress


@register
class WordVecFamily(WordInputs, TorchFamily):
    name = "wordvec"
    summary = "tf-idf-weighted mean of word2vec vectors + dense net"

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
        if fit:
            self._fit_words(tokenized, progress)
            document_frequency = np.bincount(self._counts(tokenized).indices,
                                             minlength=len(self.vocab_))
            self.idf_ = (np.log((1 + len(texts)) / (1 + document_frequency)) + 1).astype(np.float32)
            self.vectors_ = self.init_matrix_
        counts = self._counts(tokenized)
        counts.data = 1 + np.log(counts.data)  # sublinear tf
        weights = counts.multiply(self.idf_[None, :]).tocsr()
        totals = np.asarray(weights.sum(axis=1)).ravel()
        features = weights @ self.vectors_ / np.maximum(totals, 1e-9)[:, None]
        return np.asarray(features, dtype=np.float32)

    def _batcher(self, prepared):
        import torch

        tensor = torch.from_numpy(prepared)
        return lambda rows: (tensor[rows],)

    def _build_module(self, n_units: int):
        from torch import nn

        s = self.settings_
        return nn.Sequential(nn.Linear(self.vectors_.shape[1], s["hidden"]), nn.ReLU(),
                             nn.Dropout(s["dropout"]), nn.Linear(s["hidden"], n_units))

    def _save_state(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        self._save_words(directory)
        save_file({"idf": self.idf_, "vectors": self.vectors_}, str(directory / "features.safetensors"))

    def _load_state(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        self._load_words(directory)
        arrays = load_file(str(directory / "features.safetensors"))
        self.idf_, self.vectors_ = arrays["idf"], arrays["vectors"]
