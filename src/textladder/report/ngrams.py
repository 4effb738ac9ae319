"""What a linear rung learned: the n-grams that weigh most toward each class.

Read from the saved model's own files: the linear model's coefficients (skops, trusted types
only) and the tf-idf vocabularies (JSON). Word n-grams are shown where the model has them (the
character n-grams beside them are fragments of those words, and harder to read). What each
coefficient means depends on the task's linear head:
- softmax (multiclass): one row per class, the n-grams that raise its score most;
- sigmoid (binary): one row; positive weights point to the second class, negative to the first;
- multi_sigmoid (multi-label): one model per label;
- cumulative (ordinal): one model per event "above level k";
- linear (regression): positive weights raise the score, negative ones lower it.
Families are looked up in `READERS` (name -> reader); rungs not listed have no n-grams to show.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from textladder.report.blocks import Block, Chart, colour, figure, safe, subplots
from textladder.report.sources import ModelView

TOP = 10


def _vocabulary(directory: Path, settings: dict) -> tuple[list[str], int, str]:
    """Every feature's term in column order, and how many of the first are word n-grams (or
    character ones, where the model has no word n-grams), and which."""
    terms: list[str] = []
    kinds = (["word"] if settings.get("word_ngrams", [1, 2]) else []) + (
        ["char"] if settings.get("char_ngrams", [2, 5]) else [])
    for kind in kinds:
        terms += json.loads((directory / f"vocabulary_{kind}.json").read_text(encoding="utf-8"))
    first = json.loads((directory / f"vocabulary_{kinds[0]}.json").read_text(encoding="utf-8"))
    return terms, len(first), kinds[0]


def _coefficients(model, head: str, labels: list[str]) -> dict[str, np.ndarray]:
    """{group: coefficients} for the task's linear head (see the module docstring)."""
    if head == "softmax":
        return dict(zip(labels, model.coef_))
    if head == "sigmoid":
        weights = model.coef_[0]
        return {labels[1]: weights, labels[0]: -weights}
    if head == "multi_sigmoid":
        return {label: estimator.coef_[0] for label, estimator in zip(labels, model.estimators_)
                if hasattr(estimator, "coef_")}
    if head == "cumulative":
        return {f"above {label}": estimator.coef_[0]
                for label, estimator in zip(labels, model.estimators_) if estimator is not None}
    if head == "linear":
        weights = np.ravel(model.coef_) * getattr(model, "y_scale_", 1.0)  # in target units
        return {"raise the score": weights, "lower the score": -weights}
    return {}


def tfidf_weights(view: ModelView) -> tuple[dict[str, list[tuple[str, float]]], str]:
    from textladder.families.linear_search import load_linear

    terms, n_first, kind = _vocabulary(view.path, view.settings)
    model = load_linear(view.path / "linear_model.skops", view.family)
    groups = _coefficients(model, view.task.head, view.labels)
    top = {}
    for group, weights in groups.items():
        weights = np.asarray(weights, dtype=float)[:n_first]
        best = np.argsort(-weights)[:TOP]
        top[group] = [(terms[i], float(weights[i])) for i in best if weights[i] > 0]
    return top, kind


READERS = {"tfidf": tfidf_weights}
PANELS = 6  # more groups than this: one chart with a menu of groups


def _bars(pairs: list[tuple[str, float]], group: str, i: int, visible: bool = True) -> go.Bar:
    return go.Bar(x=[w for _, w in pairs], y=[t for t, _ in pairs], orientation="h",
                  marker_color=colour(i), name=group, visible=visible,
                  hovertemplate="%{y}: %{x:.3f}<extra>" + safe(group) + "</extra>")


def _panels(top: dict[str, list[tuple[str, float]]]) -> go.Figure:
    """One panel per group, three to a row."""
    columns = min(3, len(top))
    rows = int(np.ceil(len(top) / columns))
    fig = subplots(rows, columns, list(top), height=60 + 250 * rows, showlegend=False,
                   margin=dict(l=110, r=20, t=40, b=30), horizontal_spacing=0.18,
                   vertical_spacing=min(0.12, 0.5 / rows))
    for i, (group, pairs) in enumerate(top.items()):
        fig.add_trace(_bars(pairs, group, i), row=i // columns + 1, col=i % columns + 1)
    fig.update_yaxes(autorange="reversed")
    return fig


def _menu(top: dict[str, list[tuple[str, float]]]) -> go.Figure:
    """One group at a time, chosen from a menu (dozens of panels draw slowly and read badly)."""
    fig = figure(height=380, showlegend=False, margin=dict(l=140, r=20, t=50, b=40))
    groups = list(top)
    for i, group in enumerate(groups):
        fig.add_trace(_bars(top[group], group, i, visible=i == 0))
    buttons = [dict(label=group, method="update",
                    args=[{"visible": [j == i for j in range(len(groups))]}])
               for i, group in enumerate(groups)]
    fig.update_layout(updatemenus=[dict(buttons=buttons, x=0, xanchor="left", y=1.14,
                                        yanchor="top", showactive=True)])
    fig.update_yaxes(autorange="reversed")
    return fig


def build(view: ModelView, cache: dict) -> list[Block]:
    reader = READERS.get(view.family)
    if reader is None:
        return []
    top, kind = reader(view)
    top = {group: pairs for group, pairs in top.items() if pairs}
    if not top:
        return []
    fig = _panels(top) if len(top) <= PANELS else _menu(top)
    return [Chart("top", f"most informative {kind} n-grams", fig,
                  f"The {TOP} {kind} n-grams with the largest weights toward each "
                  f"{'group' if view.task.head in ('cumulative', 'linear') else 'label'} in the "
                  f"linear model (on tf-idf features, so a weight counts per unit of tf-idf)"
                  + ("." if len(top) <= PANELS else "; choose the label in the menu."),
                  wide=len(top) <= PANELS)]
