"""Regression: a score per row (positivity in [0, 1]; a category mapped to a number).

One linear output unit, whatever the range of the scores (no sigmoid, also for scores in
[0, 1]), trained with mean squared error; the torch rungs learn standardised scores and map their
outputs back. The decision is the value itself, clipped to the range seen in training so that a
linear model cannot predict a score the labels never reach.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from textladder.data.labels import as_numbers
from textladder.errors import TextladderError
from textladder.tasks.base import Task


class RegressionTask(Task):
    name = "regression"
    head = "linear"
    output_layer = "one linear unit (no sigmoid, whatever the range of the scores)"
    loss = "mean squared error"
    decision_rule = "the predicted value, clipped to the training range"
    metric_names = ("rmse", "mae", "r2", "pearson", "spearman")
    default_metric = "rmse"

    def fit(self, labels: list) -> "RegressionTask":
        values = self.encode(labels, "the training data")
        self.low_, self.high_ = float(values.min()), float(values.max())
        return self

    @property
    def n_outputs(self) -> int:
        return 1

    def encode(self, labels: list, source: str = "the data") -> np.ndarray:
        values = as_numbers(labels)
        if values is None:
            raise TextladderError(
                f"{source} has labels that are not numbers; a regression needs numeric labels "
                f"(or --label-map 'negative=0,neutral=0.5,positive=1')."
            )
        return values

    def decode(self, targets: np.ndarray) -> list:
        return [float(v) for v in np.asarray(targets).ravel()]

    def decide(self, output: np.ndarray) -> np.ndarray:
        return np.clip(self.check_output(output), self.low_, self.high_)

    def evaluate(self, targets: np.ndarray, output: np.ndarray) -> dict[str, Any]:
        predicted = self.decide(output)
        targets = np.asarray(targets, dtype=float)
        constant = np.ptp(predicted) == 0 or np.ptp(targets) == 0
        return {
            "mae": float(mean_absolute_error(targets, predicted)),
            "rmse": float(np.sqrt(mean_squared_error(targets, predicted))),
            "r2": float(r2_score(targets, predicted)) if len(targets) > 1 else float("nan"),
            "pearson": float("nan") if constant else float(pearsonr(targets, predicted)[0]),
            "spearman": float("nan") if constant else float(spearmanr(targets, predicted)[0]),
        }

    def _state(self) -> dict[str, Any]:
        return {"low": self.low_, "high": self.high_}

    def _load_state(self, config: dict[str, Any]) -> None:
        self.low_, self.high_ = float(config["low"]), float(config["high"])
