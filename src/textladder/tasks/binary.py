"""Binary: one of two classes per row, one of which is the positive class.

Which one is positive is chosen with a stated reason (`tasks/positive.py`: the label asked for, a
label that names the positive side, the label without a negating prefix, else the minority class),
and `classes_` is kept as [negative, positive], so that output column 1 is the positive class's
probability. The threshold, f1, precision and recall are all about that class. A model saved
before the choice was explicit had the second class in sorted order as positive, and its saved
classes are in that order, so it loads unchanged.

The decision threshold on the positive class's probability is tuned on validation data for the
primary metric (F1 of the positive class by default) and stored with the model; for accuracy it
stays at 0.5 unless the tuned cut leads by more than the validation rows' noise. Ranking metrics
(roc_auc, pr_auc) do not depend on it, and precision or recall alone would push it to an extreme
(predict nothing, or everything), so with any of those primary the threshold is tuned for F1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from textladder.tasks.base import balanced_accuracy, log_odds
from textladder.tasks.positive import choose_positive
from textladder.tasks.single_label import SingleLabelTask, canonical_classes
from textladder.thresholds import accuracy_threshold, best_f1_threshold, best_threshold

_DECISION_METRICS = {
    "accuracy": accuracy_score,
    "macro_f1": lambda y, p: f1_score(y, p, average="macro", zero_division=0),
    "balanced_accuracy": balanced_accuracy,
}


class BinaryTask(SingleLabelTask):
    name = "binary"
    head = "sigmoid"
    output_layer = "one sigmoid unit: the probability of the positive class"
    loss = "binary cross-entropy"
    decision_rule = "positive when its probability reaches a threshold tuned on validation"
    metric_names = ("f1", "accuracy", "precision", "recall", "macro_f1", "balanced_accuracy",
                    "roc_auc", "pr_auc")
    default_metric = "f1"

    def __init__(self, metric: str | None = None, positive=None):
        super().__init__(metric)
        self.positive = positive  # the label asked for, or None to choose one

    def fit(self, labels: list) -> "BinaryTask":
        choice = choose_positive(canonical_classes(labels), labels, self.positive)
        self.classes_ = [choice.negative, choice.label]
        self.positive_reason_ = choice.reason
        self.threshold_ = 0.5
        return self

    @property
    def positive_label(self):
        """The positive class: `classes_[1]`, whose probability is output column 1."""
        return self.classes_[1]

    def decide(self, output: np.ndarray) -> np.ndarray:
        return (self.check_output(output)[:, 1] >= self.threshold_).astype(np.int64)

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        """The distance of the positive class's log-odds from the threshold's."""
        return np.abs(log_odds(self.check_output(output)[:, 1]) - log_odds(self.threshold_))

    def tune(self, targets: np.ndarray, output: np.ndarray) -> "BinaryTask":
        scores = self.check_output(output)[:, 1]
        metric = _DECISION_METRICS.get(self.primary_metric)
        if metric is None:
            self.threshold_, _ = best_f1_threshold(targets, scores)
        elif self.primary_metric == "accuracy":
            self.threshold_, _ = accuracy_threshold(targets, scores)
        else:
            self.threshold_, _ = best_threshold(targets, scores, metric)
        return self

    def evaluate(self, targets: np.ndarray, output: np.ndarray) -> dict[str, Any]:
        output = self.check_output(output)
        predicted = self.decide(output)
        both = len(np.unique(targets)) == 2
        return {
            "accuracy": float(accuracy_score(targets, predicted)),
            "precision": float(precision_score(targets, predicted, zero_division=0)),
            "recall": float(recall_score(targets, predicted, zero_division=0)),
            "f1": float(f1_score(targets, predicted, zero_division=0)),
            "macro_f1": float(f1_score(targets, predicted, average="macro", labels=[0, 1],
                                       zero_division=0)),
            "balanced_accuracy": balanced_accuracy(targets, predicted),
            "roc_auc": float(roc_auc_score(targets, output[:, 1])) if both else float("nan"),
            "pr_auc": float(average_precision_score(targets, output[:, 1])) if both
            else float("nan"),
            "per_class": self.per_class(targets, predicted),
            "confusion_matrix": self.confusion(targets, predicted),
        }

    def to_config(self) -> dict[str, Any]:
        return {**super().to_config(), "positive_requested": self.positive}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "BinaryTask":
        task = cls(metric=config.get("metric"), positive=config.get("positive_requested"))
        task._load_state(config)
        return task

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "threshold": float(self.threshold_),
                "positive_reason": self.positive_reason_}

    def _load_state(self, config: dict[str, Any]) -> None:
        super()._load_state(config)
        self.threshold_ = float(config.get("threshold", 0.5))
        self.positive_reason_ = config.get(
            "positive_reason", f"'{self.classes_[1]}' is the second class in sorted order (the "
                               f"rule before textladder stated its choice)")
