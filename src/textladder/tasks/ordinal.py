"""Ordinal: one of K ordered levels per row (1-5 stars; very negative .. very positive).

Categorical cross-entropy ignores that 4 is closer to 5 than to 1. Rungs model the K - 1 cumulative
events "level > k" instead (CORAL / CORN style) and report class probabilities derived from them.
The decision is the median of the predicted distribution: the lowest level whose cumulative
probability reaches one half, which for cumulative models is the CORAL rule "count the events whose
probability exceeds 0.5". Levels come from the integers themselves or from `--order`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from textladder.data.labels import label_key
from textladder.errors import TextladderError
from textladder.tasks.base import log_odds
from textladder.tasks.single_label import SingleLabelTask


def cumulative_to_class_probs(greater: np.ndarray) -> np.ndarray:
    """Turn P(level > k) for k = 0..K-2, shape (n, K-1), into level probabilities (n, K).

    Independent binary models can cross; the cumulative probabilities are made non-increasing
    first so that every level probability is non-negative and each row sums to one.
    """
    greater = np.clip(np.asarray(greater, dtype=float), 0.0, 1.0)
    greater = np.minimum.accumulate(greater, axis=1)
    n = len(greater)
    upper = np.hstack([np.ones((n, 1)), greater])
    lower = np.hstack([greater, np.zeros((n, 1))])
    return upper - lower


def ordinal_targets(targets: np.ndarray, n_levels: int) -> np.ndarray:
    """The cumulative binary targets [level > 0, level > 1, ...], shape (n, K-1)."""
    return (np.asarray(targets)[:, None] > np.arange(n_levels - 1)[None, :]).astype(np.int64)


class OrdinalTask(SingleLabelTask):
    name = "ordinal"
    head = "cumulative"
    output_layer = "K-1 sigmoid units for the cumulative events 'level > k' (CORAL / CORN style)"
    loss = "binary cross-entropy on the cumulative targets"
    decision_rule = "the median level: count the cumulative events with probability above 0.5"
    metric_names = ("qwk", "accuracy", "macro_f1", "mae", "off_by_one_accuracy")
    default_metric = "qwk"

    def __init__(self, metric: str | None = None, order: list | None = None):
        super().__init__(metric)
        self.order = order

    def fit(self, labels: list) -> "OrdinalTask":
        if self.order is None:
            return super().fit(labels)
        self.classes_ = list(self.order)
        known = {label_key(level) for level in self.classes_}
        unknown = sorted({label_key(v) for v in labels} - known)
        if unknown:
            raise TextladderError(
                f"labels {', '.join(unknown[:5])} are not in --order ({', '.join(map(str, self.order))}); "
                f"add them to --order in their place."
            )
        return self

    def decide(self, output: np.ndarray) -> np.ndarray:
        cumulative = np.cumsum(self.check_output(output), axis=1)
        return np.argmax(cumulative >= 0.5 - 1e-9, axis=1)

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        """The log-odds nearest 0 of the cumulative probabilities (the last is always 1): the
        decision moves when one of them crosses 0.5."""
        cumulative = np.cumsum(self.check_output(output), axis=1)[:, :-1]
        return np.abs(log_odds(cumulative)).min(axis=1)

    def evaluate(self, targets: np.ndarray, output: np.ndarray) -> dict[str, Any]:
        predicted = self.decide(output)
        labels = list(range(len(self.classes_)))
        distance = np.abs(predicted - np.asarray(targets))
        qwk = cohen_kappa_score(targets, predicted, labels=labels, weights="quadratic")
        return {
            "accuracy": float(accuracy_score(targets, predicted)),
            "macro_f1": float(f1_score(targets, predicted, labels=labels, average="macro",
                                       zero_division=0)),
            "mae": float(distance.mean()),
            "qwk": float(0.0 if np.isnan(qwk) else qwk),
            "off_by_one_accuracy": float((distance <= 1).mean()),
            "per_class": self.per_class(targets, predicted),
            "confusion_matrix": self.confusion(targets, predicted),
        }

    def to_config(self) -> dict[str, Any]:
        return {**super().to_config(), "order": self.order}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "OrdinalTask":
        task = cls(metric=config.get("metric"), order=config.get("order"))
        task._load_state(config)
        return task
