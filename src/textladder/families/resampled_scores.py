"""A task's primary metric of fixed decisions on many bootstrap resamples at once.

`resampled_scores(task, targets, decided, weights)` takes each resample as row weights (how often
each validation row was drawn) and returns the metric on every resample from weighted counts: a
confusion matrix for one label per row, true and false positives per label for multi-label, sums
of errors for regression. One matrix product replaces hundreds of calls to the task's `evaluate`
(whose scikit-learn checks cost more than the counting). The definitions are the tasks' own, which
the tests check on unweighted rows; metrics not written here (ranking metrics, spearman,
samples-F1) return None, and the caller scores resamples through the task instead.
"""

from __future__ import annotations

import numpy as np

from textladder.tasks.base import Task


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, 0 where bottom is 0 (scikit-learn's zero_division=0)."""
    return np.divide(top, bottom, out=np.zeros_like(top, dtype=float), where=bottom > 0)


def _confusions(targets: np.ndarray, decided: np.ndarray, k: int,
                weights: np.ndarray) -> np.ndarray:
    """Weighted confusion matrices, shape (rounds, k, k): truth in rows, decision in columns."""
    cells = np.asarray(targets, dtype=np.int64) * k + np.asarray(decided, dtype=np.int64)
    order = np.argsort(cells, kind="stable")
    present, starts = np.unique(cells[order], return_index=True)
    counts = np.zeros((len(weights), k * k))
    counts[:, present] = np.add.reduceat(weights[:, order], starts, axis=1)
    return counts.reshape(len(weights), k, k)


def _single_label(metric: str, task_name: str, m: np.ndarray) -> np.ndarray | None:
    k = m.shape[1]
    hits = np.einsum("rkk->rk", m)
    truth, chosen = m.sum(axis=2), m.sum(axis=1)
    total = truth.sum(axis=1)
    f1 = _ratio(2 * hits, truth + chosen)
    recall = _ratio(hits, truth)
    if metric == "accuracy":
        return hits.sum(axis=1) / total
    if metric == "macro_f1":
        return f1.mean(axis=1)
    if metric == "macro_recall":
        return recall.mean(axis=1)
    if metric == "weighted_f1":
        return _ratio((f1 * truth).sum(axis=1), total)
    if metric == "balanced_accuracy":  # the mean recall of the classes present in the truth
        return _ratio((recall * (truth > 0)).sum(axis=1), (truth > 0).sum(axis=1))
    if task_name == "binary" and metric in ("f1", "precision", "recall"):
        tp, fp, fn = m[:, 1, 1], m[:, 0, 1], m[:, 1, 0]
        return {"f1": _ratio(2 * tp, 2 * tp + fp + fn), "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn)}[metric]
    if task_name == "ordinal":
        distance = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :])
        if metric == "mae":
            return (m * distance).sum(axis=(1, 2)) / total
        if metric == "off_by_one_accuracy":
            return (m * (distance <= 1)).sum(axis=(1, 2)) / total
        if metric == "qwk":
            expected = truth[:, :, None] * chosen[:, None, :] / total[:, None, None]
            observed = (m * distance**2).sum(axis=(1, 2))
            chance = (expected * distance**2).sum(axis=(1, 2))
            return np.where(chance > 0, 1 - _ratio(observed, chance), 0.0)
    return None


def _multilabel(metric: str, targets: np.ndarray, decided: np.ndarray,
                weights: np.ndarray) -> np.ndarray | None:
    truth, chosen = np.asarray(targets, dtype=bool), np.asarray(decided, dtype=bool)
    tp = weights @ (truth & chosen)
    fp = weights @ (~truth & chosen)
    fn = weights @ (truth & ~chosen)
    rows = weights.sum(axis=1)
    if metric == "macro_f1":
        return _ratio(2 * tp, 2 * tp + fp + fn).mean(axis=1)
    if metric == "micro_f1":
        tp, fp, fn = tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)
        return _ratio(2 * tp, 2 * tp + fp + fn)
    if metric == "hamming_loss":
        return (fp + fn).sum(axis=1) / (rows * truth.shape[1])
    if metric == "subset_accuracy":
        return weights @ np.all(truth == chosen, axis=1) / rows
    return None


def _regression(metric: str, targets: np.ndarray, decided: np.ndarray,
                weights: np.ndarray) -> np.ndarray | None:
    t, p = np.asarray(targets, dtype=float), np.asarray(decided, dtype=float)
    rows = weights.sum(axis=1)
    error = p - t
    if metric == "mae":
        return weights @ np.abs(error) / rows
    if metric == "rmse":
        return np.sqrt(weights @ error**2 / rows)
    if metric == "r2":
        spread = weights @ t**2 - (weights @ t) ** 2 / rows
        return 1 - _ratio(weights @ error**2, spread)
    if metric == "pearson":
        mt, mp = weights @ t / rows, weights @ p / rows
        cov = weights @ (t * p) / rows - mt * mp
        vt = weights @ t**2 / rows - mt**2
        vp = weights @ p**2 / rows - mp**2
        return _ratio(cov, np.sqrt(np.clip(vt * vp, 0, None)))
    return None


def resampled_scores(task: Task, targets: np.ndarray, decided: np.ndarray,
                     weights: np.ndarray) -> np.ndarray | None:
    """The primary metric of `decided` (the task's decisions) on each resample: `weights`
    (rounds, rows) counts each row's draws. None where the metric is not computed here."""
    weights = np.asarray(weights, dtype=float)
    metric = task.primary_metric
    if task.name == "multilabel":
        return _multilabel(metric, targets, decided, weights)
    if task.name == "regression":
        return _regression(metric, targets, decided, weights)
    m = _confusions(targets, decided, task.n_outputs, weights)
    return _single_label(metric, task.name, m)
