"""Train, evaluate on validation and test, and save: the main job.

Validation data comes from `--valid` or is split from the training file; test data from `--test`
or is split from the training file too, so that every run reports an honest held-out figure. All
settings are chosen on validation; test is scored once, at the end. Before anything is fitted, the
plan (columns, task, labels, head, loss, metric: `workflows.plan`) is settled and checked, and
handed to `on_ready`, so that the caller can say it before the long work. The saved model keeps
what the report draws (`evaluation.record`), and the report is drawn beside it
(`textladder.report`). With `features`, the columns beside the text are read from every file
(each kind settled once, on the training file), the model is fitted and scored on tables of the
text and those columns, and each column's permutation importance on the validation rows is
recorded (`importance.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textladder.classifier import TextClassifier, check_side_support
from textladder.data.dataset import LabelledTable, load_labelled
from textladder.data.features import FeatureColumn, require_columns, resolve_features
from textladder.data.inputs import table_rows
from textladder.data.split import split_holdout
from textladder.evaluation import data_summary, record
from textladder.importance import column_importance
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
    valid_size: float = 0.1
    test_size: float = 0.1
    calibrate: bool = False
    report: bool = True  # write report.html beside the model (needs the report extra)
    features: str | None = None  # columns beside the text: "age,country:category"


def _same_columns(table: LabelledTable, read: ReadOptions) -> ReadOptions:
    return ReadOptions(read.fmt, read.encoding, table.columns.text, table.columns.labels,
                       read.strict)


def _rows(texts: list[str], labels: list, rows) -> tuple[list[str], list]:
    return [texts[i] for i in rows], [labels[i] for i in rows]


def _inputs(table: LabelledTable, features: list[FeatureColumn], source: str):
    """What the classifier is fitted or scored on: the texts, or a table of them and the
    feature columns."""
    return table_rows(table.texts, table.frame, table.columns.text, [c.name for c in features],
                      source)


def _take(inputs, rows):
    """The inputs (texts, or a table) of these rows."""
    if hasattr(inputs, "iloc"):
        return inputs.iloc[list(rows)].reset_index(drop=True)
    return [inputs[i] for i in rows]


def train(job: TrainJob, read: ReadOptions = ReadOptions(),
          progress: Progress | None = None,
          on_ready: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the main job and return its report; `on_ready(plan)` is called before the fit."""
    started = time.perf_counter()
    check_settings(job.model, job.model_params)
    keep = bool(job.features)
    train_table = load_labelled(job.data, read.fmt, read.encoding, read.text, read.labels,
                                read.strict, keep_frame=keep)
    features = (resolve_features(train_table.frame, job.features, train_table.columns.text,
                                 train_table.columns.labels, f"'{job.data}'")
                if job.features else [])
    check_side_support(job.model, features)
    same = _same_columns(train_table, read)
    tables = {"train": train_table}
    origin = ("from --text" if read.text else "the training file's text column",
              "from --label" if read.labels else "the training file's label column")
    for name, path in (("valid", job.valid), ("test", job.test)):
        if path:
            tables[name] = load_labelled(path, same.fmt, same.encoding, same.text, same.labels,
                                         same.strict, keep_frame=keep, origin=origin)
            if features:
                require_columns(tables[name].frame, [c.name for c in features], f"'{path}'")
    clf = TextClassifier(model=job.model, task=job.task, metric=job.metric, order=job.order,
                         label_map=job.label_map, model_params=job.model_params,
                         valid_size=job.valid_size, seed=job.seed, positive=job.positive,
                         calibrate=job.calibrate, features=features or None,
                         text_column=train_table.columns.text if features else None)
    sources = {"valid": job.valid or "split from the training file",
               "test": job.test or "split from the training file"}
    plan = training_plan(clf, train_table, {k: t for k, t in tables.items() if k != "train"},
                         sources)
    if on_ready is not None:
        on_ready(plan)
    texts, labels = train_table.texts, train_table.labels
    inputs = _inputs(train_table, features, f"'{job.data}'")
    if job.test is None:
        # Split the test set off first, by the task the full training labels describe.
        detection, prepared = clf.resolve_labels(labels)
        kept, held = split_holdout(prepared, detection.task, job.test_size, job.seed, "test",
                                  texts=texts)
        test_texts, test_labels = _rows(texts, labels, held)
        test_inputs = _take(inputs, held)
        texts, labels = _rows(texts, labels, kept)
        inputs = _take(inputs, kept)
    else:
        test_texts, test_labels = tables["test"].texts, tables["test"].labels
        test_inputs = _inputs(tables["test"], features, f"'{job.test}'")
    if "valid" in tables:
        valid_texts, valid_labels = tables["valid"].texts, tables["valid"].labels
        valid_inputs = _inputs(tables["valid"], features, f"'{job.valid}'")
    else:  # split here, as `fit` would, so that the rows validated on are known to the report
        detection, prepared = clf.resolve_labels(labels)
        kept, held = split_holdout(prepared, detection.task, job.valid_size, job.seed,
                                   texts=texts)
        valid_texts, valid_labels = _rows(texts, labels, held)
        valid_inputs = _take(inputs, held)
        texts, labels = _rows(texts, labels, kept)
        inputs = _take(inputs, kept)
    clf.fit(inputs, labels, valid=(valid_inputs, valid_labels), progress=progress)
    fit_seconds = time.perf_counter() - started
    test_source = f"the test file '{job.test}'" if job.test else "the test split"
    test_targets = clf.encode_labels(test_labels, test_source)
    test_output = clf.predict_output(test_inputs)
    test_metrics = clf.task_.evaluate(test_targets, test_output)
    sizes = {"train": clf.n_train_, "valid": clf.n_valid_, "test": len(test_texts)}
    importance = (column_importance(clf, valid_inputs, valid_labels, job.seed)
                  if features else None)
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
        "labels": [str(label) for label in clf.task_.labels],
        "features": [c.as_dict() for c in features],
        "feature_importance": importance,
        "data": {
            "columns": {"text": train_table.columns.text,
                        "labels": list(train_table.columns.labels),
                        **({"features": [c.name for c in features]} if features else {})},
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
                 "data": report["data"],
                 **({"feature_importance": importance} if importance else {})}
        data = data_summary(clf.task_, texts, clf.resolve_labels(labels)[1],
                            {"train": clf.encode_labels(labels),
                             "valid": clf.encode_labels(valid_labels), "test": test_targets},
                            train_table.dropped, {"valid": valid_texts, "test": test_texts})
        artifacts = record(clf, (valid_inputs, valid_labels), (test_targets, test_output), data,
                           job.seed)
        report["out"] = str(Path(clf.save(job.out, extra, artifacts)))
        if clf.calibration_ is not None:
            report["calibration"] = clf.calibration_.to_config()
        if job.report:
            report.update(write_report_of(report["out"]))
    return report


def write_report_of(path: str) -> dict[str, Any]:
    """{"report": the path of the report drawn for the run or model directory `path`} (see
    `textladder.report`), or {"report": None, "report_note": why not} where the report extra
    is not installed or drawing failed: the model is saved either way."""
    from textladder.report import NEEDS_REPORT, available, write_report

    if not available():
        return {"report": None, "report_note": NEEDS_REPORT}
    try:
        return {"report": str(write_report(path))}
    except Exception as error:  # noqa: BLE001 - a drawing must not cost the user the model
        return {"report": None, "report_note": f"the report could not be drawn "
                f"({type(error).__name__}: {error}); run 'textladder report {path}' to retry."}
