"""Where a probability becomes a decision: F1 against the threshold, per label, the chosen one
marked.

Binary and multi-label tasks decide by thresholds tuned for F1 on validation; these curves are
drawn on the same validation outputs, so each chosen threshold sits at (or, for a label with too
few validation positives, guarded near) its curve's peak. A flat top means the choice is robust;
a sharp peak, that it may not carry over to new texts. The binary chart adds precision and
recall.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, colour, figure
from textladder.report.sources import ModelView
from textladder.tasks.binary import _DECISION_METRICS

GRID = np.linspace(0.0, 1.0, 101)


def curves(targets: np.ndarray, scores: np.ndarray,
           grid: np.ndarray = GRID) -> dict[str, np.ndarray]:
    """Precision, recall and F1 of `scores >= t` for each t of `grid` (in O(n log n))."""
    order = np.argsort(scores)
    ranked, positives = scores[order], np.asarray(targets, dtype=float)[order]
    below = np.r_[0.0, np.cumsum(positives)]  # positives among the k lowest scores
    cut = np.searchsorted(ranked, grid, side="left")  # texts below each threshold
    taken = len(scores) - cut
    true_pos = below[-1] - below[cut]
    precision = np.divide(true_pos, taken, out=np.zeros_like(true_pos), where=taken > 0)
    recall = true_pos / max(below[-1], 1.0)
    f1 = np.divide(2 * precision * recall, precision + recall,
                   out=np.zeros_like(true_pos), where=precision + recall > 0)
    return {"precision": precision, "recall": recall, "f1": f1}


def _chosen_point(targets, scores, threshold) -> float:
    return float(curves(targets, scores, np.array([threshold]))["f1"][0])


def _binary(view: ModelView) -> Chart:
    split = view.valid
    scores, targets = split.outputs[:, 1], split.targets.astype(int)
    found = curves(targets, scores)
    fig = figure(xaxis_title=f"threshold on P({view.labels[1]})", yaxis=dict(range=[0, 1.05]))
    for i, key in enumerate(("f1", "precision", "recall")):
        fig.add_trace(go.Scatter(x=GRID, y=found[key], mode="lines", name=key,
                                 line=dict(color=colour(i), width=3 if key == "f1" else 1.5)))
    threshold = float(view.task.threshold_)
    fig.add_trace(go.Scatter(x=[threshold], y=[_chosen_point(targets, scores, threshold)],
                             mode="markers", name="chosen",
                             marker=dict(size=12, color=colour(3), symbol="diamond")))
    metric = view.task.primary_metric
    tuned_for = metric if metric in _DECISION_METRICS else "f1"
    return Chart("curve", "threshold curve (validation)", fig,
                 f"Precision, recall and F1 of '{view.labels[1]}' on validation; the threshold "
                 f"chosen there ({threshold:.3f}) maximises {tuned_for}.")


def _multilabel(view: ModelView) -> Chart:
    split = view.valid
    thresholds = np.asarray(view.task.thresholds_, dtype=float)
    fig = figure(height=420, xaxis_title="threshold", yaxis=dict(range=[0, 1.05], title="F1"),
                 legend=dict(orientation="v", x=1.02, y=1))
    chosen_x, chosen_y, names = [], [], []
    for j, label in enumerate(view.labels):
        targets, scores = split.targets[:, j].astype(int), split.outputs[:, j]
        fig.add_trace(go.Scatter(x=GRID, y=curves(targets, scores)["f1"], mode="lines",
                                 name=label, legendgroup=label, line_color=colour(j)))
        chosen_x.append(thresholds[j])
        chosen_y.append(_chosen_point(targets, scores, thresholds[j]))
        names.append(label)
    fig.add_trace(go.Scatter(x=chosen_x, y=chosen_y, mode="markers", name="chosen",
                             text=names, hovertemplate="%{text}: threshold %{x:.3f}, F1 %{y:.3f}"
                                                       "<extra></extra>",
                             marker=dict(size=10, color="black", symbol="diamond")))
    guarded = list(getattr(view.task, "guarded_", []))
    caption = "One F1 curve per label on validation; diamonds mark the thresholds chosen."
    if guarded:
        caption += (f" {len(guarded)} labels with too few validation positives take the pooled "
                    f"threshold ({', '.join(map(str, guarded[:5]))}).")
    return Chart("curve", "threshold curves per label (validation)", fig, caption, wide=True)


def build(view: ModelView, cache: dict) -> list[Block]:
    if view.valid is None or len(view.valid) == 0:
        return []
    if view.task.name == "binary":
        return [_binary(view)]
    if view.task.name == "multilabel":
        return [_multilabel(view)]
    return []
