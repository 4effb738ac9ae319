"""How an ensemble turns its members' outputs into one output in the task's shape.

Each combiner is fitted on the members' validation outputs (`fit(outputs, targets, task, seed)`),
combines any outputs (`combine(outputs)`), and saves its state as JSON (`state()` /
`from_state`), so an ensemble directory holds no pickle and no code.

- `SoftVote`: a weighted mean of the members' outputs (class, label or level probabilities,
  values for regression), with non-negative weights summing to one that minimise the task's loss
  on validation (cross-entropy; per-label binary cross-entropy; squared error).
- `HardVote`: each member decides with its own thresholds, tuned again on the fitting rows; the
  output is the share of members voting for each class, label or level (a tiny share of the mean
  probability breaks ties), so the task's threshold on it is a "k of M members" rule; the
  median level for ordinal tasks follows from the shares; regression takes the median value.
- `Stack`: a small linear meta-model on the members' log-odds (per label for multi-label,
  per event "level > k" for ordinal, log-probabilities for multi-class, values for regression).
  Its class weighting (none or balanced) is chosen on folds of the rows it is given.

The heads (see `tasks/__init__.py`) decide the shapes; the task's own decision rule and
thresholds act on the combined output, as on any rung's.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from textladder.tasks import task_from_config
from textladder.tasks.base import Task
from textladder.tasks.ordinal import cumulative_to_class_probs, ordinal_targets
from textladder.threads import one_blas_thread

EPS = 1e-6
TIE = 1e-3  # the share of the mean probability mixed into hard votes, to break ties


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def output_loss(head: str, output: np.ndarray, targets: np.ndarray) -> float:
    """The loss of outputs against targets for a head: what the soft vote's weights minimise."""
    if head == "linear":
        return float(np.mean((output - targets) ** 2))
    if head == "multi_sigmoid":
        p = np.clip(output, EPS, 1 - EPS)
        return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log1p(-p)))
    rows = np.arange(len(targets))
    return float(-np.mean(np.log(np.clip(output[rows, targets.astype(np.int64)], EPS, 1))))


class Combiner:
    kind: ClassVar[str]

    def fit(self, outputs: list[np.ndarray], targets: np.ndarray, task: Task,
            seed: int = 0) -> "Combiner":
        raise NotImplementedError

    def combine(self, outputs: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "Combiner":
        raise NotImplementedError


class SoftVote(Combiner):
    kind = "soft_vote"

    def fit(self, outputs, targets, task, seed=0) -> "SoftVote":
        from scipy.optimize import minimize

        self.head_ = task.head
        m = len(outputs)
        stacked = np.stack(outputs)

        def loss(weights):
            return output_loss(self.head_, np.tensordot(weights, stacked, axes=1), targets)

        start = np.full(m, 1.0 / m)
        if m == 1:
            self.weights_ = start
            return self
        with one_blas_thread():  # a few weights: the BLAS pool costs more than it computes
            found = minimize(loss, start, method="SLSQP", bounds=[(0.0, 1.0)] * m,
                             constraints=[{"type": "eq", "fun": lambda w: np.sum(w) - 1.0}])
        weights = np.clip(found.x, 0.0, None) if np.all(np.isfinite(found.x)) else start
        weights = weights / weights.sum() if weights.sum() > 0 else start
        self.weights_ = weights if loss(weights) <= loss(start) else start
        return self

    def combine(self, outputs):
        return np.tensordot(self.weights_, np.stack(outputs), axes=1)

    def state(self):
        return {"head": self.head_, "weights": [float(w) for w in self.weights_]}

    @classmethod
    def from_state(cls, state):
        combiner = cls()
        combiner.head_, combiner.weights_ = state["head"], np.asarray(state["weights"])
        return combiner


class HardVote(Combiner):
    kind = "hard_vote"

    def fit(self, outputs, targets, task, seed=0) -> "HardVote":
        self.head_ = task.head
        self.member_tasks_ = [task.tuned_copy(targets, output) for output in outputs]
        return self

    def combine(self, outputs):
        if self.head_ == "linear":
            return np.median(np.stack(outputs), axis=0)
        from textladder.crossfit import decisions_as_output

        votes = np.mean([decisions_as_output(t, t.decide(o))
                         for t, o in zip(self.member_tasks_, outputs)], axis=0)
        return (1 - TIE) * votes + TIE * np.mean(outputs, axis=0)

    def state(self):
        return {"head": self.head_, "member_tasks": [t.to_config() for t in self.member_tasks_]}

    @classmethod
    def from_state(cls, state):
        combiner = cls()
        combiner.head_ = state["head"]
        combiner.member_tasks_ = [task_from_config(c) for c in state["member_tasks"]]
        return combiner


class Stack(Combiner):
    """A linear meta-model: binary logistic models per event (the positive class, each label,
    each "level > k"), a multinomial one for multi-class, ridge for regression."""

    kind = "stack"
    C = 1.0
    WEIGHTINGS = (None, "balanced")

    def fit(self, outputs, targets, task, seed=0) -> "Stack":
        self.head_, self.n_outputs_ = task.head, task.n_outputs
        targets = np.asarray(targets)
        weightings = self.WEIGHTINGS if self.head_ in ("sigmoid", "softmax", "cumulative") \
            else (None,)
        self.class_weight_ = weightings[0]
        with one_blas_thread():  # small fits, many of them (`threads.py`)
            if len(weightings) > 1:
                self.class_weight_ = self._choose_weighting(outputs, targets, task, weightings,
                                                            seed)
            self._fit_meta(outputs, targets, seed)
        return self

    def _choose_weighting(self, outputs, targets, task, weightings, seed):
        """The class weighting whose cross-fitted outputs score best on these rows."""
        from textladder.crossfit import cross_fitted_outputs, folds

        fold_rows = folds(task, targets, seed=seed)
        if len(fold_rows) < 2:
            return weightings[0]
        scores = []
        for weighting in weightings:
            def make(weighting=weighting):
                meta = Stack()
                meta.class_weight_ = weighting
                return _Fixed(meta)
            combined = cross_fitted_outputs(make, outputs, targets, task, fold_rows, seed)
            scores.append(task.selection_score(targets, combined))
        return weightings[int(np.nanargmax(scores))] if np.any(np.isfinite(scores)) \
            else weightings[0]

    # ----- features and the meta-model per head -----------------------------------------------
    def _features(self, outputs: list[np.ndarray]) -> np.ndarray:
        """(n, F) shared features, or (L, n, M) per label for multi-label."""
        if self.head_ == "linear":
            return np.column_stack(outputs)
        if self.head_ == "sigmoid":
            return np.column_stack([_logit(o[:, 1]) for o in outputs])
        if self.head_ == "softmax":
            return np.hstack([np.log(np.clip(o, EPS, 1)) for o in outputs])
        if self.head_ == "cumulative":
            return np.hstack([_logit(1 - np.cumsum(o, axis=1)[:, :-1]) for o in outputs])
        return np.stack([_logit(o) for o in outputs], axis=2).transpose(1, 0, 2)  # (L, n, M)

    def _fit_meta(self, outputs, targets, seed) -> None:
        from sklearn.linear_model import LogisticRegression, Ridge

        X = self._features(outputs)
        if self.head_ == "linear":
            model = Ridge(alpha=1.0 / self.C).fit(X, targets)
            self.coef_, self.intercept_ = model.coef_[None, :], np.atleast_1d(model.intercept_)
            return
        if self.head_ == "softmax":
            model = LogisticRegression(C=self.C, class_weight=self.class_weight_, max_iter=1000,
                                       random_state=seed).fit(X, targets)
            coef = np.zeros((self.n_outputs_, X.shape[1]))
            intercept = np.full(self.n_outputs_, -30.0)  # a class absent from these rows
            if len(model.classes_) == 2:  # sklearn keeps one row for two classes
                coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], \
                    model.intercept_[0]
                intercept[model.classes_[0]] = 0.0
            else:
                coef[model.classes_], intercept[model.classes_] = model.coef_, model.intercept_
            self.coef_, self.intercept_ = coef, intercept
            return
        if self.head_ == "multi_sigmoid":
            events, features = targets, list(X)
        elif self.head_ == "cumulative":
            events, features = ordinal_targets(targets, self.n_outputs_), None
        else:  # sigmoid
            events, features = targets[:, None], None
        coef, intercept = [], []
        for j in range(events.shape[1]):
            Xj = X if features is None else features[j]
            column = events[:, j]
            if len(np.unique(column)) < 2:  # one outcome on these rows: a constant
                coef.append(np.zeros(Xj.shape[1]))
                intercept.append(float(_logit(np.asarray(column.mean()))))
                continue
            model = LogisticRegression(C=self.C, class_weight=self.class_weight_, max_iter=1000,
                                       random_state=seed).fit(Xj, column)
            coef.append(model.coef_[0])
            intercept.append(float(model.intercept_[0]))
        self.coef_, self.intercept_ = np.asarray(coef), np.asarray(intercept)

    def combine(self, outputs):
        X = self._features(outputs)
        if self.head_ == "linear":
            return X @ self.coef_[0] + self.intercept_[0]
        if self.head_ == "multi_sigmoid":
            return _sigmoid(np.einsum("lnm,lm->nl", X, self.coef_) + self.intercept_[None, :])
        z = X @ self.coef_.T + self.intercept_[None, :]
        if self.head_ == "softmax":
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        if self.head_ == "cumulative":
            return cumulative_to_class_probs(_sigmoid(z))
        p = _sigmoid(z[:, 0])
        return np.column_stack([1 - p, p])

    def state(self):
        return {"head": self.head_, "n_outputs": self.n_outputs_,
                "class_weight": self.class_weight_ or "none", "C": self.C,
                "coef": self.coef_.tolist(), "intercept": self.intercept_.tolist()}

    @classmethod
    def from_state(cls, state):
        combiner = cls()
        combiner.head_, combiner.n_outputs_ = state["head"], state["n_outputs"]
        combiner.class_weight_ = None if state["class_weight"] == "none" else state["class_weight"]
        combiner.coef_ = np.asarray(state["coef"], dtype=float)
        combiner.intercept_ = np.asarray(state["intercept"], dtype=float)
        return combiner


class _Fixed:
    """A Stack whose class weighting is already set: fitting only fits the meta-model."""

    def __init__(self, meta: Stack):
        self.meta = meta

    def fit(self, outputs, targets, task, seed=0) -> "_Fixed":
        self.meta.head_, self.meta.n_outputs_ = task.head, task.n_outputs
        self.meta._fit_meta(outputs, np.asarray(targets), seed)
        return self

    def combine(self, outputs):
        return self.meta.combine(outputs)


COMBINERS: dict[str, type[Combiner]] = {c.kind: c for c in (SoftVote, HardVote, Stack)}
