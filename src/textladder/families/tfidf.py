"""The first rung: word and character tf-idf features with a linear model for the task's head.

The features are fitted once, on the training texts as they are; then the imbalance plan is
applied to the training feature rows (class weights, random over- or undersampling, SMOTE), and
a small grid of regularisation strengths C is tried, each candidate scored on the validation
data by the task's primary metric, and the best kept. This is the baseline that
is often hard to beat, so it is tuned, not left at defaults. It does not refit on train + valid:
the validation data also tunes the decision thresholds, and must stay unseen by the model.

Columns beside the text (the side matrix, `families/base.py`) are appended to the tf-idf
features as dense columns of the same sparse matrix, so the linear model weighs them with the
words. They are scaled as one more block: each tf-idf block's rows have unit length, and the side
block is divided by its mean row length on the training rows (`side_scale`), so that one penalty
C treats them alike. Unscaled, a row of 0/1 and standardised columns is some three times longer
than a tf-idf block's, so the side columns were penalised less than the words: on claff's agency
validation rows the choice moved to a smaller C (text penalised more) and the ROC AUC fell from
0.890 to 0.883.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from textladder.data.side_encoder import unit_rows_scale
from textladder.errors import TextladderError
from textladder.families.base import ModelFamily, check_side, valid_side
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
    takes_side = True
    imbalance_strategies = ("weights", "oversample", "undersample", "smote")
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
        }

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        return {"C": [1.0]}

    positive_settings = (*ModelFamily.positive_settings, "min_df")

    def resolved_settings(self) -> dict[str, Any]:
        """As every family's, and the n-gram ranges and `min_df` checked, before any work."""
        settings = super().resolved_settings()
        self._check_ngrams(settings)
        min_df = settings["min_df"]
        if isinstance(min_df, float) and min_df >= 1:  # 1.0 would mean "in every text"
            raise TextladderError(f"min_df is a count of texts (a whole number, e.g. 2) or a "
                                  f"share of them below 1 (e.g. 0.01); got {min_df!r}.")
        return settings

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
            progress: Progress | None = None, side: np.ndarray | None = None) -> "TfidfFamily":
        settings = self.resolved_settings()
        progress = progress or Progress()
        grid = linear_grid(settings["C"])
        with progress.step("tfidf: building features", total=None):
            self.features_ = TfidfFeatures(settings)
            try:
                X = self.features_.fit_transform(list(texts))
            except ValueError as error:  # e.g. min_df above the number of texts
                raise TextladderError(f"tfidf features could not be built ({error}); lower "
                                      f"min_df (now {settings['min_df']!r}) or give more "
                                      f"texts.") from None
            X_valid = self.features_.transform(list(valid[0]))
        self.n_side_ = 0 if side is None else side.shape[1]
        self.side_scale_ = unit_rows_scale(side)
        X = with_side(X, side, self.side_scale_)
        X_valid = with_side(X_valid, valid_side(valid), self.side_scale_)
        X, targets = self.imbalance.resample(X, targets, seed)  # training rows only
        best = search_linear(X, targets, X_valid, valid[1], task, grid, seed, progress, "tfidf",
                             self.imbalance.weights(targets))
        self.model_, self.history_ = best.model, best.history
        self.chosen_ = {**best.chosen, "n_features": self.features_.n_features}
        if self.n_side_:
            self.chosen_.update(side_features=self.n_side_, side_scale=self.side_scale_)
        self.head_ = task.head
        return self

    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        check_side(self.name, self.n_side_, side, len(texts))
        X = with_side(self.features_.transform(list(texts)), side, self.side_scale_)
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
        family.n_side_ = family.chosen_.get("side_features", 0)
        family.side_scale_ = family.chosen_.get("side_scale", 1.0)
        family.head_ = task.head
        return family


def with_side(X, side: np.ndarray | None, scale: float = 1.0):
    """The sparse features with the side matrix's columns (times `scale`) after them (X itself
    without)."""
    if side is None:
        return X
    return sp.hstack([X, sp.csr_matrix(side * scale)], format="csr")
