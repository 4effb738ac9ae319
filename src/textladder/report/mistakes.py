"""Where the model fails: its most confident mistakes among the sampled validation texts.

A mistake the model was sure of is worth reading: a wrong label in the data, a sarcasm the model
cannot see, a class that needs a better definition. Single-label tasks rank wrong texts by the
probability the model gave its (wrong) choice; multi-label tasks by the label furthest past its
threshold on the wrong side; regression by the absolute error.
"""

from __future__ import annotations

import numpy as np

from textladder.report.blocks import Block, Table, short
from textladder.report.sources import ModelView
from textladder.tasks.base import log_odds

SHOWN = 15


def _ranked(view: ModelView, targets: np.ndarray, outputs: np.ndarray,
            decided: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Sample positions of the mistakes, most confident first, and each one's confidence."""
    task = view.task.name
    if task == "regression":
        error = np.abs(decided - targets.astype(float))
        order = np.argsort(-error)
        return order, [f"off by {error[i]:.3g}" for i in order]
    if task == "multilabel":
        side = np.where(decided == 1, 1.0, -1.0)  # how far past its threshold each decision is
        distance = (log_odds(outputs) - log_odds(view.task.thresholds_)[None, :]) * side
        distance = np.where(decided != targets, distance, -np.inf)
        worst_label = distance.argmax(axis=1)
        worst = distance.max(axis=1)
        order = np.asarray([i for i in np.argsort(-worst) if np.isfinite(worst[i])], dtype=int)
        return order, [f"{view.labels[worst_label[i]]}: {outputs[i, worst_label[i]]:.2f}"
                       for i in order]
    chosen = outputs[np.arange(len(decided)), decided.astype(int)]
    wrong = np.flatnonzero(decided != targets)
    order = wrong[np.argsort(-chosen[wrong])]
    return order, [f"{chosen[i]:.2f}" for i in order]


def build(view: ModelView, cache: dict) -> list[Block]:
    if view.valid is None or not view.texts:
        return []
    targets = view.valid.targets[view.rows]
    outputs = view.valid.outputs[view.rows]
    decided = view.task.decide(outputs)
    order, confidence = _ranked(view, targets, outputs, decided)
    if view.task.name == "regression":
        order, confidence = order[:SHOWN], confidence[:SHOWN]
    elif len(order) == 0:
        return [Table("table", "most confident mistakes", ["text"], [],
                      f"No mistakes among the {len(view.texts):,} sampled validation texts.")]
    order, confidence = order[:SHOWN], confidence[:SHOWN]
    true_text, predicted_text = view.as_text(targets[order]), view.as_text(decided[order])
    head = "error" if view.task.name == "regression" else "confidence"
    rows = [[short(view.texts[i], 300), t, p, c]
            for i, t, p, c in zip(order, true_text, predicted_text, confidence)]
    return [Table("table", "most confident mistakes (validation)",
                  ["text", "true", "predicted", head], rows,
                  f"Among {len(view.texts):,} sampled validation texts; {head}: "
                  + ("the absolute error." if view.task.name == "regression" else
                     "the probability the model gave the wrong label it chose (multi-label: "
                     "the label furthest on the wrong side of its threshold, and its "
                     "probability)."))]
