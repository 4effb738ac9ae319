"""Counts of classes (or label positives) and the class weights made from them: the one place.

Every rung that weighs its loss takes its weights from here, so a class weighs the same in the
tf-idf rung's logistic regression as in a torch rung's loss:

- single-label (binary, multi-class, ordinal): one weight per class, `n / (C * n_c)` when balanced
  (scikit-learn's "balanced"); the user's weights by class name otherwise, 1 for classes not named;
- multi-label: one positive weight per label, `negatives / positives` when balanced (torch's
  `pos_weight`: each label's positives weigh as much as its negatives); the user's by label name
  otherwise, 1 for labels not named.

Nothing here resamples rows or chooses a strategy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textladder.errors import TextladderError


def label_counts(targets: np.ndarray, n_labels: int, multilabel: bool) -> np.ndarray:
    """Rows per class (single-label targets: indices), or positives per label (a 0/1 matrix)."""
    targets = np.asarray(targets)
    if multilabel:
        return targets.reshape(len(targets), n_labels).sum(axis=0).astype(np.int64)
    return np.bincount(targets.astype(np.int64), minlength=n_labels).astype(np.int64)


def imbalance_ratio(counts: np.ndarray) -> float:
    """The largest count over the smallest, of the classes that have rows: a class without any
    (an --order level no row has) has nothing to weigh or resample. It counted as one row,
    and a balanced table with one empty level read as 250:1 and took class weights."""
    counts = np.asarray(counts)
    counts = counts[counts > 0]
    return float(counts.max() / counts.min()) if len(counts) else 1.0


def balanced_weights(targets: np.ndarray, n_labels: int, multilabel: bool) -> np.ndarray:
    """Per-class weights (single-label) or per-label positive weights (multi-label)."""
    counts = label_counts(targets, n_labels, multilabel).astype(float)
    n = len(targets)
    if multilabel:
        return (n - counts) / np.maximum(counts, 1)
    return n / (n_labels * np.maximum(counts, 1))


def user_weights(given: dict[str, float], labels: Sequence) -> np.ndarray:
    """The user's weights in label order (1 for labels not named); unknown names are refused."""
    names = [str(label) for label in labels]
    unknown = [name for name in given if name not in names]
    if unknown:
        raise TextladderError(f"--class-weight names '{unknown[0]}', which is not a training "
                              f"label; the labels are: {', '.join(names[:30])}"
                              f"{' ...' if len(names) > 30 else ''}.")
    return np.array([float(given.get(name, 1.0)) for name in names])


def parse_class_weight(value) -> dict[str, float] | None:
    """`"grief=10,neutral=0.5"` or a dict {label: weight} -> {label: weight}; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        pairs = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            name, sep, number = part.rpartition("=")
            if not sep or not name.strip():
                raise TextladderError(f"--class-weight takes LABEL=WEIGHT pairs separated by "
                                      f"commas (e.g. 'grief=10,neutral=0.5'); got '{part}'.")
            pairs[name.strip()] = _number(number.strip(), name.strip())
        value = pairs
    if not isinstance(value, dict) or not value:
        raise TextladderError(f"class_weight is a dict {{label: weight}} or 'label=weight,...'; "
                              f"got {value!r}.")
    return {str(name): _number(weight, str(name)) for name, weight in value.items()}


def _number(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number) or number <= 0:
        raise TextladderError(f"the class weight of '{name}' must be a positive number; got "
                              f"{value!r}.")
    return number
