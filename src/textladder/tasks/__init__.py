"""The five task types, registered by name.

HEADS names the output unit each task asks model families to build:
- sigmoid: one unit, the positive class's probability (binary);
- softmax: one unit per class (multiclass);
- multi_sigmoid: one independent sigmoid unit per label (multilabel);
- cumulative: K-1 units for the events "level > k" (ordinal);
- linear: one real-valued unit (regression).
"""

from __future__ import annotations

from typing import Any

from textladder.errors import TextladderError
from textladder.tasks.base import Task
from textladder.tasks.binary import BinaryTask
from textladder.tasks.detect import TASKS, Detection, detect_task
from textladder.tasks.multiclass import MulticlassTask
from textladder.tasks.multilabel import MultilabelTask
from textladder.tasks.ordinal import OrdinalTask
from textladder.tasks.positive import refuse_outside_binary
from textladder.tasks.regression import RegressionTask
from textladder.tasks.resolve import prepare_labels, resolve_task

TASK_TYPES: dict[str, type[Task]] = {
    cls.name: cls
    for cls in (BinaryTask, MulticlassTask, MultilabelTask, OrdinalTask, RegressionTask)
}
HEADS = tuple(cls.head for cls in TASK_TYPES.values())


def make_task(name: str, metric: str | None = None, order: list | None = None,
              positive=None) -> Task:
    """A new, unfitted task of type `name`; `positive` (binary only) names the positive class."""
    if name not in TASK_TYPES:
        raise TextladderError(f"unknown task '{name}'; use one of {', '.join(TASK_TYPES)}.")
    refuse_outside_binary(name, positive)
    if name == "ordinal":
        task = OrdinalTask(metric, order=order)
    elif name == "binary":
        task = BinaryTask(metric, positive=positive)
    else:
        task = TASK_TYPES[name](metric)
    return task.check_metric()


def task_from_config(config: dict[str, Any]) -> Task:
    """Rebuild a fitted task from the `task` section of a model's config."""
    return TASK_TYPES[config["type"]].from_config(config)


__all__ = [
    "TASKS", "TASK_TYPES", "HEADS", "Detection", "Task", "detect_task", "make_task",
    "prepare_labels", "resolve_task", "task_from_config",
]
