"""The pieces a report page is made of, and the look the charts share.

A section module returns a list of blocks: a `Chart` (a plotly figure with a title and a caption),
a `Table` (rows of plain strings) or a `Note` (sentences or a list). The page (`page.py`) lays
them out; none of them knows about HTML beyond its own content. The caps here keep a report of a
large run small and quick to open: no chart draws more than `MAX_POINTS` points, and hover texts
are cut at `HOVER_CHARS` characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

MAX_POINTS = 1000  # per scatter chart
HOVER_CHARS = 160
HEIGHT = 380
TEMPLATE = "plotly_white"  # the charts' look; the page sends it once
COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
           "#FF9DA6", "#9D755D", "#BAB0AC")
MORE_COLOURS = ("#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02", "#A6761D",
                "#666666", "#8DD3C7", "#BEBADA", "#FB8072", "#80B1D3", "#FDB462", "#B3DE69",
                "#FCCDE5", "#BC80BD", "#CCEBC5", "#FFED6F", "#393B79", "#637939")  # 30 in all


@dataclass
class Chart:
    key: str  # unique within its section; the page prefixes it with the section's id
    title: str
    figure: go.Figure
    caption: str = ""
    wide: bool = False  # spans the page's width
    png: bool = True  # among the charts `--png` writes


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    wide: bool = True


@dataclass
class Note:
    key: str
    title: str
    items: list[str] = field(default_factory=list)
    bullets: bool = True


Block = Chart | Table | Note


def figure(height: int = HEIGHT, **layout) -> go.Figure:
    """An empty figure with the report's look."""
    fig = go.Figure()
    fig.update_layout(**{"template": TEMPLATE, "height": height, "autosize": True,
                         "margin": dict(l=60, r=20, t=30, b=50), "font": dict(size=12),
                         "legend": dict(orientation="h", y=-0.2), **layout})
    return fig


def subplots(rows: int, cols: int, titles: list[str], height: int = HEIGHT, **layout) -> go.Figure:
    """A figure of `rows` x `cols` panels with the report's look."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles,
                        **{k: layout.pop(k) for k in ("horizontal_spacing", "vertical_spacing")
                           if k in layout})
    fig.update_layout(**{"template": TEMPLATE, "height": height,
                         "margin": dict(l=60, r=20, t=40, b=50),
                         "legend": dict(orientation="h", y=-0.2), **layout})
    return fig


def short(text: str, limit: int = HOVER_CHARS) -> str:
    """`text` on one line, cut at `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def safe(text: str) -> str:
    """`text` for a plotly hover label, which reads a few HTML tags: shown as typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def colour(i: int) -> str:
    palette = COLOURS + MORE_COLOURS
    return palette[i % len(palette)]


def capped(n: int, limit: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """At most `limit` of the indices 0..n-1, seeded, in order."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def fmt(value) -> str:
    """A metric for a table: four decimals, or n/a."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}"
    return str(value)
