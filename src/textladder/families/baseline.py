"""The `baseline` rung: the same output for every text, learned from the training labels alone.

The class priors for binary, multi-class and ordinal tasks (so the decision is the majority
class, or the median level for ordinal), each label's rate for multi-label, and the mean score
for regression. It reads no text: it is the floor every other rung must clear, and the first
row of a climb's leaderboard. The task tunes its thresholds on it as on any rung (for binary and
multi-label that may mean "always positive", the F1-best constant decision).

Nothing is saved beside the config: the constant output is recorded in `chosen_`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.families.base import ModelFamily
from textladder.families.registry import register
from textladder.progress import Progress
from textladder.tasks.base import Task


def constant_output(task: Task, targets: np.ndarray) -> np.ndarray:
    """The one output row the baseline gives every text, in the task's shape."""
    targets = np.asarray(targets)
    if task.n_outputs == 1:  # regression: the mean
        return np.asarray(float(np.mean(targets)))
    if targets.ndim == 2:  # multi-label: each label's rate
        return targets.mean(axis=0).astype(float)
    counts = np.bincount(targets.astype(np.int64), minlength=task.n_outputs)
    return counts / counts.sum()


@register
class BaselineFamily(ModelFamily):
    name = "baseline"
    summary = "the training labels' priors (or mean) for every text: the floor to beat"
    ignores_texts = True
    takes_side = True  # and ignores them too: a climb with feature columns has its floor

    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None,
            side: np.ndarray | None = None) -> "BaselineFamily":
        self.resolved_settings()  # refuses unknown settings; it has none
        self.output_ = constant_output(task, targets)
        self.chosen_ = {"output": self.output_.tolist()}
        return self

    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        return np.repeat(self.output_[None, ...], len(texts), axis=0)

    def save(self, directory: Path) -> None:
        """The constant is in the config (`chosen_`); there is nothing else to write."""

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "BaselineFamily":
        family = cls(**config.get("settings", {}))
        family.chosen_ = config.get("chosen", {})
        family.output_ = np.asarray(family.chosen_["output"], dtype=float)
        return family
