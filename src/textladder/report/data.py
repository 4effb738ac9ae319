"""The data section: what the models learned from.

The class or label distribution (a pie of the training rows, or bars where there are many
labels; a histogram of the scores for a regression) with its imbalance ratio, the rows per split,
the histogram of words per training text with the suggested maximum length and the lengths the
models chose, the label co-occurrence heatmap of a multi-label task, and the problems `inspect`
finds. Read from the `data.json` that training recorded.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, Note, Table, colour, figure, fmt
from textladder.report.sources import ModelView, Source

PIE_LIMIT = 10  # more classes than this: bars

# What each family reads of a text, where it cuts it: (where in the config, unit). Families not
# listed read every word (tf-idf, fastText) or have their own windows (finetune).
MAX_LENGTH = {
    "finetune": ("settings", "wordpiece tokens per window (longer texts are read as several "
                             "windows)"),
}
DEFAULT_MAX_LENGTH = ("chosen", "tokens (longer texts are cut)")


def _max_lengths(models: list[ModelView]) -> list[tuple[str, int, str]]:
    found = []
    for view in models:
        where, unit = MAX_LENGTH.get(view.family, DEFAULT_MAX_LENGTH)
        value = (view.settings if where == "settings" else view.chosen).get("max_length")
        if isinstance(value, (int, float)) and value:
            found.append((view.name, int(value), unit))
    return found


def _distribution(data: dict) -> Chart:
    counts = data["counts"]["train"]
    ratio = data["balance"].get("imbalance_ratio")
    title = f"training labels (imbalance ratio {ratio:g}:1)" if ratio else "training labels"
    labels, values = list(counts), list(counts.values())
    if len(labels) <= PIE_LIMIT:
        fig = figure()
        fig.add_trace(go.Pie(labels=labels, values=values, sort=False, hole=0.35,
                             marker=dict(colors=[colour(i) for i in range(len(labels))]),
                             textinfo="label+percent"))
    else:
        order = np.argsort(values)
        fig = figure(height=max(320, 22 * len(labels)))
        fig.add_trace(go.Bar(x=[values[i] for i in order], y=[labels[i] for i in order],
                             orientation="h", marker_color=colour(0)))
        fig.update_layout(xaxis_title="training rows")
    caption = ("Rows per label; a text may carry several labels." if data["task"] == "multilabel"
               else "Rows per class. The imbalance ratio is the largest class over the smallest.")
    return Chart("distribution", title, fig, caption)


def _scores(data: dict) -> Chart:
    histogram = data["counts"]["train"]
    edges = np.asarray(histogram["edges"])
    fig = figure(xaxis_title="score", yaxis_title="training rows", bargap=0.02)
    fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=histogram["counts"],
                         width=np.diff(edges), marker_color=colour(0)))
    spread = data["balance"]["distribution"]
    return Chart("distribution", "training scores", fig,
                 f"Mean {spread['mean']:.3g}, median {spread['median']:.3g}, from "
                 f"{spread['min']:.3g} to {spread['max']:.3g}.")


def _splits(data: dict) -> Table | None:
    counts = data["counts"]
    if data["task"] == "regression":
        return Table("splits", "rows per split", ["split", "rows"],
                     [[name, fmt(rows)] for name, rows in data["rows"].items()], wide=False)
    names = list(counts)
    rows = []
    for label in data["labels"]:
        rows.append([label] + [f"{counts[n].get(label, 0):,} "
                               f"({100 * counts[n].get(label, 0) / max(data['rows'][n], 1):.1f} %)"
                               for n in names])
    rows.append(["rows"] + [fmt(data["rows"][n]) for n in names])
    return Table("splits", "labels per split", ["label", *names], rows,
                 "Every split keeps the training balance when it is split from the training "
                 "file.", wide=False)


def _lengths(data: dict, models: list[ModelView]) -> Chart:
    lengths = data["lengths"]
    histogram = lengths["histogram"]
    edges = np.asarray(histogram["edges"])
    fig = figure(xaxis_title="words per text", yaxis_title="training texts", bargap=0.02)
    fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=histogram["counts"],
                         width=np.diff(edges), marker_color=colour(0), name="texts"))
    suggested = lengths["suggested_max_length"]
    fig.add_vline(x=suggested, line_dash="dash", line_color=colour(3),
                  annotation_text=f"95th percentile: {suggested} words",
                  annotation_position="top right")
    chosen = _max_lengths(models)
    for i, (name, value, unit) in enumerate(chosen):
        if unit == DEFAULT_MAX_LENGTH[1]:  # word tokens: on this axis (wordpieces are not)
            fig.add_vline(x=value, line_dash="dot", line_color=colour(4 + i),
                          annotation_text=f"{name}: {value}", annotation_position="bottom right")
    words = lengths["words"]
    caption = (f"Median {words['p50']:g} words, 95th percentile {words['p95']:g}, longest "
               f"{histogram['longest']:,} (the last bar holds every text beyond it).")
    if chosen:
        caption += " Lengths the models chose: " + "; ".join(
            f"{name}: {value} {unit}" for name, value, unit in chosen) + "."
    return Chart("lengths", "text length, with the maximum length", fig, caption)


def _cooccurrence(data: dict) -> Chart:
    matrix = np.asarray(data["cooccurrence"], dtype=float)
    labels = data["labels"]
    totals = np.maximum(np.diag(matrix), 1)
    share = matrix / totals[:, None]
    size = max(360, 26 * len(labels) + 120)
    fig = figure(height=size, xaxis_title="also carries", yaxis_title="rows with")
    fig.add_trace(go.Heatmap(z=share, x=labels, y=labels, colorscale="Blues", zmin=0, zmax=1,
                             customdata=matrix.astype(int),
                             hovertemplate="%{customdata} rows with %{y} also carry %{x} "
                                           "(%{z:.0%})<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return Chart("cooccurrence", "label co-occurrence", fig,
                 "Share of the training rows with the row's label that also carry the "
                 "column's (the diagonal is 1).", wide=len(labels) > 12)


def build(source: Source) -> list[Block]:
    data = source.data
    if data is None:
        return [Note("missing", "no data summary", [
            "These models were saved before training recorded its data for the report; train "
            "them again to see the data here."], bullets=False)]
    blocks: list[Block] = [_scores(data) if data["task"] == "regression" else _distribution(data)]
    splits = _splits(data)
    if splits is not None:
        blocks.append(splits)
    blocks.append(_lengths(data, source.models))
    if data.get("cooccurrence"):
        blocks.append(_cooccurrence(data))
    problems = data.get("problems") or ["none found"]
    blocks.append(Note("problems", "problems in the training data", problems))
    return blocks
