"""Lay a report's blocks out as one self-contained HTML page.

The page embeds plotly's JavaScript once, in its head, so it opens offline and can be mailed; it
loads nothing from the network. Sections come in order: the data, the leaderboard of a climb,
then one section per model (the best first). Each chart sits in a `div.chart` card whose id names
its section and kind, which is what the tests look for. Text from the data (labels, texts) is
escaped.

Charts are drawn progressively: each figure is stored as JSON beside its container (plotly's
encoder, which escapes `<`), and a small loader draws the charts on the first screen (and those
scrolled near) at once, then the others one per idle moment. A climb's report holds dozens of
charts; drawing them all before the page responds (`to_html` per figure) took several seconds.
`textladderDrawAll()` draws whatever is left at once (for printing). The charts' shared look (the
plotly_white template) is sent once, not with every figure.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly

from textladder._version import __version__
from textladder.report.blocks import TEMPLATE, Block, Chart, Note, Table

CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["sendDataToCloud"], "toImageButtonOptions": {"scale": 2}}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222;
       background: #f6f7f9; }
header { background: #1f2a44; color: white; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: 0.85; }
nav { position: sticky; top: 0; background: white; border-bottom: 1px solid #ddd; padding: 8px 28px;
      z-index: 10; overflow-x: auto; white-space: nowrap; }
nav a { margin-right: 16px; color: #1f5fa8; text-decoration: none; font-size: 14px; }
section { padding: 8px 28px 20px; }
section > h2 { border-bottom: 2px solid #1f2a44; padding-bottom: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }
.card { background: white; border: 1px solid #e2e4e8; border-radius: 6px; padding: 10px 14px;
        min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h3 { margin: 4px 0 8px; font-size: 15px; }
.caption { color: #555; font-size: 13px; margin: 6px 0 2px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td.text { max-width: 640px; }
"""


# Draw the charts near the screen now, the others one per idle moment (see the docstring).
LOADER = """
(function () {
  const template = JSON.parse(document.getElementById('plot-template').textContent);
  const pending = new Map();
  function draw(div) {
    const spec = pending.get(div);
    if (!spec) return;
    pending.delete(div);
    observer.unobserve(div);
    const figure = JSON.parse(spec.textContent);
    figure.layout.template = template;
    Plotly.newPlot(div, figure.data, figure.layout, PLOT_CONFIG);
  }
  const observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) { if (entry.isIntersecting) draw(entry.target); });
  }, {rootMargin: '600px 0px'});
  document.querySelectorAll('script[data-plot]').forEach(function (spec) {
    const div = document.getElementById(spec.dataset.plot);
    pending.set(div, spec);
    observer.observe(div);
  });
  const later = window.requestIdleCallback || function (f) { return setTimeout(f, 30); };
  function next() {
    const div = pending.keys().next().value;
    if (div) { draw(div); later(next); }
  }
  window.addEventListener('load', function () { later(next); });
  window.textladderDrawAll = function () { Array.from(pending.keys()).forEach(draw); };
})();
"""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class Page:
    """Collects sections of blocks, then writes them as HTML (`html()`)."""

    def __init__(self, title: str, subtitle: str):
        self.title, self.subtitle = title, subtitle
        self.sections: list[tuple[str, str, list[Block]]] = []
        self.charts: dict[str, Chart] = {}  # id -> chart, for --png

    def add(self, name: str, blocks: list[Block], key: str | None = None) -> None:
        if blocks:
            identifier = slug(key or name)
            taken = {s[0] for s in self.sections}
            while identifier in taken:
                identifier += "-x"
            self.sections.append((identifier, name, blocks))
            self.charts.update({f"{identifier}-{slug(b.key)}": b for b in blocks
                                if isinstance(b, Chart)})

    def html(self) -> str:
        nav = "".join(f'<a href="#{sid}">{html.escape(name)}</a>' for sid, name, _ in self.sections)
        body = "".join(self._section(sid, name, blocks)
                       for sid, name, blocks in self.sections)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        from plotly.offline import get_plotlyjs

        template = to_json_plotly(pio.templates[TEMPLATE].to_plotly_json())
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{STYLE}</style>"
                f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
                f"<header><h1>{html.escape(self.title)}</h1><p>{html.escape(self.subtitle)} · "
                f"textladder {__version__} · {stamp}</p></header><nav>{nav}</nav>{body}"
                f'<script type="application/json" id="plot-template">{template}</script>'
                f"<script>const PLOT_CONFIG = {json.dumps(CONFIG)};{LOADER}</script>"
                f"</body></html>")

    def _section(self, sid: str, name: str, blocks: list[Block]) -> str:
        cards = []
        for block in blocks:
            bid = f"{sid}-{slug(block.key)}"
            wide = " wide" if getattr(block, "wide", False) else ""
            title = f"<h3>{html.escape(block.title)}</h3>"
            if isinstance(block, Chart):
                height = block.figure.layout.height or 380
                figure = go.Figure(block.figure)
                figure.layout.template = None  # the page's, sent once
                content = (f'<div class="chart" data-chart="{bid}"><div id="plot-{bid}" '
                           f'class="plotly-graph-div" style="height:{height}px; width:100%;">'
                           f'</div><script type="application/json" data-plot="plot-{bid}">'
                           f"{figure.to_json()}</script></div>")
                caption = block.caption
            elif isinstance(block, Table):
                content = _table(block)
                caption = block.caption
            else:
                content = _note(block)
                caption = ""
            caption = f'<p class="caption">{html.escape(caption)}</p>' if caption else ""
            cards.append(f'<div class="card{wide}" id="{bid}">{title}{content}{caption}</div>')
        return (f'<section id="{sid}"><h2>{html.escape(name)}</h2>'
                f'<div class="grid">{"".join(cards)}</div></section>')


def _table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    rows = "".join("<tr>" + "".join(
        f'<td{" class=text" if j == 0 else ""}>{html.escape(str(cell))}</td>'
        for j, cell in enumerate(row)) + "</tr>" for row in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _note(note: Note) -> str:
    if note.bullets:
        return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in note.items) + "</ul>"
    return "".join(f"<p>{html.escape(item)}</p>" for item in note.items)
