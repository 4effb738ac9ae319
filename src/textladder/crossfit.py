"""Cross-fitting over validation folds: honest outputs and scores for what is fitted on validation.

An ensemble fits member weights or a meta-model on validation outputs, and the task then tunes
its thresholds on them. Scored on the same rows, both look better than they are, and an ensemble
would always beat the single rungs by overfitting validation. Here validation rows are cut into
K folds (stratified by class, iteratively by label for multi-label, plain for regression); each
fold is combined, or decided, by what was fitted on the other folds only.

- `cross_fitted_outputs`: each fold's outputs from a combiner fitted on the other folds (the
  outputs an ensemble tunes its thresholds on);
- `cross_fitted_score`: the primary metric over every validation row, where each fold's decisions
  come from a combiner fitted, and thresholds tuned, on the other folds. For a single rung the
  combiner is the identity, so only its thresholds are cross-fitted; scores of rungs and
  ensembles are then comparable, and that is how the climb compares them;
- `gain_standard_error`: how much one such score's lead over another could be luck of the
  validation rows (bootstrap of the paired difference). The climb keeps an ensemble only when
  its lead over the best single rung is well beyond it.

A combiner is anything with `fit(outputs, targets, task, seed)` and `combine(outputs)`, where
`outputs` is a list of member outputs (arrays in the task's shape). Nothing here sees test data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from textladder.tasks.base import Task

FOLDS = 5
THRESHOLD_FREE = frozenset({"roc_auc", "pr_auc"})  # ranking metrics: scored on the outputs


def folds(task: Task, targets: np.ndarray, k: int = FOLDS, seed: int = 0) -> list[np.ndarray]:
    """The held-out rows of each of (at most) `k` folds, each sorted; fewer folds when a class
    has fewer than `k` rows, at least 2 (one for a single row)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    targets = np.asarray(targets)
    n = len(targets)
    if n < 2:
        return [np.arange(n)]
    rows = np.arange(n)
    k = max(2, min(k, n))
    if task.name == "multilabel":
        from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

        splitter = MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        return [np.sort(held) for _, held in splitter.split(rows, targets)]
    if task.name != "regression":
        counts = np.bincount(targets.astype(np.int64))
        smallest = int(counts[counts > 0].min())
        if smallest >= 2:
            splitter = StratifiedKFold(n_splits=min(k, smallest), shuffle=True, random_state=seed)
            return [np.sort(held) for _, held in splitter.split(rows, targets)]
    splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    return [np.sort(held) for _, held in splitter.split(rows)]


def _others(fold: np.ndarray, n: int) -> np.ndarray:
    keep = np.ones(n, dtype=bool)
    keep[fold] = False
    return np.flatnonzero(keep)


def _take(outputs: list[np.ndarray], rows: np.ndarray) -> list[np.ndarray]:
    return [output[rows] for output in outputs]


def cross_fitted_outputs(make_combiner: Callable[[], Any], outputs: list[np.ndarray],
                         targets: np.ndarray, task: Task, fold_rows: list[np.ndarray],
                         seed: int = 0) -> np.ndarray:
    """Every row's combined output from a combiner fitted on the folds it is not in."""
    n = len(targets)
    result = None
    for fold in fold_rows:
        others = _others(fold, n)
        if len(others) == 0:  # one fold: nothing else to fit on
            others = fold
        combiner = make_combiner().fit(_take(outputs, others), targets[others], task, seed)
        combined = combiner.combine(_take(outputs, fold))
        if result is None:
            result = np.zeros((n, *combined.shape[1:]), dtype=float)
        result[fold] = combined
    return result


def decisions_as_output(task: Task, decided: np.ndarray) -> np.ndarray:
    """Outputs that a task tuned on them decides back into `decided`: one-hot rows for one
    label per row, the 0/1 matrix for multi-label, the values for regression."""
    decided = np.asarray(decided)
    if task.n_outputs > 1 and decided.ndim == 1:
        return np.eye(task.n_outputs)[decided.astype(np.int64)]
    return decided.astype(float)


def score_decisions(task: Task, targets: np.ndarray, decided: np.ndarray,
                    judge: Task | None = None) -> float:
    """The task's primary metric of decisions made elsewhere (each fold by its own thresholds).
    `judge` is the task tuned to keep decisions as they are (`decisions_as_output` reads back
    the same under any thresholds it chose), made here when not given."""
    output = decisions_as_output(task, decided)
    judge = judge or task.tuned_copy(decided, output)
    return float(judge.evaluate(targets, output)[task.primary_metric])


def cross_fitted(make_combiner: Callable[[], Any], outputs: list[np.ndarray],
                 targets: np.ndarray, task: Task, fold_rows: list[np.ndarray],
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(decisions, outputs) of every validation row, each fold's from a combiner fitted, and
    thresholds tuned, on the other folds only."""
    targets = np.asarray(targets)
    n = len(targets)
    decided, combined_all = None, None
    for fold in fold_rows:
        others = _others(fold, n)
        if len(others) == 0:
            others = fold
        combiner = make_combiner().fit(_take(outputs, others), targets[others], task, seed)
        tuned = task.tuned_copy(targets[others], combiner.combine(_take(outputs, others)))
        combined = combiner.combine(_take(outputs, fold))
        fold_decided = tuned.decide(combined)
        if decided is None:
            decided = np.zeros((n, *fold_decided.shape[1:]), dtype=fold_decided.dtype)
            combined_all = np.zeros((n, *combined.shape[1:]), dtype=float)
        decided[fold], combined_all[fold] = fold_decided, combined
    return decided, combined_all


def score_of(task: Task, targets: np.ndarray, crossfitted: tuple[np.ndarray, np.ndarray],
             judge: Task | None = None) -> float:
    """The primary metric of cross-fitted (decisions, outputs): ranking metrics (roc_auc,
    pr_auc) need no decisions and are scored on the outputs."""
    decided, combined = crossfitted
    if task.primary_metric in THRESHOLD_FREE:
        return float(task.evaluate(targets, combined)[task.primary_metric])
    return score_decisions(task, targets, decided, judge)


def cross_fitted_score(make_combiner: Callable[[], Any], outputs: list[np.ndarray],
                       targets: np.ndarray, task: Task, fold_rows: list[np.ndarray],
                       seed: int = 0) -> float:
    """The primary metric on validation, each fold decided by a combiner fitted, and thresholds
    tuned, on the other folds only (`cross_fitted`)."""
    return score_of(task, np.asarray(targets),
                    cross_fitted(make_combiner, outputs, targets, task, fold_rows, seed))


def gain_standard_error(task: Task, targets: np.ndarray, a: tuple[np.ndarray, np.ndarray],
                        b: tuple[np.ndarray, np.ndarray], draws: int = 100,
                        seed: int = 0) -> float:
    """The standard error of `score_of(a) - score_of(b)` on these validation rows, from
    `draws` bootstrap samples of them (the same rows for both: a paired difference)."""
    targets = np.asarray(targets)
    rng = np.random.default_rng(seed)
    judges = [task.tuned_copy(d, decisions_as_output(task, d)) for d, _ in (a, b)]
    gains = []
    for _ in range(draws):
        rows = rng.integers(0, len(targets), len(targets))
        gains.append(score_of(task, targets[rows], (a[0][rows], a[1][rows]), judges[0])
                     - score_of(task, targets[rows], (b[0][rows], b[1][rows]), judges[1]))
    gains = np.asarray(gains, dtype=float)
    gains = gains[np.isfinite(gains)]
    return float(np.std(gains, ddof=1)) if len(gains) > 1 else float("inf")


class Identity:
    """The combiner of a single rung: its own outputs, nothing fitted."""

    def fit(self, outputs, targets, task, seed=0) -> "Identity":
        return self

    def combine(self, outputs: list[np.ndarray]) -> np.ndarray:
        return outputs[0]


def rung_cross_fitted(output: np.ndarray, targets: np.ndarray, task: Task,
                      fold_rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A single rung's cross-fitted (decisions, outputs): only its thresholds are fitted."""
    return cross_fitted(Identity, [output], targets, task, fold_rows)


def rung_score(output: np.ndarray, targets: np.ndarray, task: Task,
               fold_rows: list[np.ndarray]) -> float:
    """A single rung's cross-fitted validation score."""
    return score_of(task, np.asarray(targets), rung_cross_fitted(output, targets, task,
                                                                 fold_rows))
