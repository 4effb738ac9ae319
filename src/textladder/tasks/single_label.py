"""What binary, multi-class and ordinal tasks share: one label per row from a fixed set.

Labels are matched by their string form, so a label read as the number 1 from JSON and as the
text "1" from CSV is the same class. Classes are kept as JSON values: integers where every label
is an integer, otherwise strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from textladder.data.labels import as_numbers, case_hint, label_key
from textladder.errors import TextladderError
from textladder.tasks.base import Task


def canonical_classes(labels: list) -> list:
    """Distinct labels, sorted numerically when they are numbers, as ints or strings (as
    bools when every label given is one, so that True comes back as True, not 'True')."""
    keys = sorted({label_key(v) for v in labels})
    if labels and all(isinstance(v, (bool, np.bool_)) for v in labels):
        return [key == "True" for key in keys]  # "False" sorts first
    numbers = as_numbers(keys)
    if numbers is not None:
        pairs = sorted(zip(numbers, keys))
        if np.all(numbers == np.round(numbers)):
            return [int(n) for n, _ in pairs]
        return [k for _, k in pairs]
    return keys


class SingleLabelTask(Task):
    """A task whose targets are indices into `classes_`."""

    def __init__(self, metric: str | None = None):
        super().__init__(metric)

    def fit(self, labels: list) -> "SingleLabelTask":
        self.classes_ = canonical_classes(labels)
        return self

    @property
    def labels(self) -> list:
        return list(self.classes_)

    @property
    def n_outputs(self) -> int:
        return len(self.classes_)

    def unseen(self, labels: list) -> tuple[list[int], list[str]]:
        known = {label_key(c) for c in self.classes_}
        rows = [row for row, label in enumerate(labels) if label_key(label) not in known]
        return rows, sorted({label_key(labels[row]) for row in rows})

    def encode(self, labels: list, source: str = "the data") -> np.ndarray:
        _, unknown = self.unseen(labels)
        if unknown:
            shown = ", ".join(unknown[:5])
            raise TextladderError(
                f"{source} has labels that training never saw ({shown})"
                f"{case_hint(unknown, self.classes_)}; "
                f"known labels: {', '.join(map(str, self.classes_))}. Remove those rows or "
                f"retrain with them."
            )
        index = {label_key(c): i for i, c in enumerate(self.classes_)}
        return np.array([index[label_key(label)] for label in labels], dtype=np.int64)

    def decode(self, targets: np.ndarray) -> list:
        return [self.classes_[int(t)] for t in np.asarray(targets).ravel()]

    def per_class(self, targets: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, float]]:
        indices = list(range(len(self.classes_)))
        precision, recall, f1, support = precision_recall_fscore_support(
            targets, predicted, labels=indices, zero_division=0
        )
        return {
            str(c): {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, c in enumerate(self.classes_)
        }

    def confusion(self, targets: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
        matrix = confusion_matrix(targets, predicted, labels=list(range(len(self.classes_))))
        return {"labels": [str(c) for c in self.classes_], "matrix": matrix.tolist()}

    def _state(self) -> dict[str, Any]:
        return {"classes": list(self.classes_)}

    def _load_state(self, config: dict[str, Any]) -> None:
        self.classes_ = list(config["classes"])
