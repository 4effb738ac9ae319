"""The model behind the server: texts in, JSON-ready predictions out, and what it says of itself.

`Predictor` is loaded once per worker and called from one thread at a time (`batcher.py`). It
answers one record per text, in order: `label` (a list of labels for multi-label) and
`probabilities` for classifiers, `value` for regressions. `describe` is the answer of
`GET /model`, read from the model's config.json. Embeddings of served texts are not stored in
the on-disk cache (`encoders.cache.stop_caching`). Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textladder._version import __version__
from textladder.classifier import TextClassifier
from textladder.data.labels import is_missing
from textladder.encoders.cache import stop_caching
from textladder.jsonsafe import finite
from textladder.model_dir import read_config, resolve_model_dir


def _plain(value: Any) -> Any:
    """A label as JSON has it: numpy scalars as Python numbers, label tuples as lists."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def feature_columns(config: dict[str, Any]) -> list[str]:
    """The side columns a model reads beside the text, as its config.json lists them (none
    for text-only models)."""
    columns = config.get("columns") or {}
    return [str(c) for c in columns.get("features") or []]


def feature_kinds(config: dict[str, Any]) -> dict[str, str]:
    """Each feature column's kind (numeric, category, boolean, text), as config.json records it."""
    return {str(c["name"]): str(c["kind"])
            for c in (config.get("features") or {}).get("columns", [])}


def model_config(model: str | Path) -> dict[str, Any]:
    """The config.json of a model or run directory (a one-line error where there is none)."""
    return read_config(resolve_model_dir(model))


class Predictor:
    """A loaded model that predicts lists of texts and describes itself."""

    def __init__(self, model: str | Path):
        self.path = resolve_model_dir(model)
        self.clf = TextClassifier.load(self.path)
        stop_caching(self.clf)  # a server's texts are new: caching each would only grow the cache
        self.task = self.clf.task_.name
        self.labels = [_plain(label) for label in self.clf.labels_]
        self._keys = [str(label) for label in self.labels]

    @property
    def feature_columns(self) -> list[str]:
        return feature_columns(self.clf.config_)

    def __call__(self, items: Sequence[Any]) -> list[dict[str, Any]]:
        """Answers for texts, or for rows (dicts of a text and the model's feature columns). A
        blank text gets a null answer (`label` or `value`), in its place, as a blank row of a
        file gets no prediction: nothing was said to classify."""
        blank = {"value": None} if self.task == "regression" else {"label": None}
        answers: list[dict[str, Any]] = [dict(blank) for _ in items]
        present = [i for i, item in enumerate(items)
                   if not is_missing(item["text"] if isinstance(item, dict) else item)]
        if not present:
            return answers
        output = self.clf.predict_output(self._inputs([items[i] for i in present]))
        decided = self.clf.task_.decode(self.clf.task_.decide(output))
        if self.task == "regression":
            for i, value in zip(present, decided):
                answers[i] = {"value": float(value)}
            return answers
        for i, label, row in zip(present, decided, output.tolist()):
            answers[i] = {"label": _plain(label), "probabilities": dict(zip(self._keys, row))}
        return answers

    def _inputs(self, items: Sequence[Any]) -> Any:
        """Texts as they are; rows as a table of the model's text and feature columns."""
        if not self.feature_columns:
            return [item["text"] if isinstance(item, dict) else item for item in items]
        text_column = self.clf.text_column_ or "text"
        return pd.DataFrame({text_column: [row["text"] for row in items],
                             **{name: [row[name] for row in items]
                                for name in self.feature_columns}})

    def describe(self) -> dict[str, Any]:
        """Task, labels, positive class, thresholds, validation metrics, family and versions."""
        config = self.clf.config_
        task = config.get("task", {})
        family = config.get("family", {})
        return finite({
            "task": self.task,
            "labels": self.labels,
            "positive_class": self._positive_class(task),
            "thresholds": self._thresholds(task),
            "decision": config.get("detection", {}).get("reason"),
            "metric": self.clf.task_.primary_metric,
            "metrics": {"valid": config.get("metrics", {}).get("valid", {})},
            "family": {"name": family.get("name"), "version": family.get("version"),
                       "chosen": family.get("chosen", {})},
            "columns": {"text": (config.get("columns") or {}).get("text"),
                        "features": self.feature_columns,
                        "feature_kinds": feature_kinds(config)},
            "range": ([task.get("low"), task.get("high")] if self.task == "regression"
                      else None),
            "versions": {"textladder": __version__,
                         "saved_by_textladder": config.get("textladder_version"),
                         "format": config.get("format_version")},
        })

    def _positive_class(self, task: dict[str, Any]) -> Any:
        recorded = task.get("positive_class", task.get("positive"))
        if recorded is not None:
            return _plain(recorded)
        # binary models put the positive class's probability in column 1 (families/base.py)
        return self.labels[1] if self.task == "binary" else None

    def _thresholds(self, task: dict[str, Any]) -> dict[str, float] | None:
        if self.task == "binary" and "threshold" in task:
            return {str(self._positive_class(task)): float(task["threshold"])}
        if self.task == "multilabel" and "thresholds" in task:
            return {key: float(t) for key, t in zip(self._keys, task["thresholds"])}
        return None
