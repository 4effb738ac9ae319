"""The first rung: word and character tf-idf features with a linear model for the task's head.

The features are fitted once; then a small grid of regularisation strengths C (and, with
`class_weight="auto"`, unweighted against balanced class weights for single-label heads) is tried, each candidate scored
on the validation data by the task's primary metric, and the best kept. This is the baseline that
is often hard to beat, so it is tuned, not left at defaults. It does not refit on train + valid:
the validation data also tunes the decision thresholds, and must stay unseen by the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.base import ModelFamily
from textladder.families.linear_heads import LINEAR_HEADS
from textladder.families.linear_search import linear_grid, load_linear, save_linear, search_linear
from textladder.families.registry import register
from textladder.families.tfidf_features import TfidfFeatures
from textladder.progress import Progress
from textladder.tasks.base import Task


@register
class TfidfFamily(ModelFamily):
    name = "tfidf"
    version = 1
    summary = "word 1-2-gram + char 2-5-gram tf-idf, linear model per task, C tuned on validation"
    setting_type_exceptions = {"word_ngrams": (list, None), "char_ngrams": (list, None),
                               "min_df": (float,), "max_features": (int, None),
                               "C": (list, float)}  # null n-grams: leave that kind out

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "min_df": 2,
            "max_features": None,
            "lowercase": True,
            "C": [0.5, 2.0, 8.0],
            "class_weight": "auto",
        }

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        return {"C": [1.0], "class_weight": "balanced"}

    @staticmethod
    def _check_ngrams(settings: dict[str, Any]) -> None:
        for name in ("word_ngrams", "char_ngrams"):
            value = settings[name]
            if value and not (isinstance(value, (list, tuple)) and len(value) == 2
                              and all(isinstance(n, int) and n > 0 for n in value)
                              and value[0] <= value[1]):
                raise TextladderError(f"{name} must be [low, high] with 1 <= low <= high, or "
                                      f"null to leave it out; got {value!r}.")
        if not settings["word_ngrams"] and not settings["char_ngrams"]:
            raise TextladderError("word_ngrams and char_ngrams cannot both be null.")

    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None) -> "TfidfFamily":
        settings = self.resolved_settings()
        progress = progress or Progress()
        grid = linear_grid(settings["C"], settings["class_weight"], task)
        self._check_ngrams(settings)
        with progress.step("tfidf: building features", total=None):
            self.features_ = TfidfFeatures(settings)
            try:
                X = self.features_.fit_transform(list(texts))
            except ValueError as error:  # e.g. min_df above the number of texts
                raise TextladderError(f"tfidf features could not be built ({error}); lower "
                                      f"min_df or give more texts.") from None
            X_valid = self.features_.transform(list(valid[0]))
        best = search_linear(X, targets, X_valid, valid[1], task, grid, seed, progress, "tfidf")
        self.model_, self.history_ = best.model, best.history
        self.chosen_ = {**best.chosen, "n_features": self.features_.n_features}
        self.head_ = task.head
        return self

    def predict_output(self, texts: Sequence[str]) -> np.ndarray:
        X = self.features_.transform(list(texts))
        return LINEAR_HEADS[self.head_].output(self.model_, X)

    def save(self, directory: Path) -> None:
        self.features_.save(directory)
        save_linear(self.model_, directory / "linear_model.skops")

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "TfidfFamily":
        family = cls(**config["settings"])
        settings = family.resolved_settings()
        family.features_ = TfidfFeatures.load(directory, settings)
        family.model_ = load_linear(directory / "linear_model.skops", cls.name)
        family.chosen_ = config.get("chosen", {})
        family.head_ = task.head
        return family
