"""Multi-label: any subset of L labels per row (a film that is both Action and Comedy).

Each label is its own sigmoid unit with binary cross-entropy; softmax would make the labels compete.
The decision threshold of each label is tuned for F1 on validation data, with a guard for labels
that have too few validation positives (see `textladder.thresholds`). Targets are a 0/1 matrix
(n, L); labels are sorted tuples of strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support

from textladder.data.labels import case_hint
from textladder.errors import TextladderError
from textladder.tasks.base import Task, log_odds
from textladder.thresholds import MIN_POSITIVES, per_label_thresholds


class MultilabelTask(Task):
    name = "multilabel"
    head = "multi_sigmoid"
    output_layer = "L independent sigmoid units, one per label"
    loss = "binary cross-entropy summed over labels"
    decision_rule = "each label whose probability reaches its own threshold, tuned on validation"
    metric_names = ("macro_f1", "micro_f1", "samples_f1", "subset_accuracy", "hamming_loss")
    default_metric = "macro_f1"

    def __init__(self, metric: str | None = None, min_positives: int = MIN_POSITIVES):
        super().__init__(metric)
        self.min_positives = min_positives

    def fit(self, labels: list) -> "MultilabelTask":
        self.classes_ = sorted({label for row in labels for label in row})
        self.thresholds_ = np.full(len(self.classes_), 0.5)
        self.guarded_ = []
        return self

    @property
    def labels(self) -> list:
        return list(self.classes_)

    @property
    def n_outputs(self) -> int:
        return len(self.classes_)

    def unseen(self, labels: list) -> tuple[list[int], list[str]]:
        known = set(self.classes_)
        rows = [row for row, label_set in enumerate(labels) if not set(label_set) <= known]
        return rows, sorted({label for row in rows for label in labels[row]} - known)

    def encode(self, labels: list, source: str = "the data") -> np.ndarray:
        _, unknown = self.unseen(labels)
        if unknown:
            raise TextladderError(
                f"{source} has labels that training never saw ({', '.join(unknown[:5])})"
                f"{case_hint(unknown, self.classes_)}; remove them or retrain with them."
            )
        index = {c: i for i, c in enumerate(self.classes_)}
        targets = np.zeros((len(labels), len(self.classes_)), dtype=np.int64)
        for row, label_set in enumerate(labels):
            targets[row, [index[label] for label in label_set]] = 1
        return targets

    def decode(self, targets: np.ndarray) -> list:
        return [tuple(c for c, on in zip(self.classes_, row) if on) for row in np.asarray(targets)]

    def decide(self, output: np.ndarray) -> np.ndarray:
        return (self.check_output(output) >= self.thresholds_[None, :]).astype(np.int64)

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        """The log-odds distance of the label closest to its threshold: any label may flip the
        set. (In probability, a label whose threshold is 0.004 would always look borderline.)"""
        return np.abs(log_odds(self.check_output(output))
                      - log_odds(self.thresholds_)[None, :]).min(axis=1)

    def tune(self, targets: np.ndarray, output: np.ndarray) -> "MultilabelTask":
        thresholds, guarded = per_label_thresholds(
            targets, self.check_output(output), self.min_positives
        )
        self.thresholds_ = thresholds
        self.guarded_ = [self.classes_[j] for j in guarded]
        return self

    def evaluate(self, targets: np.ndarray, output: np.ndarray) -> dict[str, Any]:
        predicted = self.decide(output)
        precision, recall, f1, support = precision_recall_fscore_support(
            targets, predicted, average=None, zero_division=0
        )
        return {
            "macro_f1": float(f1_score(targets, predicted, average="macro", zero_division=0)),
            "micro_f1": float(f1_score(targets, predicted, average="micro", zero_division=0)),
            "samples_f1": float(f1_score(targets, predicted, average="samples", zero_division=0)),
            "subset_accuracy": float(accuracy_score(targets, predicted)),
            "hamming_loss": float(hamming_loss(targets, predicted)),
            "per_label": {
                c: {
                    "precision": float(precision[j]),
                    "recall": float(recall[j]),
                    "f1": float(f1[j]),
                    "support": int(support[j]),
                    "threshold": float(self.thresholds_[j]),
                }
                for j, c in enumerate(self.classes_)
            },
        }

    def _state(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes_),
            "thresholds": [float(t) for t in self.thresholds_],
            "guarded_labels": list(self.guarded_),
            "min_positives": self.min_positives,
        }

    def _load_state(self, config: dict[str, Any]) -> None:
        self.classes_ = list(config["classes"])
        self.thresholds_ = np.asarray(config["thresholds"], dtype=float)
        self.guarded_ = list(config.get("guarded_labels", []))
        self.min_positives = int(config.get("min_positives", MIN_POSITIVES))
