"""The task type: everything about a problem that follows from the structure of its labels.

A task owns how raw labels are encoded as targets, the output layer and loss a neural rung must
use, the decision rule that turns model outputs into labels, the decision parameters tuned on
validation data (thresholds), and the metrics. Model families never choose these: they ask the
task. A task knows nothing about texts or models.

Model outputs are arrays in the task's own shape: class probabilities for binary (n, 2),
multi-class (n, C) and ordinal (n, K) tasks, independent label probabilities (n, L) for
multi-label tasks, and values (n,) for regression.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from textladder.errors import TextladderError

LOWER_IS_BETTER = frozenset({"mae", "rmse", "hamming_loss"})


FLOAT32_STEP = 2.0**-24  # float32 resolves probabilities near 1 no finer than this


def log_odds(probability) -> np.ndarray:
    """log(p / (1 - p)): where a model's score sits before its sigmoid.

    Probabilities are clipped to float32's resolution from 0 and 1: beyond it, a float32 output
    of 1.0 and a threshold of 0.99999997 would look 10 log-odds apart although the next step
    crosses it. Clipped, both sit at the same place, so the margin between them is 0."""
    p = np.clip(np.asarray(probability, dtype=float), FLOAT32_STEP, 1 - FLOAT32_STEP)
    return np.log(p) - np.log1p(-p)


def balanced_accuracy(targets: np.ndarray, predicted: np.ndarray) -> float:
    """scikit-learn's balanced accuracy (the mean recall of the classes in `targets`), without
    its warning when a prediction names a class these rows lack: on a fold or a small sample
    that is common, and the metric already counts such a prediction as a miss."""
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        return float(balanced_accuracy_score(targets, predicted))


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics that are single numbers (name -> value), without per-class details."""
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float))}


def metric_details(metrics: dict[str, Any]) -> dict[str, Any]:
    """The nested parts of a metrics dict: per_class, per_label, confusion_matrix."""
    return {k: v for k, v in metrics.items() if not isinstance(v, (int, float))}


class Task(ABC):
    """Base class of the five task types."""

    name: ClassVar[str]
    head: ClassVar[str]  # the output unit family rungs build: see HEADS in tasks/__init__.py
    output_layer: ClassVar[str]
    loss: ClassVar[str]
    decision_rule: ClassVar[str]
    metric_names: ClassVar[tuple[str, ...]]
    default_metric: ClassVar[str]

    def __init__(self, metric: str | None = None):
        self.metric = metric

    # ----- labels ---------------------------------------------------------------------------
    @abstractmethod
    def fit(self, labels: list) -> "Task":
        """Learn the label space (classes, levels, range) from training labels."""

    @abstractmethod
    def encode(self, labels: list, source: str = "the data") -> np.ndarray:
        """Turn labels into targets; unknown labels raise a `TextladderError` naming `source`."""

    def unseen(self, labels: list) -> tuple[list[int], list[str]]:
        """The rows of (prepared) `labels` that `encode` would refuse, and their unknown labels,
        sorted: none for a task without a label space (a regression)."""
        return [], []

    @abstractmethod
    def decode(self, targets: np.ndarray) -> list:
        """Turn predicted targets back into labels."""

    @property
    @abstractmethod
    def n_outputs(self) -> int:
        """Width of the model output (1 for regression)."""

    @property
    def labels(self) -> list:
        """The labels that outputs are columns of, in order (empty for regression)."""
        return []

    # ----- decisions ------------------------------------------------------------------------
    @abstractmethod
    def decide(self, output: np.ndarray) -> np.ndarray:
        """Apply the decision rule to model outputs, returning targets."""

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        """Per text, how far its outputs are from deciding otherwise, in log-odds.

        Log-odds of the probabilities the decision compares (for ordinal tasks, the cumulative
        ones): an approximate runtime moves those by about the same amount whatever the
        probability, while a probability near 0 or 1 barely moves. A runtime that moves each
        decisive log-odds by less than this margin cannot change the decision. Unbounded where
        no output change flips a label (regression predicts values).
        """
        return np.full(len(output), np.inf)

    def tune(self, targets: np.ndarray, output: np.ndarray) -> "Task":
        """Choose decision parameters on validation data. Returns self."""
        return self

    def tuned_copy(self, targets: np.ndarray, output: np.ndarray) -> "Task":
        """A copy tuned on (targets, output), leaving this task untouched."""
        return copy.deepcopy(self).tune(targets, output)

    # ----- metrics --------------------------------------------------------------------------
    @property
    def primary_metric(self) -> str:
        return self.metric or self.default_metric

    @abstractmethod
    def evaluate(self, targets: np.ndarray, output: np.ndarray) -> dict[str, Any]:
        """All metrics of this task; scalar metrics by name, details under nested keys."""

    def score(self, targets: np.ndarray, output: np.ndarray) -> float:
        """The primary metric of outputs against targets, with the current decision rule."""
        return float(self.evaluate(targets, output)[self.primary_metric])

    def selection_score(self, targets: np.ndarray, output: np.ndarray) -> float:
        """The primary metric, oriented so that greater is better, after tuning on the same data.

        Model families compare their candidate settings with this on validation data.
        """
        value = self.tuned_copy(targets, output).score(targets, output)
        return -value if self.primary_metric in LOWER_IS_BETTER else value

    def check_metric(self) -> "Task":
        if self.metric is not None and self.metric not in self.metric_names:
            raise TextladderError(
                f"--metric for a {self.name} task must be one of {', '.join(self.metric_names)}; "
                f"got '{self.metric}'."
            )
        return self

    # ----- description and persistence ------------------------------------------------------
    def describe(self) -> dict[str, str]:
        """The choices this task makes, in words, for the user."""
        return {
            "task": self.name,
            "output_layer": self.output_layer,
            "loss": self.loss,
            "decision_rule": self.decision_rule,
            "primary_metric": self.primary_metric,
        }

    def to_config(self) -> dict[str, Any]:
        return {"type": self.name, "metric": self.metric, **self._state()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Task":
        task = cls(metric=config.get("metric"))
        task._load_state(config)
        return task

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """Learned state as JSON-serialisable values."""

    @abstractmethod
    def _load_state(self, config: dict[str, Any]) -> None:
        """Restore what `_state` returned."""

    def output_shape(self, n_texts: int) -> tuple[int, ...]:
        """(texts, outputs), or (texts,) for a task with one output per text."""
        return (n_texts, self.n_outputs) if self.n_outputs > 1 else (n_texts,)

    def empty_output(self) -> np.ndarray:
        """The output for no texts at all, in the task's shape."""
        return np.zeros(self.output_shape(0))

    def check_output(self, output: np.ndarray) -> np.ndarray:
        output = np.asarray(output, dtype=float)
        expected = self.output_shape(len(output))
        if output.shape != expected:
            raise ValueError(f"{self.name} output must have shape {expected}, got {output.shape}")
        return output
