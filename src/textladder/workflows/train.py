"""Train, evaluate on validation and test, and save: the main job.

Validation data comes from `--valid` or is split from the training file; test data from `--test`
or is split from the training file too, so that every run reports an honest held-out figure. All
settings are chosen on validation; test is scored once, at the end. Before anything is fitted, the
plan (columns, task, labels, head, loss, metric: `workflows.plan`) is settled and checked, and
handed to `on_ready`, so that the caller can say it before the long work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textladder.classifier import TextClassifier
from textladder.data.dataset import LabelledTable, load_labelled
from textladder.data.split import split_holdout
from textladder.progress import Progress
from textladder.tasks.base import metric_details, scalar_metrics
from textladder.tasks.positive import positive_report
from textladder.workflows.options import ReadOptions
from textladder.workflows.plan import check_settings, training_plan


@dataclass(frozen=True)
class TrainJob:
    """What to train on and how."""

    data: str
    valid: str | None = None
    test: str | None = None
    out: str | None = None
    model: str = "tfidf"
    task: str = "auto"
    metric: str | None = None
    order: str | None = None
    label_map: str | None = None
    model_params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    positive: str | None = None
    imbalance: str = "auto"
    class_weight: str | None = None
    sampling_ratio: float | None = None
    valid_size: float = 0.1
    test_size: float = 0.1


def _same_columns(table: LabelledTable, read: ReadOptions) -> ReadOptions:
    return ReadOptions(read.fmt, read.encoding, table.columns.text, table.columns.labels,
                       read.strict)


def _subset(table: LabelledTable, rows) -> tuple[list[str], list]:
    return [table.texts[i] for i in rows], [table.labels[i] for i in rows]


def train(job: TrainJob, read: ReadOptions = ReadOptions(),
          progress: Progress | None = None,
          on_ready: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the main job and return its report; `on_ready(plan)` is called before the fit."""
    started = time.perf_counter()
    check_settings(job.model, job.model_params, job.imbalance, job.class_weight,
                   job.sampling_ratio)
    train_table = load_labelled(job.data, read.fmt, read.encoding, read.text, read.labels,
                                read.strict)
    same = _same_columns(train_table, read)
    tables = {"train": train_table}
    origin = ("from --text" if read.text else "the training file's text column",
              "from --label" if read.labels else "the training file's label column")
    for name, path in (("valid", job.valid), ("test", job.test)):
        if path:
            tables[name] = load_labelled(path, same.fmt, same.encoding, same.text, same.labels,
                                         same.strict, origin=origin)
    clf = TextClassifier(model=job.model, task=job.task, metric=job.metric, order=job.order,
                         label_map=job.label_map, model_params=job.model_params,
                         valid_size=job.valid_size, seed=job.seed, positive=job.positive,
                         imbalance=job.imbalance, class_weight=job.class_weight,
                         sampling_ratio=job.sampling_ratio)
    sources = {"valid": job.valid or "split from the training file",
               "test": job.test or "split from the training file"}
    plan = training_plan(clf, train_table, {k: t for k, t in tables.items() if k != "train"},
                         sources)
    if on_ready is not None:
        on_ready(plan)
    texts, labels = train_table.texts, train_table.labels
    if job.test is None:
        # Split the test set off first, by the task the full training labels describe.
        detection, prepared = clf.resolve_labels(labels)
        kept, held = split_holdout(prepared, detection.task, job.test_size, job.seed, "test",
                                  texts=texts)
        test_texts, test_labels = _subset(train_table, held)
        texts, labels = _subset(train_table, kept)
    else:
        test_texts, test_labels = tables["test"].texts, tables["test"].labels
    valid = (tables["valid"].texts, tables["valid"].labels) if "valid" in tables else None
    clf.fit(texts, labels, valid=valid, progress=progress)
    fit_seconds = time.perf_counter() - started
    test_source = f"the test file '{job.test}'" if job.test else "the test split"
    test_metrics = clf.evaluate(test_texts, test_labels, test_source)
    sizes = {"train": clf.n_train_, "valid": clf.n_valid_, "test": len(test_texts)}
    report = {
        "task": clf.task_.name,
        "task_reason": clf.detection_.reason,
        "positive": positive_report(clf.task_),
        "choices": clf.task_.describe(),
        "model": job.model,
        "primary_metric": clf.task_.primary_metric,
        "metrics": {"valid": scalar_metrics(clf.valid_metrics_),
                    "test": scalar_metrics(test_metrics)},
        "details": {"valid": metric_details(clf.valid_metrics_),
                    "test": metric_details(test_metrics)},
        "chosen": clf.family_.to_config()["chosen"],
        "imbalance": clf.imbalance_.to_config(),
        "labels": [str(label) for label in clf.task_.labels],
        "data": {
            "columns": {"text": train_table.columns.text, "labels": list(train_table.columns.labels)},
            "column_reasons": list(train_table.columns.reasons),
            "rows": sizes,
            "dropped": {name: table.dropped for name, table in tables.items()},
            "valid_source": job.valid or "split from the training file",
            "test_source": job.test or "split from the training file",
        },
        "train_seconds": round(fit_seconds, 2),
        "plan": plan,
        "out": None,
    }
    if job.out:
        extra = {"columns": report["data"]["columns"],
                 "metrics": {"valid": report["metrics"]["valid"],
                             "test": report["metrics"]["test"]},
                 "data": report["data"]}
        report["out"] = str(Path(clf.save(job.out, extra)))
    return report
