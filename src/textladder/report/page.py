"""Lay a report's blocks out as one self-contained HTML page.

The page embeds plotly's JavaScript once, with the first chart (`to_html(include_plotlyjs=True)`,
then False), so it opens offline and can be mailed; it loads nothing from the network. Sections
come in order: the data, the leaderboard of a climb, then one section per model (the best first).
Each chart sits in a `div.chart` card whose id names its section and kind, which is what the
tests look for. Text from the data (labels, texts) is escaped.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

from textladder._version import __version__
from textladder.report.blocks import Block, Chart, Note, Table

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
        first = [True]
        nav = "".join(f'<a href="#{sid}">{html.escape(name)}</a>' for sid, name, _ in self.sections)
        body = "".join(self._section(sid, name, blocks, first)
                       for sid, name, blocks in self.sections)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{STYLE}</style></head><body>"
                f"<header><h1>{html.escape(self.title)}</h1><p>{html.escape(self.subtitle)} · "
                f"textladder {__version__} · {stamp}</p></header><nav>{nav}</nav>{body}"
                f"</body></html>")

    def _section(self, sid: str, name: str, blocks: list[Block], first: list[bool]) -> str:
        cards = []
        for block in blocks:
            bid = f"{sid}-{slug(block.key)}"
            wide = " wide" if getattr(block, "wide", False) else ""
            title = f"<h3>{html.escape(block.title)}</h3>"
            if isinstance(block, Chart):
                height = block.figure.layout.height or 380
                plot = block.figure.to_html(full_html=False, include_plotlyjs=first[0],
                                            div_id=f"plot-{bid}", config=CONFIG,
                                            default_width="100%",
                                            default_height=f"{height}px")
                first[0] = False
                content = f'<div class="chart" data-chart="{bid}">{plot}</div>'
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
