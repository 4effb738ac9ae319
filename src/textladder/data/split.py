"""Hold out part of a labelled set with a fixed seed, keeping the label balance.

Single-label tasks are split with stratification on the class; multi-label tasks with iterative
stratification (Sechidis et al. 2011, via the `iterative-stratification` package), which keeps
every label's frequency close in both parts; regression stratifies on quantile bins of the score.
Given the texts, rows whose texts repeat or contain one another (`data.groups`) stay on one side:
the groups are split, stratified on the label of each group's longest text, and a held-out group
keeps only that text (a held-out sentence without its phrases, as a test set holds sentences).
`validation_fraction` is how much is held out for validation when the user gives no size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.preprocessing import MultiLabelBinarizer

from textladder.data.groups import text_groups
from textladder.data.labels import label_key
from textladder.errors import TextladderError


def _regression_bins(values: Sequence[float], n_holdout: int) -> np.ndarray | None:
    values = np.asarray(values, dtype=float)
    n_bins = max(2, min(10, n_holdout // 2))
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1]))
    bins = np.searchsorted(edges, values, side="right")
    return bins if min(Counter(bins.tolist()).values()) >= 2 else None


# validation held out when no size is given: 10 %, more on small data (`validation_fraction`)
VALID_FRACTION, SMALL_DATA_FRACTION, VALID_ROWS_WANTED = 0.1, 0.2, 500


def validation_fraction(n_rows: int, size: float | None = None) -> float:
    """`size`, or when None the share of `n_rows` to hold out for validation: 10 %, and on
    small data up to 20 % so as to come nearer 500 rows (AutoGluon's default holdout, by the
    same rule). Every choice on validation (a rung's settings and epochs, the climb's best) is
    noisier the fewer its rows: on 1,500 tweets a 150-row validation set let the fasttext
    rung's best-of-100-epochs lead tfidf and lose on test."""
    if size is not None:
        return size
    wanted = VALID_ROWS_WANTED / max(n_rows, 1)
    return min(SMALL_DATA_FRACTION, max(VALID_FRACTION, wanted))


def split_holdout(
    labels: Sequence, task: str, size: float, seed: int, purpose: str = "validation",
    texts: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (kept, held_out) row indices; `labels` are prepared for `task`.

    With `texts`, texts that repeat or contain one another stay on one side, and a held-out
    group is scored on its longest text: the texts inside it are in neither part (`data.groups`).
    """
    groups = text_groups(texts) if texts is not None else None
    if groups is None or groups.trivial:
        return _split(labels, task, size, seed, purpose, "example")
    ids, rows = groups.free_groups()
    _, held = _split([labels[i] for i in rows], task, size, seed, purpose,
                     "group of texts (texts that repeat or contain one another stay together)")
    kept_rows, held_rows = groups.split_rows(set(ids[held].tolist()))
    if not len(kept_rows) or not len(held_rows):
        raise TextladderError(
            f"the texts form too few groups (texts that repeat or contain one another stay "
            f"together) to hold out a {purpose} set; add rows or pass a "
            f"--{'valid' if purpose == 'validation' else 'test'} file.")
    return kept_rows, held_rows


def _split(labels: Sequence, task: str, size: float, seed: int, purpose: str,
           unit: str) -> tuple[np.ndarray, np.ndarray]:
    """`split_holdout` of independent rows (`unit` names them in messages)."""
    n = len(labels)
    n_holdout = int(np.ceil(size * n))
    option = f"--{'valid' if purpose == 'validation' else 'test'}"
    units = "rows" if unit == "example" else "groups of texts that repeat or contain one another"
    if n_holdout < 1 or n - n_holdout < 1:
        raise TextladderError(
            f"{n} {units} are too few to hold out a {purpose} set; add rows or pass a "
            f"{option} file."
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
                f"class '{rare[0]}' has only one {unit}, too few to split off a {purpose} set "
                f"with every class in both parts; add examples of it, remove it, or pass a "
                f"{option} file."
            )
        n_holdout = max(n_holdout, len(counts))
        if n - n_holdout < len(counts):
            raise TextladderError(
                f"{n} {units} are too few to split off a {purpose} set with each of "
                f"{len(counts)} classes on both sides; add rows or pass a {option} file."
            )
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_holdout, random_state=seed)
    kept, held = next(splitter.split(indices, keys))
    return np.sort(kept), np.sort(held)
