"""Train: read the data, split it once, and climb (or fit the one rung asked for) into a run.

Validation data comes from `--valid` or is split from the training file; test data from `--test`
or is split from the training file too, so that every run reports an honest held-out figure.
Both splits are made once, here (keeping texts that repeat or contain one another on one side,
`data.groups`), so that every rung of a climb sees the same rows. Before anything is fitted, the
plan (columns, task, labels, positive class, head, loss, metric: `workflows.plan`) is settled and
checked, and handed to `on_ready`, so that the caller can say it before the long work. All
settings are chosen on validation; test is scored once per rung, after its choices are made.

`train_rung` is the one place where a rung (or an ensemble) is fitted, evaluated on validation,
scored on test and saved, with what the report draws (`evaluation.record`); the climb
(`workflows/climb.py`) and a single `--model` run both use it. `train` returns a plain
dictionary: the best model's report and the leaderboard.

With `features`, the columns beside the text are read from every file (each kind settled once,
on the training file, and said in the plan); every rung is fitted and scored on tables of the
text and those columns (`Splits.inputs`), and each rung's config records every column's
permutation importance on the validation rows (`importance.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textladder.classifier import TextClassifier, check_side_support
from textladder.data.dataset import LabelledTable, load_labelled
from textladder.data.features import FeatureColumn, require_columns, resolve_features
from textladder.data.inputs import table_rows
from textladder.data.split import split_holdout, validation_fraction
from textladder.evaluation import data_summary, record
from textladder.families import get_family
from textladder.importance import column_importance
from textladder.progress import Progress
from textladder.tasks.base import metric_details, scalar_metrics
from textladder.tasks.positive import positive_report
from textladder.workflows.options import ReadOptions
from textladder.workflows.plan import training_plan

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
    positive: str | None = None
    imbalance: str = "auto"
    class_weight: str | None = None
    sampling_ratio: float | None = None
    valid_size: float | None = None  # None: `validation_fraction` of the rows
    test_size: float = 0.1
    calibrate: bool = False
    report: bool = True  # draw report.html in the run directory (needs the report extra)
    features: str | None = None  # columns beside the text: "age,country:category"


@dataclass
class Splits:
    """The rows every rung of a run trains, validates and is tested on, and where they came
    from (for the report and the saved config)."""

    train: tuple[list[str], list]
    valid: tuple[list[str], list]
    test: tuple[list[str], list]
    test_source: str = "the test split"
    data: dict[str, Any] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # of the training file
    plan: dict[str, Any] | None = None  # what `training_plan` said before any fit
    summary: dict[str, Any] | None = None  # `evaluation.data_summary`, made by the first rung
    features: list[FeatureColumn] = field(default_factory=list)  # read beside the text
    text_column: str | None = None
    frames: dict[str, Any] = field(default_factory=dict)  # each split's feature columns

    def inputs(self, split: str):
        """What every rung is fitted or scored on for `split` (train, valid, test): its texts,
        or, with feature columns, a table of the texts and those columns."""
        texts = getattr(self, split)[0]
        if not self.features:
            return texts
        return table_rows(texts, self.frames[split], self.text_column,
                          [c.name for c in self.features], f"the {split} rows")


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
    importance: dict[str, Any] | None = None  # of the feature columns, on validation


def classifier_options(job: TrainJob, splits: Splits | None = None) -> dict[str, Any]:
    """The TextClassifier arguments a job gives every rung (all but the model and settings):
    with the feature columns `splits` settled, where it has some."""
    options = {"task": job.task, "metric": job.metric, "order": job.order,
               "label_map": job.label_map, "valid_size": job.valid_size, "seed": job.seed,
               "positive": job.positive, "calibrate": job.calibrate, "imbalance": job.imbalance,
               "class_weight": job.class_weight, "sampling_ratio": job.sampling_ratio}
    if splits is not None and splits.features:
        options.update(features=list(splits.features), text_column=splits.text_column)
    return options


def _same_columns(table: LabelledTable, read: ReadOptions) -> ReadOptions:
    return ReadOptions(read.fmt, read.encoding, table.columns.text, table.columns.labels,
                       read.strict)


def _subset(texts: list[str], labels: list, rows) -> tuple[list[str], list]:
    return [texts[i] for i in rows], [labels[i] for i in rows]


def _frame_rows(frame, rows):
    return None if frame is None else frame.iloc[list(rows)].reset_index(drop=True)


def read_splits(job: TrainJob, read: ReadOptions = ReadOptions()) -> Splits:
    """Read the files, settle and check the plan, and split off test, then validation, as a
    single rung's fit would (texts that repeat or contain one another stay on one side)."""
    keep = bool(job.features)
    train_table = load_labelled(job.data, read.fmt, read.encoding, read.text, read.labels,
                                read.strict, keep_frame=keep)
    features = (resolve_features(train_table.frame, job.features, train_table.columns.text,
                                 train_table.columns.labels, f"'{job.data}'")
                if job.features else [])
    if job.model is not None:
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
    clf = TextClassifier(model=job.model, **classifier_options(job),
                         features=features or None)
    sources = {"valid": job.valid or "split from the training file",
               "test": job.test or "split from the training file"}
    plan = training_plan(clf, train_table, {k: t for k, t in tables.items() if k != "train"},
                         sources)
    texts, labels = train_table.texts, train_table.labels
    frames = {name: table.frame for name, table in tables.items()}  # None without features
    # Test is split off first, by the task the full training labels describe; then valid, as
    # `TextClassifier.fit` does when given no validation data.
    pairs = {name: (t.texts, t.labels) for name, t in tables.items() if name != "train"}
    inside = 0  # texts inside a held-out group's longest one: in no part (`split_holdout`)
    for name, size, purpose in (("test", job.test_size, "test"),
                                ("valid", job.valid_size, "validation")):
        if name in pairs:
            continue
        detection, prepared = clf.resolve_labels(labels)
        if name == "valid":  # by the training file's rows, as --valid's help says
            size = validation_fraction(len(train_table.texts), size)
        kept, held = split_holdout(prepared, detection.task, size, job.seed, purpose,
                                   texts=texts)
        pairs[name] = _subset(texts, labels, held)
        inside += len(texts) - len(kept) - len(held)
        texts, labels = _subset(texts, labels, kept)
        frames[name] = _frame_rows(frames["train"], held)
        frames["train"] = _frame_rows(frames["train"], kept)
    test, valid = pairs["test"], pairs["valid"]
    data = {
        "columns": {"text": train_table.columns.text, "labels": list(train_table.columns.labels),
                    **({"features": [c.name for c in features]} if features else {})},
        "column_reasons": list(train_table.columns.reasons),
        "rows": {"train": len(texts), "valid": len(valid[0]), "test": len(test[0]),
                 "inside_held_out": inside},
        "dropped": {name: table.dropped for name, table in tables.items()},
        "valid_source": sources["valid"],
        "test_source": sources["test"],
    }
    test_source = f"the test file '{job.test}'" if job.test else "the test split"
    return Splits((texts, labels), valid, test, test_source, data, train_table.dropped, plan,
                  features=features, text_column=train_table.columns.text,
                  frames=frames if features else {})


def train_rung(model: str, params: dict[str, Any], job: TrainJob, splits: Splits,
               path: str | Path | None = None,
               progress: Progress | None = None) -> RungResult:
    """Fit one rung (or ensemble) on the training rows, choosing everything on validation;
    then score it once on test, and save it to `path` (when given) with its metrics."""
    started = time.perf_counter()
    options = classifier_options(job, splits)
    if not get_family(model).imbalance_strategies:  # the baseline, ensembles: no rows to balance
        options.update(imbalance="none", class_weight=None, sampling_ratio=None)
    clf = TextClassifier(model=model, model_params=params, **options)
    clf.fit(splits.inputs("train"), splits.train[1],
            valid=(splits.inputs("valid"), splits.valid[1]), progress=progress)
    train_seconds = time.perf_counter() - started
    valid_output = clf.valid_output_  # as validated (an ensemble's cross-fitted, calibrated)
    valid_targets = clf.encode_labels(splits.valid[1], "the validation data")
    test_texts, test_labels = splits.test
    start = time.perf_counter()
    test_output = clf.predict_output(splits.inputs("test"))
    predict_seconds = time.perf_counter() - start
    test_targets = clf.encode_labels(test_labels, splits.test_source)
    result = RungResult(model, clf, valid_output, test_output,
                        clf.task_.evaluate(valid_targets, valid_output),
                        clf.task_.evaluate(test_targets, test_output), train_seconds,
                        len(test_texts) / predict_seconds if test_texts and predict_seconds > 0
                        else None)
    if splits.features:  # what each column is worth to this rung, on validation
        result.importance = column_importance(clf, splits.inputs("valid"), splits.valid[1],
                                              job.seed)
    if path is not None:
        extra = {"metrics": {"valid": scalar_metrics(result.valid_metrics),
                             "test": scalar_metrics(result.test_metrics)},
                 "data": splits.data,
                 **({"columns": splits.data["columns"]} if "columns" in splits.data else {}),
                 **({"feature_importance": result.importance} if result.importance else {})}
        artifacts = record(clf, (splits.inputs("valid"), splits.valid[1]),
                           (test_targets, test_output),
                           run_summary(clf, splits, valid_targets, test_targets), job.seed,
                           valid_output)
        result.path = Path(clf.save(path, extra, artifacts))
    return result


def run_summary(clf: TextClassifier, splits: Splits, valid_targets: np.ndarray,
                test_targets: np.ndarray) -> dict[str, Any]:
    """What the report draws of the run's data (`evaluation.data_summary`): the same for every
    rung of a run, so made once, by the first rung saved."""
    if splits.summary is None:
        texts, labels = splits.train
        splits.summary = data_summary(
            clf.task_, texts, clf.resolve_labels(labels)[1],
            {"train": clf.encode_labels(labels, "the training data"), "valid": valid_targets,
             "test": test_targets},
            splits.dropped, {"valid": list(splits.valid[0]), "test": list(splits.test[0])})
    return splits.summary


def rung_report(result: RungResult, splits: Splits) -> dict[str, Any]:
    """What `train` says about one fitted rung: task, choices, metrics, data."""
    from textladder.workflows.evaluate import absent_labels

    clf = result.classifier
    return {
        "task": clf.task_.name,
        "task_reason": clf.detection_.reason,
        "positive": positive_report(clf.task_),
        "choices": clf.task_.describe(),
        "model": clf.family_.name,
        "primary_metric": clf.task_.primary_metric,
        "metrics": {"valid": scalar_metrics(result.valid_metrics),
                    "test": scalar_metrics(result.test_metrics)},
        "details": {"valid": metric_details(result.valid_metrics),
                    "test": metric_details(result.test_metrics)},
        "chosen": clf.family_.to_config()["chosen"],
        "imbalance": clf.imbalance_.to_config(),
        "test_warnings": absent_labels(clf, result.test_metrics, "the test data"),
        "labels": [str(label) for label in clf.task_.labels],
        "data": splits.data,
        **({"calibration": clf.calibration_.to_config()}
           if getattr(clf, "calibration_", None) is not None else {}),
        **({"features": [c.as_dict() for c in splits.features],
            "feature_importance": result.importance} if splits.features else {}),
    }


def train(job: TrainJob, read: ReadOptions = ReadOptions(), progress: Progress | None = None,
          on_rung: Callable[[dict[str, Any]], None] | None = None,
          on_ready: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the main job into a run directory and return its report: the best model's, with the
    leaderboard and the path of the report drawn. `on_ready(plan)` is called before anything
    is fitted, `on_rung(leaderboard)` as each rung ends."""
    from textladder.workflows.climb import check_job_settings, climb

    check_job_settings(job)
    splits = read_splits(job, read)
    if on_ready is not None:
        on_ready(splits.plan)
    report = climb(job, splits, progress, on_rung)
    report["plan"] = splits.plan
    if job.report:
        report.update(write_report_of(report["run"]))
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
