"""Linear models for each task head, for rungs that produce a feature matrix.

One entry per head named by the task (see `textladder.tasks.HEADS`): logistic regression for the
sigmoid and softmax heads, one logistic regression per label for multi-label, cumulative logistic
models for ordinal (one per event "level > k"), and ridge regression for the linear head. Ordinal
tasks decided by the most probable level (metrics of exact hits) also have the plain multinomial
logistic regression over the levels (`level_softmax`), which `linear_candidates` puts first for
them: such a metric ignores the order, so the reference is the model that ignores it too. Each entry
builds an estimator for a regularisation strength C and class weights (None, or the weights of
`textladder.imbalance`: one per class, or one positive weight per label), and reads the
task-shaped output back from it. The models are scikit-learn's; only the cumulative ordinal
wrapper and the per-label wrapper (labels with positive weights of their own) are ours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import issparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier

from textladder.tasks.ordinal import cumulative_to_class_probs, ordinal_targets


class ScaledRidge(Ridge):
    """Ridge regression fitted on standardised targets and answering in the targets' units, in
    float64. Scikit-learn fits in the features' dtype (float32 for tf-idf), where targets such
    as 100,000,000.3 keep none of their digits after the seventh; scaling the targets changes
    nothing else, since the ridge solution moves with any affine change of them. Its
    coefficients are in standard deviations of the targets."""

    def fit(self, X, y, sample_weight=None):
        y = np.asarray(y, dtype=np.float64)
        self.y_mean_ = float(np.mean(y))
        self.y_scale_ = float(np.std(y)) or 1.0
        return super().fit(X, (y - self.y_mean_) / self.y_scale_, sample_weight)

    def predict(self, X):
        scaled = np.asarray(super().predict(X), dtype=np.float64)
        return scaled * self.y_scale_ + self.y_mean_


def _logistic(C: float, class_weight: dict | str | None, seed: int) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, random_state=seed)


def _per_class(weights) -> dict[int, float] | None:
    """scikit-learn's class_weight from one weight per class (index -> weight)."""
    return None if weights is None else {i: float(w) for i, w in enumerate(weights)}


class _LevelModel(ClassifierMixin, BaseEstimator):
    """What the two linear models of ordinal levels share: their parameters and the decision
    (the most probable level)."""

    def __init__(self, n_levels: int = 2, C: float = 1.0, class_weight=None,
                 random_state: int = 0):
        self.n_levels = n_levels
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state

    def predict(self, X) -> np.ndarray:
        return np.argmax(self.predict_proba(X), axis=1)


class CumulativeLogit(_LevelModel):
    """Ordinal regression as K-1 logistic models of P(level > k), k = 0..K-2.

    `fit` takes level indices 0..K-1 (`n_levels` = K); `predict_proba` returns level probabilities
    made consistent by `cumulative_to_class_probs`. An event with a single outcome in training (a
    level nobody used) gets a constant probability instead of a model. `class_weight`, one weight
    per level, weighs each row's part in every event by its level's weight (models saved before
    held "balanced" or None here; it is read only when fitting).
    """

    def fit(self, X, y) -> "CumulativeLogit":
        events = ordinal_targets(np.asarray(y), self.n_levels)
        weights = (None if self.class_weight is None
                   else np.asarray(self.class_weight)[np.asarray(y)])
        self.estimators_ = []
        self.constants_ = np.full(self.n_levels - 1, np.nan)
        for k in range(self.n_levels - 1):
            if len(np.unique(events[:, k])) < 2:
                self.estimators_.append(None)
                self.constants_[k] = float(events[0, k])
                continue
            model = _logistic(self.C, None, self.random_state)
            self.estimators_.append(model.fit(X, events[:, k], sample_weight=weights))
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


class LevelLogit(_LevelModel):
    """Multinomial logistic regression over ordinal levels 0..K-1, answering K columns even when
    a level is missing from the training rows (its probability is 0). `class_weight`: one weight
    per level, or None."""

    def fit(self, X, y) -> "LevelLogit":
        y = np.asarray(y)
        weights = None if self.class_weight is None else np.asarray(self.class_weight)[y]
        self.classes_ = np.arange(self.n_levels)
        self.model_, self.only_ = None, int(y[0])
        if len(np.unique(y)) > 1:  # else one level in training: it is certain
            self.model_ = _logistic(self.C, None, self.random_state)
            self.model_.fit(X, y, sample_weight=weights)
        return self

    def predict_proba(self, X) -> np.ndarray:
        proba = np.zeros((X.shape[0], self.n_levels))
        if self.model_ is None:
            proba[:, self.only_] = 1.0
        else:
            proba[:, np.asarray(self.model_.classes_, dtype=int)] = self.model_.predict_proba(X)
        return proba


class PerLabelLogit(ClassifierMixin, BaseEstimator):
    """Multi-label logistic regression, one model per label, each label's positives weighed by
    its own weight (`pos_weights`); scikit-learn's OneVsRestClassifier gives every label the
    same estimator, so it cannot. A label with a single outcome in training gets a constant."""

    def __init__(self, pos_weights=None, C: float = 1.0, random_state: int = 0):
        self.pos_weights = pos_weights
        self.C = C
        self.random_state = random_state

    def fit(self, X, Y) -> "PerLabelLogit":
        Y = np.asarray(Y)
        weights = np.ones(Y.shape[1]) if self.pos_weights is None else self.pos_weights
        self.estimators_, self.constants_ = [], np.full(Y.shape[1], np.nan)
        for j in range(Y.shape[1]):
            if len(np.unique(Y[:, j])) < 2:
                self.estimators_.append(None)
                self.constants_[j] = float(Y[0, j])
                continue
            model = _logistic(self.C, {0: 1.0, 1: float(weights[j])}, self.random_state)
            self.estimators_.append(model.fit(X, Y[:, j]))
        self.classes_ = np.arange(Y.shape[1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        return np.column_stack([
            np.full(X.shape[0], self.constants_[j]) if model is None
            else model.predict_proba(X)[:, 1] for j, model in enumerate(self.estimators_)])


def _multi_label(C: float, weights, seed: int):
    if weights is None:  # as before weights existed: the models saved then still load
        return OneVsRestClassifier(_logistic(C, None, seed))
    return PerLabelLogit(pos_weights=[float(w) for w in weights], C=C, random_state=seed)


@dataclass(frozen=True)
class LinearHead:
    """How to build the linear model of one head, and how to read its output."""

    build: Callable[[float, np.ndarray | None, int, int], object]  # (C, weights, seed, n_outputs)
    output: Callable[[object, object], np.ndarray]


def _proba(model, X) -> np.ndarray:
    return model.predict_proba(X)


def _label_proba(model, X) -> np.ndarray:
    """Each label's probability from a per-label model (OneVsRestClassifier or PerLabelLogit):
    the labels' logistic regressions stacked into one matrix product, instead of one product
    per label (28 on GoEmotions, each waking the BLAS threads); equal to `predict_proba` up to
    rounding. Labels with a single outcome in training keep their constant."""
    estimators = list(model.estimators_)
    fitted = [j for j, m in enumerate(estimators) if isinstance(m, LogisticRegression)]
    if len(fitted) < len(estimators) and not isinstance(model, PerLabelLogit):
        return model.predict_proba(X)  # scikit-learn's constant predictors: its own way
    proba = np.empty((X.shape[0], len(estimators)))
    if fitted:
        W = np.column_stack([estimators[j].coef_.ravel() for j in fitted])
        b = np.array([estimators[j].intercept_[0] for j in fitted])
        X = X if issparse(X) else np.asarray(X, dtype=np.float64)
        proba[:, fitted] = expit(np.asarray(X @ W) + b)
    for j, m in enumerate(estimators):
        if m is None:
            proba[:, j] = model.constants_[j]
    return proba


LINEAR_HEADS: dict[str, LinearHead] = {
    "sigmoid": LinearHead(lambda C, w, seed, n: _logistic(C, _per_class(w), seed), _proba),
    "softmax": LinearHead(lambda C, w, seed, n: _logistic(C, _per_class(w), seed), _proba),
    "multi_sigmoid": LinearHead(lambda C, w, seed, n: _multi_label(C, w, seed), _label_proba),
    "cumulative": LinearHead(
        lambda C, w, seed, n: CumulativeLogit(n_levels=n, C=C, random_state=seed,
                                              class_weight=None if w is None else list(w)),
        _proba,
    ),
    "level_softmax": LinearHead(
        lambda C, w, seed, n: LevelLogit(n_levels=n, C=C, random_state=seed,
                                         class_weight=None if w is None else list(w)),
        _proba,
    ),
    "linear": LinearHead(  # a regression has no classes to weigh
        lambda C, w, seed, n: ScaledRidge(alpha=1.0 / C, random_state=seed),
        lambda model, X: np.asarray(model.predict(X), dtype=float).ravel(),
    ),
}


def linear_candidates(task) -> tuple[str, ...]:
    """The linear heads to try for `task`, its reference first: the task's own head, and for an
    ordinal task decided by the most probable level the multinomial one before it."""
    if task.head == "cumulative" and getattr(task, "decision", None) == "mode":
        return ("level_softmax", "cumulative")
    return (task.head,)
