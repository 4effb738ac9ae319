"""Ordinal: one of K ordered levels per row (1-5 stars; very negative .. very positive).

Categorical cross-entropy ignores that 4 is closer to 5 than to 1. Rungs model the K - 1 cumulative
events "level > k" instead (CORAL / CORN style) and report class probabilities derived from them.
The decision follows the primary metric. For metrics of distance (qwk, mae, off-by-one accuracy)
it is the median of the predicted distribution: the lowest level whose cumulative probability
reaches one half, which for cumulative models is the CORAL rule "count the events whose
probability exceeds 0.5", and which minimises the expected distance. For metrics of exact hits
(accuracy, macro-F1) it is the most probable level, which maximises the expected hits: on SST-5
the median cost 2-3 points of accuracy against it with the same probabilities. Models saved
before the decision followed the metric decided by the median, and still do. Levels come from the
integers themselves or from `--order`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from textladder.data.labels import label_key
from textladder.errors import TextladderError
from textladder.tasks.base import log_odds
from textladder.tasks.multiclass import MulticlassTask
from textladder.tasks.single_label import SingleLabelTask

# Metrics that count exact hits: decided by the most probable level; the others by the median.
MODE_METRICS = frozenset({"accuracy", "macro_f1"})
DECISIONS = {
    "median": "the median level: count the cumulative events with probability above 0.5",
    "mode": "the most probable level (the primary metric counts exact hits)",
}


LEVEL_FLOOR = 1e-6  # the least probability a level gets (see `cumulative_to_class_probs`)


def cumulative_to_class_probs(greater: np.ndarray) -> np.ndarray:
    """Turn P(level > k) for k = 0..K-2, shape (n, K-1), into level probabilities (n, K).

    Independent binary models can cross; the cumulative probabilities are made non-increasing
    first so that every level probability is non-negative and each row sums to one. A level
    that crossing leaves at exactly zero gets `LEVEL_FLOOR` (the row renormalised): it is
    unlikely, not impossible, and a log-loss of it stays finite.
    """
    greater = np.clip(np.asarray(greater, dtype=float), 0.0, 1.0)
    greater = np.minimum.accumulate(greater, axis=1)
    n = len(greater)
    upper = np.hstack([np.ones((n, 1)), greater])
    lower = np.hstack([greater, np.zeros((n, 1))])
    levels = upper - lower
    if levels.size and levels.min() <= 0:
        levels = np.where(levels <= 0, LEVEL_FLOOR, levels)
        levels /= levels.sum(axis=1, keepdims=True)
    return levels


def ordinal_targets(targets: np.ndarray, n_levels: int) -> np.ndarray:
    """The cumulative binary targets [level > 0, level > 1, ...], shape (n, K-1)."""
    return (np.asarray(targets)[:, None] > np.arange(n_levels - 1)[None, :]).astype(np.int64)


class OrdinalTask(SingleLabelTask):
    name = "ordinal"
    head = "cumulative"
    output_layer = "K-1 sigmoid units for the cumulative events 'level > k' (CORAL / CORN style)"
    loss = "binary cross-entropy on the cumulative targets"
    metric_names = ("qwk", "accuracy", "macro_f1", "mae", "off_by_one_accuracy")
    default_metric = "qwk"

    def __init__(self, metric: str | None = None, order: list | None = None,
                 decision: str | None = None):
        super().__init__(metric)
        self.order = order
        self._decision = decision  # None: follow the metric

    @property
    def decision(self) -> str:
        """"mode" (the most probable level) or "median"."""
        if self._decision is not None:
            return self._decision
        return "mode" if self.primary_metric in MODE_METRICS else "median"

    @property
    def decision_rule(self) -> str:
        return DECISIONS[self.decision]

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
        if self.decision == "mode":
            return np.argmax(self.check_output(output), axis=1)
        cumulative = np.cumsum(self.check_output(output), axis=1)
        return np.argmax(cumulative >= 0.5 - 1e-9, axis=1)

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        """For the median, the log-odds nearest 0 of the cumulative probabilities (the last is
        always 1): the decision moves when one of them crosses 0.5. For the mode, as for a
        multi-class task: half the log-probability gap of the two most probable levels."""
        if self.decision == "mode":
            return MulticlassTask.decision_margin(self, output)
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
        return {**super().to_config(), "order": self.order, "decision": self.decision}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "OrdinalTask":
        # saved without a decision: before it followed the metric, when it was the median
        decision = config.get("decision", "median")
        if decision not in DECISIONS:
            raise TextladderError(f"the model's task config names an unknown decision "
                                  f"'{decision}' ({' or '.join(DECISIONS)}); retrain the model.")
        task = cls(metric=config.get("metric"), order=config.get("order"), decision=decision)
        task._load_state(config)
        return task
