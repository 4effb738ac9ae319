"""Linear models for each task head, for rungs that produce a feature matrix.

One entry per head named by the task (see `textladder.tasks.HEADS`): logistic regression for the
sigmoid and softmax heads, one logistic regression per label for multi-label, cumulative logistic
models for ordinal (one per event "level > k"), and ridge regression for the linear head. Each entry
builds an estimator for a regularisation strength C and class weighting, and reads the task-shaped
output back from it. The models are scikit-learn's; only the cumulative ordinal wrapper is ours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier

from textladder.tasks.ordinal import cumulative_to_class_probs, ordinal_targets


def _logistic(C: float, class_weight: str | None, seed: int) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, random_state=seed)


class CumulativeLogit(ClassifierMixin, BaseEstimator):
    """Ordinal regression as K-1 logistic models of P(level > k), k = 0..K-2.

    `fit` takes level indices 0..K-1 (`n_levels` = K); `predict_proba` returns level probabilities
    made consistent by `cumulative_to_class_probs`. An event with a single outcome in training (a
    level nobody used) gets a constant probability instead of a model.
    """

    def __init__(self, n_levels: int = 2, C: float = 1.0, class_weight: str | None = None,
                 random_state: int = 0):
        self.n_levels = n_levels
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y) -> "CumulativeLogit":
        events = ordinal_targets(np.asarray(y), self.n_levels)
        self.estimators_ = []
        self.constants_ = np.full(self.n_levels - 1, np.nan)
        for k in range(self.n_levels - 1):
            if len(np.unique(events[:, k])) < 2:
                self.estimators_.append(None)
                self.constants_[k] = float(events[0, k])
                continue
            model = _logistic(self.C, self.class_weight, self.random_state)
            self.estimators_.append(model.fit(X, events[:, k]))
        self.classes_ = np.arange(self.n_levels)
        return self

    def predict_greater(self, X) -> np.ndarray:
        """P(level > k) for each row and k, shape (n, K-1)."""
        columns = [
            np.full(X.shape[0], self.constants_[k]) if model is None
            else model.predict_proba(X)[:, 1]
            for k, model in enumerate(self.estimators_)
        ]
        return np.column_stack(columns)

    def predict_proba(self, X) -> np.ndarray:
        return cumulative_to_class_probs(self.predict_greater(X))

    def predict(self, X) -> np.ndarray:
        return np.argmax(self.predict_proba(X), axis=1)


@dataclass(frozen=True)
class LinearHead:
    """How to build the linear model of one head, and how to read its output."""

    build: Callable[[float, str | None, int, int], object]  # (C, class_weight, seed, n_outputs)
    output: Callable[[object, object], np.ndarray]
    weighted: bool = True  # whether class weights apply
    auto_weights: tuple[str | None, ...] = (None, "balanced")  # tried with class_weight="auto"


def _proba(model, X) -> np.ndarray:
    return model.predict_proba(X)


LINEAR_HEADS: dict[str, LinearHead] = {
    "sigmoid": LinearHead(lambda C, w, seed, n: _logistic(C, w, seed), _proba),
    "softmax": LinearHead(lambda C, w, seed, n: _logistic(C, w, seed), _proba),
    "multi_sigmoid": LinearHead(
        lambda C, w, seed, n: OneVsRestClassifier(_logistic(C, w, seed)),
        _proba,
        # Per-label thresholds tuned on validation already answer the imbalance of rare labels;
        # "auto" does not also try balanced weights (it would double 28-label grids).
        auto_weights=(None,),
    ),
    "cumulative": LinearHead(
        lambda C, w, seed, n: CumulativeLogit(n_levels=n, C=C, class_weight=w, random_state=seed),
        _proba,
    ),
    "linear": LinearHead(
        lambda C, w, seed, n: Ridge(alpha=1.0 / C, random_state=seed),
        lambda model, X: np.asarray(model.predict(X), dtype=float).ravel(),
        weighted=False,
    ),
}
