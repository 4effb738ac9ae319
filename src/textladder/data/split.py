"""Hold out part of a labelled set with a fixed seed, keeping the label balance.

Single-label tasks are split with stratification on the class; multi-label tasks with iterative
stratification (Sechidis et al. 2011, via the `iterative-stratification` package), which keeps
every label's frequency close in both parts; regression stratifies on quantile bins of the score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.preprocessing import MultiLabelBinarizer

from textladder.data.labels import label_key
from textladder.errors import TextladderError


def _regression_bins(values: Sequence[float], n_holdout: int) -> np.ndarray | None:
    values = np.asarray(values, dtype=float)
    n_bins = max(2, min(10, n_holdout // 2))
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1]))
    bins = np.searchsorted(edges, values, side="right")
    return bins if min(Counter(bins.tolist()).values()) >= 2 else None


def split_holdout(
    labels: Sequence, task: str, size: float, seed: int, purpose: str = "validation"
) -> tuple[np.ndarray, np.ndarray]:
    """Return (kept, held_out) row indices; `labels` are prepared for `task`."""
    n = len(labels)
    n_holdout = int(np.ceil(size * n))
    if n_holdout < 1 or n - n_holdout < 1:
        raise TextladderError(
            f"{n} rows are too few to hold out a {purpose} set; add rows or pass a --"
            f"{'valid' if purpose == 'validation' else 'test'} file."
        )
    indices = np.arange(n)
    if task == "multilabel":
        from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

        matrix = MultiLabelBinarizer().fit_transform(labels)
        splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=n_holdout,
                                                    random_state=seed)
        kept, held = next(splitter.split(indices, matrix))
        return np.sort(kept), np.sort(held)
    if task == "regression":
        bins = _regression_bins(labels, n_holdout)
        if bins is None:
            kept, held = next(ShuffleSplit(1, test_size=n_holdout, random_state=seed).split(indices))
            return np.sort(kept), np.sort(held)
        keys = bins
    else:
        keys = np.array([label_key(v) for v in labels])
        counts = Counter(keys.tolist())
        rare = sorted(k for k, c in counts.items() if c < 2)
        if rare:
            raise TextladderError(
                f"class '{rare[0]}' has only one example, too few to split off a {purpose} set "
                f"with every class in both parts; add examples of it, remove it, or pass a "
                f"--{'valid' if purpose == 'validation' else 'test'} file."
            )
        n_holdout = max(n_holdout, len(counts))
        if n - n_holdout < len(counts):
            raise TextladderError(
                f"{n} rows are too few to split off a {purpose} set with each of {len(counts)} "
                f"classes on both sides; add rows or pass a "
                f"--{'valid' if purpose == 'validation' else 'test'} file."
            )
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_holdout, random_state=seed)
    kept, held = next(splitter.split(indices, keys))
    return np.sort(kept), np.sort(held)
