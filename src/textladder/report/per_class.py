"""Per-class (per-label) precision, recall and F1 as grouped bars, with each class's support.

Read on the split the model is scored on (test where it was scored). Regression has no classes.
"""

from __future__ import annotations

import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, colour, figure
from textladder.report.sources import ModelView


def build(view: ModelView, cache: dict) -> list[Block]:
    split, name = view.evaluated, view.evaluated_name
    if split is None or view.task.name == "regression":
        return []
    metrics = view.task.evaluate(split.targets, split.outputs)
    per = metrics.get("per_class") or metrics.get("per_label") or {}
    labels = list(per)
    fig = figure(yaxis=dict(range=[0, 1.05], title=name), barmode="group", bargap=0.25)
    for i, metric in enumerate(("precision", "recall", "f1")):
        fig.add_trace(go.Bar(x=[f"{label} ({per[label]['support']:,})" for label in labels],
                             y=[per[label][metric] for label in labels], name=metric,
                             marker_color=colour(i),
                             hovertemplate="%{x}: " + metric + " %{y:.3f}<extra></extra>"))
    kind = "label" if view.task.name == "multilabel" else "class"
    macro = metrics.get("macro_f1")
    caption = f"Support (true {name} texts) in brackets."
    if macro is not None:
        caption += f" Macro F1 {macro:.4f}: the mean of the F1 bars."
    return [Chart("bars", f"precision, recall and F1 per {kind} ({name})", fig, caption,
                  wide=len(labels) > 8)]

