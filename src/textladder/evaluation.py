"""What training records for the report, inside the model directory (folder `evaluation/`).

- `valid.safetensors`, `test.safetensors` (when scored): `targets` and `outputs`, the model's
  outputs in the task's shape (float32; calibrated where the model is);
- `texts.json`: `{"valid": [...], "valid_rows": [...]}`, a seeded sample of at most `MAX_TEXTS`
  validation texts and their row indices in `valid.safetensors`;
- `vectors.safetensors`: `vectors`, the model's own representation of those texts
  (`ModelFamily.represent`: the sentence encoder's), where it has one;
- `data.json`: the data the model learned from: rows per split, class or label counts per split
  (value histograms for regression), the training texts' lengths with a histogram, the label
  co-occurrence counts (multi-label) and the problems `inspect` finds.

`record` returns the files' bytes; `TextClassifier.save(..., artifacts=)` writes them with the
model, so they are saved atomically with it. Everything is data (safetensors, JSON): reading it
runs no code. Nothing here draws: `textladder.report` does, from these files and `config.json`,
and never predicts or trains again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from textladder.jsonsafe import finite

FOLDER = "evaluation"
MAX_TEXTS = 2000
LENGTH_BINS = 40


def sample_rows(n: int, seed: int, limit: int = MAX_TEXTS) -> np.ndarray:
    """At most `limit` of the row indices 0..n-1, seeded, in order."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def _arrays(targets: np.ndarray, outputs: np.ndarray) -> bytes:
    from safetensors.numpy import save

    targets = np.asarray(targets)
    targets = _compact(targets) if targets.dtype.kind == "f" else targets.astype(np.int64)
    return save({"targets": np.ascontiguousarray(targets),
                 "outputs": np.ascontiguousarray(_compact(np.asarray(outputs, dtype=float)))})


def _compact(values: np.ndarray) -> np.ndarray:
    """float32 where it keeps the values to a millionth of their spread (probabilities, most
    scores), else float64 (regression scores far from zero, such as 100,000,000.5)."""
    narrow = values.astype(np.float32)
    if not values.size:
        return narrow
    error = float(np.max(np.abs(narrow - values)))
    return narrow if error <= 1e-6 * max(float(np.ptp(values)), 1e-12) else values


def _json(value: Any) -> bytes:
    return json.dumps(finite(value), ensure_ascii=False, allow_nan=False).encode("utf-8")


def record(clf, valid: tuple[Sequence[str], Sequence],
           test: tuple[np.ndarray, np.ndarray] | None = None,
           data: dict[str, Any] | None = None, seed: int = 0,
           valid_output: np.ndarray | None = None) -> dict[str, bytes]:
    """The `evaluation/` files of the fitted classifier `clf`, for `save(artifacts=)`: `valid`
    is (texts, raw labels; for a model with feature columns, a table of the texts and those
    columns), predicted here unless `valid_output` gives the outputs (an ensemble's,
    cross-fitted); `test` (targets, outputs) as scored; `data` what `data_summary` returns (the
    same for every model fitted on the same data)."""
    given = valid[0]  # texts, or a table of them and the feature columns the model reads
    table = hasattr(given, "iloc")
    texts = list(given[clf.text_column_]) if table else list(given)
    targets = clf.encode_labels(valid[1], "the validation data")
    if valid_output is None:
        valid_output = clf.predict_output(given if table else texts)
    outputs = valid_output
    rows = sample_rows(len(texts), seed)
    sample = [texts[i] for i in rows]
    files = {f"{FOLDER}/valid.safetensors": _arrays(targets, outputs),
             f"{FOLDER}/texts.json": _json({"valid": sample, "valid_rows": rows.tolist()})}
    if test is not None:
        files[f"{FOLDER}/test.safetensors"] = _arrays(*test)
    vectors = clf.family_.represent(sample) if sample else None
    if vectors is not None:
        from safetensors.numpy import save

        files[f"{FOLDER}/vectors.safetensors"] = save(
            {"vectors": np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))})
    if data is not None:
        files[f"{FOLDER}/data.json"] = _json(data)
    return files


def length_histogram(texts: Sequence[str], bins: int = LENGTH_BINS) -> dict[str, Any]:
    """Words per text in at most `bins` bins up to the 99.5th percentile; longer texts are
    counted in the last bin."""
    words = np.array([len(t.split()) for t in texts]) if len(texts) else np.zeros(1, int)
    top = max(int(np.ceil(np.percentile(words, 99.5))), 1)
    width = max(1, int(np.ceil(top / bins)))
    edges = np.arange(0, top + width + 1, width)
    counts, _ = np.histogram(np.minimum(words, edges[-1] - 1), bins=edges)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "unit": "words",
            "longest": int(words.max())}


def _split_counts(task, targets: np.ndarray) -> Any:
    targets = np.asarray(targets)
    if task.name == "regression":
        counts, edges = np.histogram(targets.astype(float), bins=min(30, max(len(targets), 1)))
        return {"edges": edges.tolist(), "counts": counts.tolist()}
    if task.name == "multilabel":
        return dict(zip(map(str, task.labels), targets.sum(axis=0).astype(int).tolist()))
    counts = np.bincount(targets.astype(int), minlength=len(task.labels))
    return dict(zip(map(str, task.labels), counts.tolist()))


def data_summary(task, texts: Sequence[str], prepared: list, targets: dict[str, np.ndarray],
                 dropped: dict[str, int], others: dict[str, list[str]]) -> dict[str, Any]:
    """`data.json`: `texts` and `prepared` labels are the training rows; `targets` are each
    split's encoded targets ({"train": ..., "valid": ..., "test": ...}); `others` the valid
    and test texts, to look for in the training texts."""
    from textladder.workflows.inspect import describe

    described = describe(list(texts), prepared, task.name, dropped, others)
    summary = {
        "task": task.name,
        "labels": [str(label) for label in task.labels],
        "rows": {name: int(len(t)) for name, t in targets.items()},
        "counts": {name: _split_counts(task, t) for name, t in targets.items()},
        "balance": described["balance"],
        "lengths": {**described["lengths"], "histogram": length_histogram(texts)},
        "problems": described["problems"],
    }
    if task.name == "multilabel":
        train = np.asarray(targets["train"], dtype=np.int64)
        summary["cooccurrence"] = (train.T @ train).tolist()
    return summary
