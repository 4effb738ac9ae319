"""Which classes blur together: the confusion matrix, normalised by true class.

Single-label tasks get the matrix of predicted against true class, each row divided by its true
class's count (the diagonal is each class's recall); an ordinal task also gets its errors by
distance (how many levels off), since one level off is not two. A multi-label task gets the
label-by-label matrix: of the texts with the row's label, the share predicted with the column's
(the diagonal is each label's recall; off it, labels predicted together with it). Regression has
no classes: `residuals.py` draws its errors.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, colour, figure
from textladder.report.sources import ModelView


def _heatmap(share: np.ndarray, counts: np.ndarray, labels: list[str], x_title: str,
             y_title: str, hover: str, extra: np.ndarray | None = None) -> go.Figure:
    size = max(360, 30 * len(labels) + 140)
    fig = figure(height=size, xaxis_title=x_title, yaxis_title=y_title)
    text = [[f"{v:.0%}" for v in row] for row in share] if len(labels) <= 12 else None
    custom = counts if extra is None else np.dstack([counts, extra])
    fig.add_trace(go.Heatmap(z=share, x=labels, y=labels, colorscale="Blues", zmin=0, zmax=1,
                             text=text, texttemplate="%{text}" if text else None,
                             customdata=custom, hovertemplate=hover + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


def _single_label(view: ModelView) -> list[Block]:
    split, name = view.evaluated, view.evaluated_name
    k = len(view.labels)
    predicted = view.task.decide(split.outputs)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (split.targets.astype(int), predicted), 1)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ordinal = view.task.name == "ordinal"
    distance = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :])
    hover = ("true %{y}, predicted %{x}: %{customdata[0]} texts (%{z:.1%} of %{y})"
             ", %{customdata[1]} levels off" if ordinal else
             "true %{y}, predicted %{x}: %{customdata} texts (%{z:.1%} of %{y})")
    fig = _heatmap(share, counts, view.labels, "predicted", "true", hover,
                   distance if ordinal else None)
    blocks: list[Block] = [Chart("matrix", f"confusion matrix ({name}, by true class)", fig,
                                 f"Each row is one true class's {name} texts: the diagonal is its "
                                 f"recall, the rest where its errors went.")]
    if ordinal:
        off = np.abs(predicted - split.targets.astype(int))
        counts_by = np.bincount(off, minlength=k)
        bars = figure(xaxis_title="levels off", yaxis_title=f"{name} texts", bargap=0.2)
        bars.add_trace(go.Bar(x=list(range(k)), y=counts_by, marker_color=[
            colour(2)] + [colour(3)] * (k - 1), text=[f"{c / max(len(off), 1):.1%}"
                                                      for c in counts_by],
                              textposition="auto"))
        bars.update_xaxes(dtick=1)
        blocks.append(Chart("distance", f"errors by distance ({name})", bars,
                            f"Mean distance {off.mean():.3f} levels; within one level: "
                            f"{(off <= 1).mean():.1%}."))
    return blocks


def _multilabel(view: ModelView) -> list[Block]:
    split, name = view.evaluated, view.evaluated_name
    targets = split.targets.astype(int)
    predicted = view.task.decide(split.outputs)
    counts = targets.T @ predicted  # [i, j]: texts with label i predicted with label j
    share = counts / np.maximum(targets.sum(axis=0), 1)[:, None]
    fig = _heatmap(share, counts, view.labels, "predicted with", "true label",
                   "%{customdata} texts with %{y} predicted with %{x} (%{z:.1%})")
    return [Chart("matrix", f"labels predicted for each true label ({name})", fig,
                  "Of the texts that carry the row's label, the share predicted with the "
                  "column's: the diagonal is each label's recall, off it the labels predicted "
                  "alongside.", wide=len(view.labels) > 12)]


def build(view: ModelView, cache: dict) -> list[Block]:
    if view.evaluated is None or view.task.name == "regression":
        return []
    return _multilabel(view) if view.task.name == "multilabel" else _single_label(view)
