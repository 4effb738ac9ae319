"""A regression's errors: residuals against the true values, and predictions against them.

Drawn on the split the model is scored on (test where it was scored), at most `MAX_POINTS`
texts. A band of residuals that slopes shows the model pulling scores toward the mean; a fan
shows errors that grow with the score.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, capped, colour, figure
from textladder.report.sources import ModelView


def build(view: ModelView, cache: dict) -> list[Block]:
    split, name = view.evaluated, view.evaluated_name
    if split is None or view.task.name != "regression":
        return []
    true = split.targets.astype(float)
    predicted = view.task.decide(split.outputs)
    shown = capped(len(true))
    residual = predicted - true
    low, high = float(min(true.min(), predicted.min())), float(max(true.max(), predicted.max()))
    scatter = figure(xaxis_title="true value", yaxis_title="predicted - true")
    scatter.add_trace(go.Scatter(x=true[shown], y=residual[shown], mode="markers",
                                 marker=dict(size=6, opacity=0.5, color=colour(0)),
                                 hovertemplate="true %{x:.3g}, residual %{y:.3g}<extra></extra>",
                                 name="texts"))
    scatter.add_hline(y=0, line_color=colour(3), line_dash="dash")
    versus = figure(xaxis_title="true value", yaxis_title="predicted value")
    versus.add_trace(go.Scatter(x=true[shown], y=predicted[shown], mode="markers",
                                marker=dict(size=6, opacity=0.5, color=colour(0)),
                                hovertemplate="true %{x:.3g}, predicted %{y:.3g}<extra></extra>",
                                name="texts"))
    versus.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="exact",
                                line=dict(color=colour(3), dash="dash")))
    sample = f" ({len(shown):,} of {len(true):,} texts)" if len(shown) < len(true) else ""
    return [Chart("residuals", f"residuals against true values ({name})", scatter,
                  f"Mean residual {residual.mean():+.3g}, mean absolute error "
                  f"{np.abs(residual).mean():.3g}{sample}."),
            Chart("versus", f"predicted against true ({name})", versus,
                  "On the dashed line a prediction is exact; predictions are clipped to the "
                  "training range.")]
