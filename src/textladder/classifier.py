"""`TextClassifier`: the Python face of textladder, in the scikit-learn style.

    clf = TextClassifier(model="tfidf").fit(texts, labels)
    clf.predict("what a lovely day")          # one label
    clf.predict_proba(["great", "awful"])     # (2, n_classes)
    clf.save("model/"); TextClassifier.load("model/")

`fit` detects the task from the labels (or takes `task=`), holds out a validation set when none is
given, fits the model family, tunes the task's decision thresholds on validation and keeps the
validation metrics. `__init__` only stores its arguments. Reading files and printing belong to the
workflows and the command line, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.data.labels import is_missing, parse_label_map, parse_order
from textladder.data.split import split_holdout
from textladder.errors import TextladderError
from textladder.families import get_family
from textladder.model_dir import read_config, resolve_model_dir, save_model_dir
from textladder.model_files import reading_model
from textladder.progress import Progress
from textladder.tasks import Detection, make_task, prepare_labels, resolve_task, task_from_config
from textladder.tasks.base import scalar_metrics


def _as_list(texts: str | Sequence[str]) -> tuple[list[str], bool]:
    if isinstance(texts, str):
        return [texts], True
    texts = list(texts)
    bad = next((t for t in texts if not isinstance(t, str)), None)
    if bad is not None:
        raise TextladderError(f"texts must be strings; got {type(bad).__name__} ({bad!r}).")
    return texts, False


class TextClassifier:
    """Detects the task, fits a model family, decides with tuned thresholds, saves safely."""

    def __init__(
        self,
        model: str = "tfidf",
        task: str = "auto",
        metric: str | None = None,
        order: str | Sequence[str] | None = None,
        label_map: str | dict[str, float] | None = None,
        model_params: dict[str, Any] | None = None,
        valid_size: float = 0.1,
        seed: int = 0,
    ):
        self.model = model
        self.task = task
        self.metric = metric
        self.order = order
        self.label_map = label_map
        self.model_params = model_params
        self.valid_size = valid_size
        self.seed = seed

    # ----- fitting ------------------------------------------------------------------------------
    def resolve_labels(self, labels: Sequence) -> tuple[Detection, list]:
        """The task these raw labels describe under this classifier's options, and the labels
        in that task's form. `fit` starts with this; callers use it to split data by task."""
        detection, prepared, _, _ = self._resolve(labels)
        return detection, prepared

    def _resolve(self, labels: Sequence) -> tuple[Detection, list, list | None, dict | None]:
        order, label_map = self._label_options()
        detection = resolve_task(list(labels), self.task, order, label_map)
        order = list(detection.order) if detection.order is not None else order  # named levels
        return detection, prepare_labels(list(labels), detection, label_map), order, label_map

    def _label_options(self) -> tuple[list[str] | None, dict[str, float] | None]:
        order = parse_order(self.order) if self.order is not None else None
        label_map = self.label_map
        if isinstance(label_map, str):
            label_map = parse_label_map(label_map)
        return order, label_map

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence,
        valid: tuple[Sequence[str], Sequence] | None = None,
        progress: Progress | None = None,
    ) -> "TextClassifier":
        """Fit on texts and raw labels; `valid` is (texts, labels), else split from the data."""
        texts, _ = _as_list(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise TextladderError(f"got {len(texts)} texts and {len(labels)} labels; give one "
                                  f"label per text.")
        missing = [i for i, label in enumerate(labels)
                   if not isinstance(label, (tuple, list)) and is_missing(label)]
        if missing:
            raise TextladderError(f"{len(missing)} labels are missing (first at position "
                                  f"{missing[0]}); drop those rows or give them labels.")
        self.detection_, prepared, order, self.label_map_ = self._resolve(labels)
        task = make_task(self.detection_.task, self.metric, order).fit(prepared)
        _check_label_space(task, prepared)
        targets = task.encode(prepared, "the training data")
        if valid is None:
            kept, held = split_holdout(prepared, task.name, self.valid_size, self.seed,
                                      texts=texts)
            valid_texts, valid_targets = [texts[i] for i in held], targets[held]
            texts, targets = [texts[i] for i in kept], targets[kept]
        else:
            valid_texts, _ = _as_list(valid[0])
            valid_targets = task.encode(self._prepare(list(valid[1])), "the validation data")
        family = get_family(self.model)(**(self.model_params or {}))
        family.fit(texts, targets, task, (valid_texts, valid_targets), seed=self.seed,
                   progress=progress)
        valid_output = family.predict_output(valid_texts)
        task.tune(valid_targets, valid_output)
        self.task_, self.family_ = task, family
        self.n_train_, self.n_valid_ = len(texts), len(valid_texts)
        self.valid_metrics_ = task.evaluate(valid_targets, valid_output)
        return self

    def _prepare(self, labels: list) -> list:
        return prepare_labels(labels, self.detection_, self.label_map_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "family_"):
            raise TextladderError("this TextClassifier is not fitted; call fit() or load() first.")

    # ----- predicting ---------------------------------------------------------------------------
    @property
    def labels_(self) -> list:
        """The classes (or labels) that probability columns stand for."""
        self._check_fitted()
        return self.task_.labels

    def predict_output(self, texts: str | Sequence[str]) -> np.ndarray:
        """Raw model outputs in the task's shape (probabilities, or values for regression)."""
        self._check_fitted()
        batch, _ = _as_list(texts)
        if not batch:  # families need not handle it: some (scikit-learn) refuse no rows
            return self.task_.empty_output()
        return self.task_.check_output(self.family_.predict_output(batch))

    def predict_proba(self, texts: str | Sequence[str]) -> np.ndarray:
        """Class (or label) probabilities, one column per entry of `labels_`."""
        self._check_fitted()
        if self.task_.name == "regression":
            raise TextladderError("a regression predicts values, not probabilities; use predict().")
        batch, single = _as_list(texts)
        output = self.predict_output(batch)
        return output[0] if single else output

    def predict(self, texts: str | Sequence[str]):
        """Labels (label tuples for multilabel, floats for regression); one text gives one."""
        self._check_fitted()
        batch, single = _as_list(texts)
        decided = self.task_.decide(self.predict_output(batch))
        labels = self.task_.decode(decided)
        return labels[0] if single else labels

    def evaluate(self, texts: Sequence[str], labels: Sequence, source: str = "the data") -> dict:
        """All metrics of the task on labelled texts."""
        self._check_fitted()
        targets = self.task_.encode(self._prepare(list(labels)), source)
        return self.task_.evaluate(targets, self.predict_output(list(texts)))

    def encode_labels(self, labels: Sequence, source: str = "the data") -> np.ndarray:
        """Targets for raw labels, parsed the way training parsed them."""
        self._check_fitted()
        return self.task_.encode(self._prepare(list(labels)), source)

    # ----- persistence --------------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        self._check_fitted()
        return {
            "task": self.task_.to_config(),
            "detection": {"task": self.detection_.task, "reason": self.detection_.reason,
                          "delimiter": self.detection_.delimiter},
            "label_map": self.label_map_,
            "family": self.family_.to_config(),
            "metrics": {"valid": scalar_metrics(self.valid_metrics_)},
            "seed": self.seed,
        }

    def save(self, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
        """Save atomically to the directory `path`: the family's weights and `config.json`;
        `extra` adds config entries (e.g. columns)."""
        config = {**self.to_config(), **(extra or {})}
        return save_model_dir(path, config, self.family_.save)

    @classmethod
    def load(cls, path: str | Path) -> "TextClassifier":
        """Load a saved model directory (or a run directory's best model). Nothing in it is
        executed."""
        path = resolve_model_dir(path)
        config = read_config(path)
        family_config = config["family"]
        family_cls = get_family(family_config["name"])
        if family_config.get("version", 1) > family_cls.version:
            raise TextladderError(
                f"model '{path}' uses {family_cls.name} version {family_config['version']}, newer "
                f"than this textladder's {family_cls.version}; upgrade textladder."
            )
        task = task_from_config(config["task"])
        detection = config["detection"]
        clf = cls(model=family_config["name"], task=task.name, metric=task.metric,
                  model_params=family_config.get("settings"), seed=config.get("seed", 0))
        clf.detection_ = Detection(detection["task"], detection["reason"],
                                   detection.get("delimiter"))
        clf.label_map_ = config.get("label_map")
        clf.task_ = task
        with reading_model(path):  # a damaged weights file: one line naming it
            clf.family_ = family_cls.load(Path(path), family_config, task)
        clf.valid_metrics_ = config.get("metrics", {}).get("valid", {})
        clf.config_ = config
        return clf


def _check_label_space(task, prepared: list) -> None:
    if task.name == "regression":
        if task.high_ == task.low_:
            raise TextladderError(f"every label is {task.low_:g}; a regression needs varied scores.")
        return
    if len(task.labels) < 2:
        only = task.labels[0] if task.labels else "none"
        raise TextladderError(
            f"the training labels hold a single class ('{only}'); a classifier needs at least "
            f"two: add examples of other classes."
        )
