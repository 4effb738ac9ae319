"""How much each column beside the text matters to a fitted model: permutation importance.

`column_importance` scores the model on labelled rows (the validation rows, at training time),
then again with one feature column's values shuffled across the rows (the texts and the other
columns untouched), and reports the fall of the primary metric (oriented so that greater is
better: a positive fall means the model uses the column). It does the same with every feature
column shuffled together (`all columns`), which says what the columns add beside the text as a
whole. The decision rule is the model's own (thresholds as tuned). Each shuffle is repeated
`repeats` times with seeded permutations and averaged; at most `MAX_ROWS` rows are used (a seeded
sample). Columns that are text features (joined to the text) are shuffled like the others.

It predicts and nothing else: `train` records the result in the model's config.json
(`feature_importance`), which the report draws; it never refits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from textladder.tasks.base import LOWER_IS_BETTER

MAX_ROWS = 2000
ALL = "all columns"


def _score(clf, rows: pd.DataFrame, targets: np.ndarray) -> float:
    return float(clf.task_.score(targets, clf.predict_output(rows)))


def column_importance(clf, rows: pd.DataFrame, labels: list, seed: int = 0,
                      repeats: int = 2) -> dict[str, Any]:
    """The fall of the primary metric on `rows` (a table of the text and the feature columns
    the fitted classifier `clf` reads) when each feature column is shuffled, and all of them."""
    rows = rows.reset_index(drop=True)
    labels = list(labels)
    if len(rows) > MAX_ROWS:
        picked = np.sort(np.random.default_rng(seed).choice(len(rows), MAX_ROWS, replace=False))
        rows, labels = rows.iloc[picked].reset_index(drop=True), [labels[i] for i in picked]
    targets = clf.encode_labels(labels, "the rows scored")
    base = _score(clf, rows, targets)
    sign = -1.0 if clf.task_.primary_metric in LOWER_IS_BETTER else 1.0  # a fall is a loss
    names = clf.feature_names()
    rng = np.random.default_rng(seed)
    falls: dict[str, list[float]] = {name: [] for name in [*names, ALL]}
    for _ in range(repeats):
        order = rng.permutation(len(rows))
        for name in [*names, ALL]:
            shuffled = rows.copy()
            for column in (names if name == ALL else [name]):
                shuffled[column] = rows[column].to_numpy()[order]
            falls[name].append(sign * (base - _score(clf, shuffled, targets)))
    kinds = {c.name: c.kind for c in clf.side_encoder_.columns}
    columns = [{"name": name, "kind": kinds.get(name, "all"),
                "fall": float(np.mean(values)), "spread": float(np.std(values))}
               for name, values in falls.items()]
    return {"metric": clf.task_.primary_metric, "score": base, "rows": len(rows),
            "repeats": repeats, "columns": columns}
