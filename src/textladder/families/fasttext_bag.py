"""The `fasttext` rung: fastText's supervised model rebuilt on the torch core.

Words (every token seen at least `min_count` times) and hashed word bigrams are embedded, averaged
and fed to the task's head. Training follows fastText: plain SGD whose rate decays linearly to
zero, embeddings drawn in +-1/dim and the output layer starting at zero, one sigmoid per label for
multi-label tasks (fastText's `-loss ova`: the losses are summed over labels).

fastText takes one example per step, too slow in torch; this rung steps on the mean loss of a
batch, so `lr` is the size of that step whatever the batch size. The default 4 is the step with
which a sigmoid's bias (curvature at most 1/4) reaches its optimum without overshooting, and a
quarter of the rate at which short multi-label texts diverged (claff). A batch of B rows moves as
far per epoch as fastText at 4 / B per example: `batch_size="auto"` tries 16 and 8 (fastText's
0.25 and 0.5) and keeps the better on validation, as a fastText user tunes `-lr`. A regression's
squared error curves 8 times as steeply, so takes `lr` / 8. Small data get more epochs
(`epochs="auto"`), as fastText users give them, so that training takes at least 3,000 steps;
early stopping waits half the epochs, so the rate has mostly decayed before it stops. A loss that
diverges at the default rate all the same restarts at a lower one (see `TorchFamily`); a rate the
user set is kept.

With `word_ngrams="auto"` it also fits words and bigrams (at the better batch size) and keeps it
if it scores better on validation, as a fastText user tunes `-wordNgrams`. Unlike the fastText
library it uses the task's own head and loss (so ordinal, multi-label and regression are right by
construction), keeps the best validation epoch, and has a bias in its output layer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.registry import register
from textladder.families.torch_family import TorchFamily
from textladder.progress import Progress


# epochs="auto": EPOCHS, or as many as make MIN_STEPS optimizer steps on small data, at most
# MAX_EPOCHS (1,000 rows at 10 epochs learned little where 3,000 steps learned, on validation)
EPOCHS, MIN_STEPS, MAX_EPOCHS = 10, 3000, 100
# batch_size="auto": both tried on words alone, the better on validation kept. At lr 4 they move
# as far per epoch as fastText at 0.25 and 0.5 per example; the fastText peer's own choice of
# rate differs by dataset too (on validation: tweeteval and sst5 preferred the first, goemotions
# and claff the second)
BATCH_SIZES = (16, 8)
# buckets="auto": rows of the bigram table per distinct training bigram, within these bounds.
# At 8 rows per bigram a new bigram falls on a trained row about one time in eight; the most
# is what the rung always had (fastText's own default is 2,000,000 rows at dim 100)
BUCKETS_PER_BIGRAM, MIN_BUCKETS, MAX_BUCKETS = 8, 16_384, 500_000


def auto_epochs(n_rows: int, batch_size: int) -> int:
    """epochs="auto" for `n_rows` training rows in batches of `batch_size`."""
    steps = -(-n_rows // batch_size)  # per epoch
    return min(MAX_EPOCHS, max(EPOCHS, -(-MIN_STEPS // max(steps, 1))))


@register
class FastTextFamily(TorchFamily):
    name = "fasttext"
    summary = "mean of word + hashed bigram embeddings, linear head (fastText style)"
    # 1, 2 or "auto"; a whole number or "auto"
    setting_type_exceptions = {"word_ngrams": (int, str), "epochs": (int, str),
                               "patience": (int, str), "batch_size": (int, str),
                               "buckets": (int, str)}

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {**cls.common_settings, "lr": 4.0, "epochs": "auto", "patience": "auto",
                "batch_size": "auto", "schedule": "linear", "clip_norm": None, "dim": 64,
                "buckets": "auto", "word_ngrams": "auto", "min_count": 1, "lowercase": True}

    @classmethod
    def planned_epochs(cls, settings: dict[str, Any], n_rows: int) -> int:
        """`epochs`, or with "auto" the most that a batch size tried would run."""
        if settings["epochs"] != "auto":
            return int(settings["epochs"])
        sizes = BATCH_SIZES if settings["batch_size"] == "auto" else (settings["batch_size"],)
        return max(auto_epochs(n_rows, size) for size in sizes)

    @classmethod
    def planned_fits(cls, settings: dict[str, Any]) -> int:
        """One fit per batch size tried, and one more with bigrams for word_ngrams="auto"."""
        sizes = len(BATCH_SIZES) if settings["batch_size"] == "auto" else 1
        return sizes + (settings["word_ngrams"] == "auto")

    def fit(self, texts, targets, task, valid, seed=0, progress=None, side=None):
        """Fit each candidate the "auto" settings name, keep the best on validation: words alone
        at each batch size, then words and bigrams at the better one. A `time_limit` (the
        climb's) is shared among the candidates: each gets an equal part of what is left, and
        none starts once it is spent."""
        settings = self.resolved_settings()
        ngrams, batch = settings["word_ngrams"], settings["batch_size"]
        if ngrams not in ("auto", 1, 2):
            raise TextladderError(f"word_ngrams must be 1, 2 or auto (both tried, the better "
                                  f"on validation kept); got {ngrams!r}.")
        if batch != "auto" and not (isinstance(batch, int) and batch >= 1):
            raise TextladderError(f"batch_size must be a whole number of rows, at least 1, or "
                                  f"auto ({' and '.join(map(str, BATCH_SIZES))} tried, the "
                                  f"better on validation kept); got {batch!r}.")
        first = 1 if ngrams == "auto" else ngrams
        plan = [(first, size) for size in (BATCH_SIZES if batch == "auto" else (batch,))]
        plan += [(2, None)] if ngrams == "auto" else []
        best, by_ngrams, by_batch = None, {}, {}
        limit, started = settings["time_limit"], time.monotonic()
        for i, (n, size) in enumerate(plan):
            self._time_limit = limit
            if isinstance(limit, (int, float)) and limit > 0 and len(plan) > 1:
                left = limit - (time.monotonic() - started)
                if left <= 0 and best is not None:
                    break
                self._time_limit = max(left, 1e-6) / (len(plan) - i)
            self._ngrams, self._batch_size = n, size or best["batch_size"]
            super().fit(texts, targets, task, valid, seed, progress, side=side)
            score = max(r["valid_score"] for r in self.chosen_["history"])
            by_ngrams[str(n)] = max(score, by_ngrams.get(str(n), score))
            if n == first:
                by_batch[str(self._batch_size)] = score
            if best is None or score > best["score"]:
                best = {"score": score, "batch_size": self._batch_size, "ngrams": n,
                        "state": (self.module_, self.head_, self.vocab_, self.settings_,
                                  self.chosen_)}
        self.module_, self.head_, self.vocab_, self.settings_, self.chosen_ = best["state"]
        self._ngrams = best["ngrams"]
        self.chosen_.update(word_ngrams=self._ngrams, valid_by_word_ngrams=by_ngrams,
                            valid_by_batch_size=by_batch)
        return self

    def _optimizer(self, module, head):
        import torch

        if self.settings_["weight_decay"]:
            raise TextladderError("the fasttext model trains sparse embeddings with plain SGD "
                                  "and takes no weight_decay; leave it at 0.")
        # The step is `lr` on the batch's mean loss, whatever the batch size. A squared error
        # curves 8 times as steeply as a log-loss at most (2 against 1/4), so takes an 8th of it.
        scale = 1 / 8 if head.kind == "linear" else 1
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
            self.settings_["batch_size"] = self._batch_size
            self.settings_["time_limit"] = self._time_limit
            self.settings_.update(self._epochs(len(texts)))
            self.settings_["buckets"] = self._resolve_buckets(tokenized)
        n_words, buckets = len(self.vocab_), self._buckets()
        # Unknown words (id 1) never occur in training, so their row would stay random: leave
        # them and their bigrams out. A text with nothing known is the padding id, an empty bag.
        return TokenSequences([add_bigrams(np.asarray(self.vocab_.encode(t), dtype=np.int64),
                                           n_words, buckets) for t in tokenized], empty_id=0)

    def _resolve_buckets(self, tokenized: list[list[str]]) -> int:
        """`buckets`, "auto" resolved for these training texts: BUCKETS_PER_BIGRAM rows per
        distinct bigram of known words, at least MIN_BUCKETS and at most MAX_BUCKETS. Large
        data get the full table; small data a table their bigrams fill as sparsely, instead of
        500,000 rows (128 MB at dim 64) for a thousand texts."""
        buckets = self.settings_["buckets"]
        if buckets != "auto":
            if not (isinstance(buckets, int) and buckets >= 1):
                raise TextladderError(f"buckets must be a whole number of rows, at least 1, or "
                                      f"auto (sized by the training bigrams); got {buckets!r}.")
            return buckets
        if self._ngrams != 2:
            return MIN_BUCKETS  # no bigram rows are made; a number keeps the setting resolved
        pairs = set()  # adjacent known words, as `add_bigrams` pairs them
        for tokens in tokenized:
            ids = self.vocab_.encode(tokens)
            pairs.update((a, b) for a, b in zip(ids, ids[1:]) if a != 1 and b != 1)
        return int(min(MAX_BUCKETS, max(MIN_BUCKETS, BUCKETS_PER_BIGRAM * len(pairs))))

    def _epochs(self, n_rows: int) -> dict[str, int]:
        """`epochs` and `patience`, "auto" resolved for `n_rows` training rows: 10 epochs, or as
        many as make MIN_STEPS steps (up to 100), as a fastText user trains small data for
        more epochs; patience half of them (at least 3), so that the rate mostly decays before
        training stops."""
        for name in ("epochs", "patience"):
            value = self.settings_[name]
            if value != "auto" and not (isinstance(value, int) and value >= 1):
                raise TextladderError(f"{name} must be a whole number of epochs, at least 1, or "
                                      f"auto; got {value!r}.")
        epochs = self.settings_["epochs"]
        if epochs == "auto":
            epochs = auto_epochs(n_rows, self.settings_["batch_size"])
        patience = self.settings_["patience"]
        return {"epochs": epochs, "patience": max(3, epochs // 2) if patience == "auto" else
                patience}

    def _side_scale(self, side: np.ndarray) -> float:
        """Side rows of mean length 1: a plain SGD step safe for the text's features would
        overshoot on inputs of length ~3 (the curvature of the loss grows with their square)."""
        from textladder.data.side_encoder import unit_rows_scale

        return unit_rows_scale(side)

    def _buckets(self) -> int:
        """Rows for hashed bigrams: `buckets` with word_ngrams 2 (as fitted or saved), else 0."""
        if getattr(self, "_ngrams", None) is None:
            self._ngrams = int(self.chosen_.get("word_ngrams", 2))
        return self.settings_["buckets"] if self._ngrams == 2 else 0

    def _batcher(self, prepared):
        return prepared.bag

    def _build_module(self, n_units: int):
        from textladder.neural.bag import BagOfNgrams

        return BagOfNgrams(len(self.vocab_) + self._buckets(), self.settings_["dim"], n_units,
                           self.n_side_)

    def _save_state(self, directory: Path) -> None:
        self.vocab_.save(directory / "vocabulary.json")

    def _load_state(self, directory: Path) -> None:
        from textladder.neural.vocab import Vocabulary

        self.vocab_ = Vocabulary.load(directory / "vocabulary.json")
