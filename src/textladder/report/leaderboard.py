"""The leaderboard of a climb: every rung, baseline and ensemble tried, in order, from
`leaderboard.json` (one row each: status, validation and test scores, time, speed, size)."""

from __future__ import annotations

import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, Table, colour, figure, fmt
from textladder.report.sources import Source


def _chart(board: dict) -> Chart | None:
    metric = board.get("primary_metric", "score")
    done = [row for row in board.get("rows", []) if row.get("status") == "done"]
    if not done:
        return None
    names = [row["name"] for row in done]
    fig = figure(height=max(300, 40 * len(done) + 120), xaxis_title=metric, barmode="group")
    for i, split in enumerate(("valid", "test")):
        values = [row.get(split, {}).get(metric) for row in done]
        fig.add_trace(go.Bar(y=names, x=values, orientation="h", name=split,
                             marker_color=colour(i),
                             text=[fmt(v) for v in values], textposition="auto"))
    fig.update_yaxes(autorange="reversed")
    best = board.get("best")
    better = "higher" if board.get("greater_is_better", True) else "lower"
    return Chart("scores", f"{metric} by model", fig,
                 f"In the order tried; {better} is better. The best on validation "
                 f"({best}) is the run's model; test was scored once per model.")


def _number(value, decimals: int = 0) -> str:
    """Seconds, texts/s or megabytes for the table: thousands separated, or n/a."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        return "n/a"
    return f"{value:,.{decimals}f}"


def build(source: Source) -> list[Block]:
    board = source.leaderboard
    if board is None:
        return []
    metric = board.get("primary_metric", "score")
    rows = []
    for row in board.get("rows", []):
        name = row["name"] + (" (best)" if row["name"] == board.get("best") else "")
        size = row.get("size_bytes")
        rows.append([name, row.get("family") or "", row.get("kind") or "", row.get("status", ""),
                     fmt(row.get("valid", {}).get(metric)), fmt(row.get("test", {}).get(metric)),
                     _number(row.get("train_seconds"), 1), _number(row.get("predict_texts_per_s")),
                     _number(size / 1e6 if isinstance(size, (int, float)) else None, 1),
                     "; ".join(part for part in (", ".join(row.get("members") or []),
                                                 row.get("reason") or "") if part)])
    budget = board.get("budget_seconds")
    table = Table("table", "leaderboard",
                  ["model", "family", "kind", "status", f"valid {metric}", f"test {metric}",
                   "train s", "texts/s", "MB", "members / reason"], rows,
                  f"Task {board.get('task', '?')}" + (f", budget {budget:g} s." if budget else "."))
    chart = _chart(board)
    return [table] + ([chart] if chart else [])
