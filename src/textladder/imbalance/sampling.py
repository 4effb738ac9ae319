"""Resampling the training rows: random over- and undersampling, label-aware oversampling, SMOTE.

The sampling ratio says how far to go: after oversampling every class has at least `ratio` times
the rows of the largest; after undersampling no class has more than the smallest's rows divided
by `ratio` (1: every class as large as the largest, or as small as the smallest). Single-label
rows are drawn by imbalanced-learn (`RandomOverSampler`, `RandomUnderSampler`, `SMOTE`), seeded.
imbalanced-learn has no multi-label form, so `multilabel_oversample` is ours: each row stands for
its rarest label, and rows are repeated, rarest label first, until each label's positives reach
the target (repeating a row also adds to its other labels, which later labels count).

The functions return row indices into the training rows (over- and undersampling: the caller
keeps its features and takes rows), or new feature rows (SMOTE, which makes rows that did not
exist). They see training rows only; validation and test rows never reach them.
"""

from __future__ import annotations

import math

import numpy as np

from textladder.errors import TextladderError

SMOTE_NEIGHBOURS = 5  # imbalanced-learn's default k


def target_counts(counts: np.ndarray, strategy: str, ratio: float) -> np.ndarray:
    """How many rows (or positives) each class should have after `strategy`."""
    counts = np.asarray(counts)
    if strategy == "undersample":
        cap = max(1, math.floor(counts[counts > 0].min() / ratio))
        return np.minimum(counts, cap)
    floor = math.ceil(ratio * counts.max())
    return np.where(counts > 0, np.maximum(counts, floor), 0)


def sample_rows(targets: np.ndarray, n_classes: int, strategy: str, ratio: float,
                seed: int) -> np.ndarray:
    """Row indices after random over- or undersampling of single-label targets (imblearn)."""
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    targets = np.asarray(targets)
    counts = np.bincount(targets, minlength=n_classes)
    wanted = target_counts(counts, strategy, ratio)
    changed = {int(c): int(wanted[c]) for c in range(n_classes) if wanted[c] != counts[c]}
    if not changed:
        return np.arange(len(targets))
    sampler = (RandomUnderSampler if strategy == "undersample" else RandomOverSampler)(
        sampling_strategy=changed, random_state=seed)
    sampler.fit_resample(np.arange(len(targets)).reshape(-1, 1), targets)
    return np.sort(sampler.sample_indices_)


def multilabel_oversample(targets: np.ndarray, ratio: float, seed: int) -> np.ndarray:
    """Row indices after label-aware oversampling of a 0/1 label matrix (see the module)."""
    targets = np.asarray(targets)
    counts = targets.sum(axis=0).astype(np.int64)
    wanted = target_counts(counts, "oversample", ratio)
    # Each row stands for its rarest label; rows without labels are never repeated.
    masked = np.where(targets > 0, counts[None, :], np.iinfo(np.int64).max)
    rarest = np.where(targets.any(axis=1), masked.argmin(axis=1), -1)
    rng = np.random.default_rng(seed)
    current, added = counts.copy(), []
    for label in np.argsort(counts, kind="stable"):
        group = np.flatnonzero(rarest == label)
        need = int(wanted[label] - current[label])
        if need <= 0 or not len(group):
            continue
        picks = rng.choice(group, size=need, replace=True)
        added.append(picks)
        current += targets[picks].sum(axis=0)
    return np.sort(np.concatenate([np.arange(len(targets)), *added]))


def smote(features, targets: np.ndarray, n_classes: int, ratio: float, seed: int,
          labels: list[str]):
    """Features and targets with SMOTE's synthetic rows added (dense or sparse features)."""
    from imblearn.over_sampling import SMOTE

    targets = np.asarray(targets)
    counts = np.bincount(targets, minlength=n_classes)
    wanted = target_counts(counts, "oversample", ratio)
    grown = [c for c in range(n_classes) if wanted[c] > counts[c]]
    if not grown:
        return features, targets
    smallest = min(grown, key=lambda c: counts[c])
    if counts[smallest] < 2:
        raise TextladderError(f"smote makes rows between two rows of a class, and class "
                              f"'{labels[smallest]}' has {counts[smallest]} training row; give "
                              f"it more rows, or use --imbalance oversample.")
    k = min(SMOTE_NEIGHBOURS, int(counts[smallest]) - 1)
    sampler = SMOTE(sampling_strategy={int(c): int(wanted[c]) for c in grown}, k_neighbors=k,
                    random_state=seed)
    X, y = sampler.fit_resample(features, targets)
    if isinstance(X, np.ndarray) and isinstance(features, np.ndarray):
        X = X.astype(features.dtype, copy=False)
    return X, np.asarray(y, dtype=targets.dtype)
