"""Score a saved model on a labelled file (with the feature columns it reads beside the text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from textladder.classifier import TextClassifier
from textladder.data.dataset import load_labelled
from textladder.data.inputs import table_rows, take_rows
from textladder.data.spellings import known_spellings
from textladder.tasks.base import metric_details, scalar_metrics
from textladder.workflows.options import ReadOptions
from textladder.words import agree


def evaluate(model_dir: str, data: str, read: ReadOptions = ReadOptions(),
             load: Callable[[str], TextClassifier] = TextClassifier.load) -> dict[str, Any]:
    """Metrics of the model at `model_dir` on `data`; columns default to the training ones.
    `load` loads the model (the command line's --runtime picks it)."""
    clf = load(model_dir)
    columns = clf.config_.get("columns", {})
    origin = ("from --text" if read.text else "the text column the model was trained on",
              "from --label" if read.labels else "the label column the model was trained on")
    features = clf.feature_names()
    table = load_labelled(data, read.fmt, read.encoding, read.text or columns.get("text"),
                          read.labels or tuple(columns.get("labels", ())), read.strict,
                          keep_frame=bool(features), origin=origin)
    rows = table_rows(table.texts, table.frame, getattr(clf, "text_column_", None), features,
                      f"'{data}'")
    labels = table.labels
    unseen, names = clf.unseen_rows(labels)
    if unseen and not read.strict and len(unseen) < len(labels):  # else refused, naming them
        kept = sorted(set(range(len(labels))) - set(unseen))
        rows, labels = take_rows(rows, kept), [labels[i] for i in kept]
    else:
        unseen, names = [], []
    metrics = clf.evaluate(rows, labels, f"'{data}'")
    return {
        "warnings": _outside_range(clf, labels) + absent_labels(clf, metrics),
        "skipped_unseen": {"rows": len(unseen), "labels": names[:20],
                           "spellings": known_spellings(names[:20], clf.task_.labels)},
        "task": clf.task_.name,
        "model": clf.family_.name,
        "primary_metric": clf.task_.primary_metric,
        "metrics": scalar_metrics(metrics),
        "details": metric_details(metrics),
        "rows": len(labels),
        "dropped": table.dropped,
        "labels": [str(label) for label in clf.task_.labels],
    }


def _outside_range(clf: TextClassifier, labels: list) -> list[str]:
    """For a regression: a warning when labels lie outside the training range, which its
    predictions never leave (they are clipped to it)."""
    if clf.task_.name != "regression":
        return []
    values = np.asarray(clf.encode_labels(labels), dtype=float)
    low, high = clf.task_.low_, clf.task_.high_
    outside = int(((values < low) | (values > high)).sum())
    if not outside:
        return []
    return [f"{outside:,} of the {len(values):,} labels lie outside the training range "
            f"({low:.4g} to {high:.4g}; here {values.min():.4g} to {values.max():.4g}), which the "
            f"model's predictions never leave: the scores count that gap"]


def absent_labels(clf: TextClassifier, metrics: dict[str, Any],
                  where: str = "the file") -> list[str]:
    """A warning naming the classes (labels, for label sets) that no row of the file has, read
    from the metrics' own per-class supports: the macro metrics count each as 0, and a reader
    comparing them with balanced accuracy (which leaves them out) or another file's scores
    should know."""
    multilabel = clf.task_.name == "multilabel"
    supports = metrics.get("per_label" if multilabel else "per_class") or {}
    absent = [str(name) for name, each in supports.items() if each.get("support") == 0]
    if not absent:
        return []
    shown = ", ".join(absent[:10]) + (" ..." if len(absent) > 10 else "")
    n = len(absent)
    what = (agree(n, "the label", "the labels") if multilabel
            else agree(n, "the class", "the classes"))
    aside = (f" (balanced accuracy leaves {agree(n, 'it', 'them')} out)"
             if "balanced_accuracy" in clf.task_.metric_names else "")
    return [f"no row of {where} has {what} {shown}: the macro metrics count "
            f"{agree(n, 'it', 'them')} as 0{aside}"]
