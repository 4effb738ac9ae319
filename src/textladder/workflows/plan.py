"""What training is about to do, settled and checked before any model is fitted.

`training_plan` reads the labels of the loaded tables and says, as a plain dictionary, the columns
picked and why (and the columns read beside the text, each with its kind and why), the task and
why, the labels (in order for a scale; the positive class of a binary task), the output layer,
loss, decision rule and primary metric, what is done about class imbalance and why, and where
validation and test data come from. It checks on the way what would otherwise fail after the
fit: the model's settings (names and types), the imbalance options, and every validation or test
label against the training labels. It fits nothing and prints nothing: the train workflow hands the plan to its caller (`on_ready`) before it
starts the long work.
"""

from __future__ import annotations

from typing import Any

from textladder.classifier import TextClassifier
from textladder.data.dataset import LabelledTable
from textladder.data.features import FeatureColumn
from textladder.data.groups import normal_text
from textladder.data.labels import parse_label_map
from textladder.families import get_family
from textladder.imbalance import check_rung, imbalance_ratio, label_counts
from textladder.imbalance.auto import recommend
from textladder.tasks.resolve import check_label_map_used
from textladder.tasks import make_task, prepare_labels
from textladder.tasks.positive import positive_report


def check_settings(model: str, settings: dict[str, Any],
                   imbalance: str = "auto") -> dict[str, Any]:
    """The family's settings with the user's, refused at once when a name or a type is wrong,
    or when the rung cannot take the imbalance strategy."""
    resolved = get_family(model)(**settings).resolved_settings()
    check_rung(imbalance, get_family(model))
    return resolved


def training_plan(clf: TextClassifier, train: LabelledTable,
                  others: dict[str, LabelledTable], sources: dict[str, str]) -> dict[str, Any]:
    """The plan for fitting `clf` on `train`; `others` (valid, test) are checked against it and
    `sources` says where each part comes from."""
    detection, prepared = clf.resolve_labels(train.labels)
    check_label_map_used(_label_map(clf), train.labels)
    task = plan_task(clf, detection, prepared)
    for name, table in others.items():  # unknown labels fail now, not after the fit
        check_known_labels(clf, task, detection, table.labels, f"the {name} file '{table.path}'")
    # said from the whole training file's labels; the fit decides on its training rows
    imbalance = _imbalance(clf, task, task.encode(prepared, "the training data"))
    return {
        "columns": {"text": train.columns.text, "labels": list(train.columns.labels)},
        "column_reasons": list(train.columns.reasons),
        "task": detection.task,
        "task_reason": detection.reason,
        "labels": [str(label) for label in task.labels],
        "ordered": task.name == "ordinal",
        "positive": positive_report(task),
        "head": task.head,
        "choices": task.describe(),
        "model": clf.model,
        "features": [c.as_dict() for c in clf.features or []
                     if isinstance(c, FeatureColumn)],
        "imbalance": imbalance,
        "rows": {"train": len(train), **{name: len(t) for name, t in others.items()}},
        "sources": sources,
        "also_in_train": also_in_train(train.texts, {n: t.texts for n, t in others.items()}),
        "test_also_in_valid": (also_in_train(others["valid"].texts,
                                             {"test": others["test"].texts}).get("test", 0)
                               if {"valid", "test"} <= set(others) else 0),
        "leaking_features": _leaking_features(clf, train, detection.task, prepared),
    }


def _leaking_features(clf: TextClassifier, train: LabelledTable, task: str,
                      prepared: list) -> list[dict[str, str]]:
    """The feature columns given that leak the label (as `inspect` finds them): said before the
    fit, since a model that reads the label off a column scores perfectly and learns nothing."""
    names = [c.name for c in clf.features or [] if isinstance(c, FeatureColumn)]
    if not names or train.frame is None:
        return []
    from textladder.data.feature_analysis import analyse_columns

    frame = train.frame[[train.columns.text, *names]]
    return [{"name": c["name"], "reason": c["reason"]}
            for c in analyse_columns(frame, train.columns.text, (), task, prepared)
            if c["verdict"] == "leaks the label"]


def plan_task(clf: TextClassifier, detection, prepared: list):
    """The task `clf` fits on training labels `prepared` (as `resolve_labels` detected them)."""
    order = list(detection.order) if detection.order is not None else None
    return make_task(detection.task, clf.metric, order, clf.positive).fit(prepared)


def check_known_labels(clf: TextClassifier, task, detection, labels: list, where: str) -> None:
    """Refuse labels of another file (`where`: valid, test) that training never saw."""
    task.encode(prepare_labels(list(labels), detection, _label_map(clf)), where)


def _label_map(clf: TextClassifier) -> dict[str, float] | None:
    """The --label-map as {label: score}, given as text or as a dict."""
    return parse_label_map(clf.label_map) if isinstance(clf.label_map, str) else clf.label_map


def also_in_train(train: list[str], others: dict[str, list[str]]) -> dict[str, int]:
    """How many texts of each given file (valid, test) the training file holds too (as
    `inspect` compares them: `normal_text`); files that share none are left out."""
    seen = {normal_text(t) for t in train}
    counts = {name: sum(normal_text(t) in seen for t in texts) for name, texts in others.items()}
    return {name: n for name, n in counts.items() if n}


def _imbalance(clf: TextClassifier, task, targets) -> dict[str, Any]:
    """What one rung will do about class imbalance and why; for a climb (no model), what auto
    takes for most rungs (`rungs`) and where others differ (`others`)."""
    if clf.model is not None:
        plan = clf.plan_imbalance(task, targets)
        return {k: v for k, v in plan.to_config().items() if k != "effect"}
    if clf.imbalance != "auto":
        return {"strategy": clf.imbalance, "requested": clf.imbalance, "reason": "asked for; "
                "rungs that cannot take it are skipped"}
    counts = label_counts(targets, task.n_outputs, task.name == "multilabel") \
        if task.name != "regression" else []
    advice = (recommend(task.name, counts, task.primary_metric, " in the training file")
              if len(counts) else recommend("regression", counts))
    return {"strategy": advice["strategy"], "requested": "auto", "reason": advice["reason"],
            "rungs": advice["rungs"], "others": advice["others"],
            **({"ratio": round(imbalance_ratio(counts), 2)} if len(counts) else {})}
