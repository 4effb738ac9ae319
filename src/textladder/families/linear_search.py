"""Choosing and keeping a linear model for a feature matrix: the C grid, validation, skops files.

Shared by the rungs that end in a linear model (`tfidf`, `minilm` with a logistic head).
`linear_grid` checks the user's C setting and lists the candidates; `search_linear` fits each on
the training features (with the class weights of the imbalance plan, if any), scores it on
validation with the task's selection score and keeps the best; `save_linear` / `load_linear`
write and read the model with skops, refusing any type not on the trusted list. Feature
extraction is not done here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from textladder.errors import TextladderError
from textladder.families.linear_heads import LINEAR_HEADS
from textladder.progress import Progress
from textladder.tasks.base import Task

# Every type a saved linear model may contain; loading refuses anything else.
TRUSTED_TYPES = [
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.multiclass._ConstantPredictor",
    "sklearn.preprocessing._label.LabelBinarizer",
    "textladder.families.linear_heads.CumulativeLogit",
    "textladder.families.linear_heads.LevelLogit",
    "textladder.families.linear_heads.PerLabelLogit",
    "textladder.families.linear_heads.ScaledRidge",
]


def linear_grid(strengths) -> list[float]:
    """The C candidates, after checking the setting."""
    values = strengths if isinstance(strengths, (list, tuple)) else [strengths]
    if not values or not all(isinstance(C, (int, float)) and C > 0 for C in values):
        raise TextladderError(f"C must be a positive number or a non-empty list of them; got "
                              f"{strengths!r}.")
    return [float(C) for C in values]


@dataclass
class LinearChoice:
    """The best candidate and what each candidate scored on validation."""

    model: object = None
    score: float = -np.inf
    chosen: dict = field(default_factory=dict)
    history: list = field(default_factory=list)


def search_linear(X, targets: np.ndarray, X_valid, valid_targets: np.ndarray, task: Task,
                  grid: list[float], seed: int, progress: Progress, name: str,
                  weights: np.ndarray | None = None) -> LinearChoice:
    """Fit every C of `grid` (with class `weights`, if any); keep the best on validation."""
    head = LINEAR_HEADS[task.head]
    best = LinearChoice()
    with progress.step(f"{name}: choosing C on validation", total=len(grid)) as step:
        for C in grid:
            model = head.build(C, weights, seed, task.n_outputs).fit(X, targets)
            score = task.selection_score(valid_targets, head.output(model, X_valid))
            best.history.append({"C": C, "score": score})
            if np.isnan(score):
                score = -np.inf  # e.g. roc_auc on a one-class validation set
            if best.model is None or score > best.score:
                best.model, best.score = model, score
                best.chosen = {"C": C}
            step.update(f"{name}: C={C:g} -> {abs(score):.4f}")
            step.advance()
        if best.chosen:  # the last line says which C won, not the last one tried
            step.update(f"{name}: chose C={best.chosen['C']:g} ({abs(best.score):.4f} on "
                        f"validation)")
    return best


def save_linear(model, path: Path) -> None:
    import skops.io as sio

    sio.dump(model, path)


def load_linear(path: Path, name: str):
    """Read a linear model written by `save_linear`; refuse types that are not trusted."""
    import skops.io as sio

    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise TextladderError(
            f"'{path}' contains types textladder does not trust ({', '.join(untrusted[:3])}); "
            f"it was not written by textladder's {name} model and will not be loaded.")
    return sio.load(path, trusted=TRUSTED_TYPES)
