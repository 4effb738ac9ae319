"""Train: read the data, split it once, and climb (or fit the one rung asked for) into a run.

Validation data comes from `--valid` or is split from the training file; test data from `--test`
or is split from the training file too, so that every run reports an honest held-out figure.
Both splits are made once, here, so that every rung of a climb sees the same rows. All settings
are chosen on validation; test is scored once per rung, after its choices are made.

`train_rung` is the one place where a rung (or an ensemble) is fitted, evaluated on validation,
scored on test and saved; the climb (`workflows/climb.py`) and a single `--model` run both use
it. `train` returns a plain dictionary: the best model's report and the leaderboard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textladder.classifier import TextClassifier
from textladder.data.dataset import LabelledTable, load_labelled
from textladder.data.split import split_holdout
from textladder.progress import Progress
from textladder.tasks import make_task
from textladder.tasks.base import metric_details, scalar_metrics
from textladder.workflows.options import ReadOptions

DEFAULT_BUDGET_MINUTES = 15.0


@dataclass(frozen=True)
class TrainJob:
    """What to train on and how. `model` fits that one rung; otherwise the climb runs over
    `models` (default: every available rung) within `budget_minutes`."""

    data: str
    valid: str | None = None
    test: str | None = None
    out: str | None = None
    model: str | None = None
    models: tuple[str, ...] | None = None
    budget_minutes: float = DEFAULT_BUDGET_MINUTES
    task: str = "auto"
    metric: str | None = None
    order: str | None = None
    label_map: str | None = None
    model_params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    valid_size: float = 0.1
    test_size: float = 0.1


@dataclass
class Splits:
    """The rows every rung of a run trains, validates and is tested on, and where they came
    from (for the report and the saved config)."""

    train: tuple[list[str], list]
    valid: tuple[list[str], list]
    test: tuple[list[str], list]
    test_source: str = "the test split"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RungResult:
    """A fitted rung: its classifier, its outputs on validation and test, and their metrics."""

    name: str
    classifier: TextClassifier
    valid_output: np.ndarray
    test_output: np.ndarray
    valid_metrics: dict[str, Any]
    test_metrics: dict[str, Any]
    train_seconds: float
    predict_texts_per_s: float | None
    path: Path | None = None


def classifier_options(job: TrainJob) -> dict[str, Any]:
    """The TextClassifier arguments a job gives every rung (all but the model and settings)."""
    return {"task": job.task, "metric": job.metric, "order": job.order,
            "label_map": job.label_map, "valid_size": job.valid_size, "seed": job.seed}


def _same_columns(table: LabelledTable, read: ReadOptions) -> ReadOptions:
    return ReadOptions(read.fmt, read.encoding, table.columns.text, table.columns.labels,
                       read.strict)


def _subset(texts: list[str], labels: list, rows) -> tuple[list[str], list]:
    return [texts[i] for i in rows], [labels[i] for i in rows]


def read_splits(job: TrainJob, read: ReadOptions = ReadOptions()) -> Splits:
    """Read the files and split off test, then validation, as a single rung's fit would."""
    train_table = load_labelled(job.data, read.fmt, read.encoding, read.text, read.labels,
                                read.strict)
    same = _same_columns(train_table, read)
    tables = {"train": train_table}
    for name, path in (("valid", job.valid), ("test", job.test)):
        if path:
            tables[name] = load_labelled(path, same.fmt, same.encoding, same.text, same.labels,
                                         same.strict)
    clf = TextClassifier(**classifier_options(job))
    texts, labels = train_table.texts, train_table.labels
    detection, _ = clf.resolve_labels(labels)
    make_task(detection.task, job.metric)  # refuses an unknown --metric before any fitting
    if job.test is None:
        # Split the test set off first, by the task the full training labels describe.
        detection, prepared = clf.resolve_labels(labels)
        kept, held = split_holdout(prepared, detection.task, job.test_size, job.seed, "test")
        test = _subset(texts, labels, held)
        texts, labels = _subset(texts, labels, kept)
    else:
        test = (tables["test"].texts, tables["test"].labels)
    if job.valid is None:  # the split `TextClassifier.fit` makes when given no validation data
        detection, prepared = clf.resolve_labels(labels)
        kept, held = split_holdout(prepared, detection.task, job.valid_size, job.seed)
        valid = _subset(texts, labels, held)
        texts, labels = _subset(texts, labels, kept)
    else:
        valid = (tables["valid"].texts, tables["valid"].labels)
    data = {
        "columns": {"text": train_table.columns.text, "labels": list(train_table.columns.labels)},
        "column_reasons": list(train_table.columns.reasons),
        "rows": {"train": len(texts), "valid": len(valid[0]), "test": len(test[0])},
        "dropped": {name: table.dropped for name, table in tables.items()},
        "valid_source": job.valid or "split from the training file",
        "test_source": job.test or "split from the training file",
    }
    test_source = f"the test file '{job.test}'" if job.test else "the test split"
    return Splits((texts, labels), valid, test, test_source, data)


def train_rung(model: str, params: dict[str, Any], job: TrainJob, splits: Splits,
               path: str | Path | None = None,
               progress: Progress | None = None) -> RungResult:
    """Fit one rung (or ensemble) on the training rows, choosing everything on validation;
    then score it once on test, and save it to `path` (when given) with its metrics."""
    started = time.perf_counter()
    clf = TextClassifier(model=model, model_params=params, **classifier_options(job))
    clf.fit(*splits.train, valid=splits.valid, progress=progress)
    train_seconds = time.perf_counter() - started
    valid_output = clf.family_.validation_output()  # an ensemble's, cross-fitted
    if valid_output is None:
        valid_output = clf.predict_output(splits.valid[0])
    valid_targets = clf.encode_labels(splits.valid[1], "the validation data")
    test_texts, test_labels = splits.test
    start = time.perf_counter()
    test_output = clf.predict_output(test_texts)
    predict_seconds = time.perf_counter() - start
    test_targets = clf.encode_labels(test_labels, splits.test_source)
    result = RungResult(model, clf, valid_output, test_output,
                        clf.task_.evaluate(valid_targets, valid_output),
                        clf.task_.evaluate(test_targets, test_output), train_seconds,
                        len(test_texts) / predict_seconds if test_texts and predict_seconds > 0
                        else None)
    if path is not None:
        extra = {"metrics": {"valid": scalar_metrics(result.valid_metrics),
                             "test": scalar_metrics(result.test_metrics)},
                 "data": splits.data,
                 **({"columns": splits.data["columns"]} if "columns" in splits.data else {})}
        result.path = Path(clf.save(path, extra))
    return result


def rung_report(result: RungResult, splits: Splits) -> dict[str, Any]:
    """What `train` says about one fitted rung: task, choices, metrics, data."""
    clf = result.classifier
    return {
        "task": clf.task_.name,
        "task_reason": clf.detection_.reason,
        "choices": clf.task_.describe(),
        "model": clf.family_.name,
        "primary_metric": clf.task_.primary_metric,
        "metrics": {"valid": scalar_metrics(result.valid_metrics),
                    "test": scalar_metrics(result.test_metrics)},
        "details": {"valid": metric_details(result.valid_metrics),
                    "test": metric_details(result.test_metrics)},
        "chosen": clf.family_.to_config()["chosen"],
        "labels": [str(label) for label in clf.task_.labels],
        "data": splits.data,
        "runtimes": clf.runtime_checks_,
    }


def train(job: TrainJob, read: ReadOptions = ReadOptions(), progress: Progress | None = None,
          on_rung: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the main job into a run directory and return its report: the best model's, with the
    leaderboard. `on_rung(leaderboard)` is called as each rung ends."""
    from textladder.workflows.climb import climb

    return climb(job, read_splits(job, read), progress, on_rung)
