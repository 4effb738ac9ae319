"""Multi-class: exactly one of C classes per row (positive / negative / neutral)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, recall_score

from textladder.tasks.base import balanced_accuracy
from textladder.tasks.single_label import SingleLabelTask


class MulticlassTask(SingleLabelTask):
    name = "multiclass"
    head = "softmax"
    output_layer = "C softmax units, one per class"
    loss = "categorical cross-entropy"
    decision_rule = "argmax: the most probable class"
    metric_names = ("macro_f1", "accuracy", "weighted_f1", "macro_recall", "balanced_accuracy")
    default_metric = "macro_f1"

    def decide(self, output: np.ndarray) -> np.ndarray:
        return np.argmax(self.check_output(output), axis=1)

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        """Half the log-probability gap between the two most probable classes.

        That gap is the gap between their logits, and each logit may move by half of it.
        """
        logs = np.log(np.clip(self.check_output(output), 1e-12, None))
        top_two = np.sort(logs, axis=1)[:, -2:]
        return (top_two[:, 1] - top_two[:, 0]) / 2

    def evaluate(self, targets: np.ndarray, output: np.ndarray) -> dict[str, Any]:
        predicted = self.decide(output)
        labels = list(range(len(self.classes_)))
        return {
            "accuracy": float(accuracy_score(targets, predicted)),
            "macro_f1": float(f1_score(targets, predicted, labels=labels, average="macro",
                                       zero_division=0)),
            "weighted_f1": float(f1_score(targets, predicted, labels=labels, average="weighted",
                                          zero_division=0)),
            "macro_recall": float(recall_score(targets, predicted, labels=labels,
                                               average="macro", zero_division=0)),
            "balanced_accuracy": balanced_accuracy(targets, predicted),
            "per_class": self.per_class(targets, predicted),
            "confusion_matrix": self.confusion(targets, predicted),
        }
