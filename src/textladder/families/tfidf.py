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
from textladder.families.registry import register
from textladder.families.tfidf_features import TfidfFeatures
from textladder.progress import Progress
from textladder.tasks.base import Task

# Every type a saved tfidf linear model may contain; loading refuses anything else.
TRUSTED_TYPES = [
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.multiclass._ConstantPredictor",
    "sklearn.preprocessing._label.LabelBinarizer",
    "textladder.families.linear_heads.CumulativeLogit",
]
CLASS_WEIGHTS = ("auto", "balanced", "none")


@register
class TfidfFamily(ModelFamily):
    name = "tfidf"
    version = 1
    summary = "word 1-2-gram + char 2-5-gram tf-idf, linear model per task, C tuned on validation"

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

    def _grid(self, settings: dict[str, Any], task: Task) -> list[tuple[float, str | None]]:
        weighting = settings["class_weight"]
        if weighting not in CLASS_WEIGHTS:
            raise TextladderError(
                f"class_weight must be one of {', '.join(CLASS_WEIGHTS)}; got '{weighting}'."
            )
        strengths = settings["C"] if isinstance(settings["C"], (list, tuple)) else [settings["C"]]
        if not strengths or not all(isinstance(C, (int, float)) and C > 0 for C in strengths):
            raise TextladderError(f"C must be a positive number or a non-empty list of them; got "
                                  f"{settings['C']!r}.")
        for name in ("word_ngrams", "char_ngrams"):
            value = settings[name]
            if value and not (isinstance(value, (list, tuple)) and len(value) == 2
                              and all(isinstance(n, int) and n > 0 for n in value)
                              and value[0] <= value[1]):
                raise TextladderError(f"{name} must be [low, high] with 1 <= low <= high, or "
                                      f"null to leave it out; got {value!r}.")
        if not settings["word_ngrams"] and not settings["char_ngrams"]:
            raise TextladderError("word_ngrams and char_ngrams cannot both be null.")
        head = LINEAR_HEADS[task.head]
        if not head.weighted or weighting == "none":
            weights = [None]
        else:
            weights = list(head.auto_weights) if weighting == "auto" else ["balanced"]
        return [(float(C), w) for w in weights for C in strengths]

    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None) -> "TfidfFamily":
        settings = self.resolved_settings()
        progress = progress or Progress()
        head = LINEAR_HEADS[task.head]
        grid = self._grid(settings, task)
        with progress.step("tfidf: building features", total=None):
            self.features_ = TfidfFeatures(settings)
            try:
                X = self.features_.fit_transform(list(texts))
            except ValueError as error:  # e.g. min_df above the number of texts
                raise TextladderError(f"tfidf features could not be built ({error}); lower "
                                      f"min_df or give more texts.") from None
            X_valid = self.features_.transform(list(valid[0]))
        best_score, self.history_, self.model_ = -np.inf, [], None
        with progress.step("tfidf: choosing C on validation", total=len(grid)) as step:
            for C, weight in grid:
                model = head.build(C, weight, seed, task.n_outputs).fit(X, targets)
                score = task.selection_score(valid[1], head.output(model, X_valid))
                self.history_.append({"C": C, "class_weight": weight or "none", "score": score})
                if np.isnan(score):
                    score = -np.inf  # e.g. roc_auc on a one-class validation set
                if self.model_ is None or score > best_score:
                    best_score, self.model_ = score, model
                    self.chosen_ = {"C": C, "class_weight": weight or "none",
                                    "n_features": self.features_.n_features}
                step.update(f"tfidf: C={C:g} {weight or 'unweighted'} -> {abs(score):.4f}")
                step.advance()
        self.head_ = task.head
        return self

    def predict_output(self, texts: Sequence[str]) -> np.ndarray:
        X = self.features_.transform(list(texts))
        return LINEAR_HEADS[self.head_].output(self.model_, X)

    def save(self, directory: Path) -> None:
        import skops.io as sio

        self.features_.save(directory)
        sio.dump(self.model_, directory / "linear_model.skops")

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "TfidfFamily":
        import skops.io as sio

        family = cls(**config["settings"])
        settings = family.resolved_settings()
        family.features_ = TfidfFeatures.load(directory, settings)
        path = directory / "linear_model.skops"
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
        if untrusted:
            raise TextladderError(
                f"'{path}' contains types textladder does not trust ({', '.join(untrusted[:3])}); "
                f"it was not written by textladder's tfidf model and will not be loaded."
            )
        family.model_ = sio.load(path, trusted=TRUSTED_TYPES)
        family.chosen_ = config.get("chosen", {})
        family.head_ = task.head
        return family
