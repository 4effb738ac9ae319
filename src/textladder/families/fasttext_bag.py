"""The `fasttext` rung: fastText's supervised model rebuilt on the torch core.

Words (every token seen at least `min_count` times) and hashed word bigrams are embedded, averaged
and fed to the task's head, trained with plain SGD and a linearly decaying learning rate, as
fastText does. With `word_ngrams="auto"` it also fits words alone and keeps whichever scores
better on validation, as a fastText user tunes `-wordNgrams`. Unlike the fastText library it uses
the task's own head and loss (so ordinal, multi-label and regression are right by construction)
and keeps the best validation epoch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.registry import register
from textladder.families.torch_family import TorchFamily
from textladder.progress import Progress


@register
class FastTextFamily(TorchFamily):
    name = "fasttext"
    summary = "mean of word + hashed bigram embeddings, linear head (fastText style)"
    setting_type_exceptions = {"word_ngrams": (int, str)}  # 1, 2 or "auto"

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {**cls.common_settings, "lr": 0.5, "epochs": 10, "patience": 3, "batch_size": 32,
                "schedule": "linear", "clip_norm": None, "dim": 64, "buckets": 500_000,
                "word_ngrams": "auto", "min_count": 1, "lowercase": True}

    def fit(self, texts, targets, task, valid, seed=0, progress=None):
        """Fit with word bigrams and without ("auto"), keep the better on validation."""
        choice = self.resolved_settings()["word_ngrams"]
        if choice not in ("auto", 1, 2):
            raise TextladderError(f"word_ngrams must be 1, 2 or auto (both tried, the better "
                                  f"on validation kept); got {choice!r}.")
        tried, best = {}, None
        for n in ((2, 1) if choice == "auto" else (choice,)):
            self._ngrams = n
            super().fit(texts, targets, task, valid, seed, progress)
            tried[str(n)] = max(r["valid_score"] for r in self.chosen_["history"])
            if best is None or tried[str(n)] > tried[str(best[-1])]:
                best = (self.module_, self.head_, self.vocab_, self.chosen_, n)
        self.module_, self.head_, self.vocab_, self.chosen_, self._ngrams = best
        self.chosen_.update(word_ngrams=self._ngrams, valid_by_word_ngrams=tried)
        return self

    def _optimizer(self, module, head):
        import torch

        if self.settings_["weight_decay"]:
            raise TextladderError("the fasttext model trains sparse embeddings with plain SGD "
                                  "and takes no weight_decay; leave it at 0.")
        # fastText's learning rate is per example; the loss here is a batch mean, so the step
        # is scaled by the batch size to match. A regression has no fastText counterpart, and
        # at that rate its squared error diverges: it takes the rate as given.
        scale = 1 if head.kind == "linear" else self.settings_["batch_size"]
        return torch.optim.SGD(module.parameters(), lr=self.settings_["lr"] * scale)

    def _prepare(self, texts: list[str], fit: bool, progress: Progress):
        from textladder.neural.bag import add_bigrams
        from textladder.neural.sequences import TokenSequences
        from textladder.neural.tokenize import tokenize
        from textladder.neural.vocab import Vocabulary

        tokenized = [tokenize(t, self.settings_["lowercase"]) for t in texts]
        if fit:
            self.vocab_ = Vocabulary.build(tokenized, self.settings_["min_count"])
            self.chosen_.update(vocabulary_size=len(self.vocab_))
        n_words, buckets = len(self.vocab_), self._buckets()
        # Unknown words (id 1) never occur in training, so their row would stay random: leave
        # them and their bigrams out. A text with nothing known is the padding id, an empty bag.
        return TokenSequences([add_bigrams(np.asarray(self.vocab_.encode(t), dtype=np.int64),
                                           n_words, buckets) for t in tokenized], empty_id=0)

    def _buckets(self) -> int:
        """Rows for hashed bigrams: `buckets` with word_ngrams 2 (as fitted or saved), else 0."""
        if getattr(self, "_ngrams", None) is None:
            self._ngrams = int(self.chosen_.get("word_ngrams", 2))
        return self.settings_["buckets"] if self._ngrams == 2 else 0

    def _batcher(self, prepared):
        return prepared.bag

    def _build_module(self, n_units: int):
        from textladder.neural.bag import BagOfNgrams

        return BagOfNgrams(len(self.vocab_) + self._buckets(), self.settings_["dim"], n_units)

    def _save_state(self, directory: Path) -> None:
        self.vocab_.save(directory / "vocabulary.json")

    def _load_state(self, directory: Path) -> None:
        from textladder.neural.vocab import Vocabulary

        self.vocab_ = Vocabulary.load(directory / "vocabulary.json")
