"""Calibration: do the probabilities mean what they say? A reliability diagram and the expected
calibration error (ECE), before and after temperature scaling.

Texts are put in 15 bins by confidence (the top class's probability; for multi-label tasks,
every label's probability); a calibrated model's points lie on the diagonal, where texts rated
0.8 are right 80 % of the time. The ECE is the bins' mean distance from it, weighted by their
texts. Temperature scaling (`textladder.calibration`) is fitted on validation: where the model
keeps one (`train --calibrate`), its outputs are the "after" and the "before" are recovered by
undoing it; where it does not, the report fits one on validation to show what it would give,
and the model's own outputs are the "before". Test is never used to fit anything. Regression
predicts values, not probabilities.
"""

from __future__ import annotations

import plotly.graph_objects as go
from textladder.calibration import Temperature, applies_to, reliability
from textladder.report.blocks import Block, Chart, Table, colour, fmt, subplots
from textladder.report.sources import ModelView


def _before_after(view: ModelView) -> tuple[Temperature, bool]:
    """The temperature to compare with, and whether the model keeps it."""
    if view.calibration is not None:
        return view.calibration, True
    return Temperature.fit(view.task.name, view.valid.targets, view.valid.outputs), False


def build(view: ModelView, cache: dict) -> list[Block]:
    if view.valid is None or not applies_to(view.task.name) or len(view.valid) == 0:
        return []
    temperature, kept = _before_after(view)
    task = view.task.name
    splits = {"validation": view.valid, **({"test": view.test} if view.test is not None else {})}
    fig = subplots(1, len(splits), list(splits), horizontal_spacing=0.1)
    rows = []
    for col, (name, split) in enumerate(splits.items(), start=1):
        model = split.outputs
        before, after = (temperature.undo(model), model) if kept else (model, temperature(model))
        found = {}
        for i, (label, outputs) in enumerate((("before", before), ("after", after))):
            bins = reliability(task, split.targets, outputs)
            found[label] = bins["ece"]
            fig.add_trace(go.Scatter(
                x=bins["confidence"], y=bins["accuracy"], mode="lines+markers",
                name=f"{label} temperature scaling", legendgroup=label, showlegend=col == 1,
                line_color=colour(i), customdata=bins["count"],
                hovertemplate="confidence %{x:.2f}: right %{y:.1%} of %{customdata} "
                              "<extra>" + label + "</extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="calibrated",
                                 showlegend=col == 1, line=dict(color="grey", dash="dot")),
                      row=1, col=col)
        rows.append([name, fmt(found["before"]), fmt(found["after"])])
    target = "label probability" if task == "multilabel" else "confidence (top class)"
    fig.update_xaxes(title_text=target, range=[0, 1])
    fig.update_yaxes(title_text="share right", range=[0, 1], col=1)
    status = ("The model keeps this temperature: its outputs are the 'after'." if kept else
              "The model does not keep it: train with --calibrate (calibrate=True) to keep it.")
    table = Table("ece", "expected calibration error",
                  ["split", "before", f"after (T = {temperature.temperature:.3g})"], rows,
                  f"Temperature T fitted on validation by log-likelihood. {status}", wide=False)
    return [Chart("diagram", "reliability diagram", fig,
                  f"15 bins of {target}; points on the dotted diagonal are calibrated.",
                  wide=True), table]
