"""A model's card: what it is, what it chose, and its metrics on validation and test."""

from __future__ import annotations

from textladder.report.blocks import Block, Table, fmt
from textladder.report.sources import ModelView
from textladder.words import setting

SKIPPED = {"history", "valid_scores", "options", "onnx_pipeline"}


def _chosen(view: ModelView) -> str:
    return ", ".join(f"{k}={setting(v)}" for k, v in view.chosen.items()
                     if k not in SKIPPED and not isinstance(v, (list, dict)))


def build(view: ModelView, cache: dict) -> list[Block]:
    valid, test = view.metrics("valid"), view.metrics("test")
    primary = view.task.primary_metric
    names = list(dict.fromkeys([primary, *valid, *test]))
    rows = [[f"{name} *" if name == primary else name, fmt(valid.get(name)), fmt(test.get(name))]
            for name in names]
    calibration = view.calibration
    caption = f"{view.family} model, {view.task.name} task; * the primary metric. "
    caption += f"Chose: {_chosen(view)}." if _chosen(view) else ""
    if calibration is not None:
        caption += f" Calibrated by temperature scaling (T = {calibration.temperature:.3g})."
    return [Table("metrics", "metrics", ["metric", "valid", "test"], rows, caption, wide=False)]
