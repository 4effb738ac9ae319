"""PNG copies of the report's main charts, for slides and papers (`textladder report --png`).

Written by kaleido, which draws plotly figures with a headless browser; it is needed only here,
so a plain report needs no browser engine. The embedding maps are left out (their hover texts
are the point of them).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from textladder.errors import TextladderError

NEEDS_KALEIDO = "--png needs kaleido: pip install kaleido (the HTML report needs nothing more)."
WIDTH = 900


def kaleido_installed() -> bool:
    return importlib.util.find_spec("kaleido") is not None


def check_png() -> None:
    if not kaleido_installed():
        raise TextladderError(NEEDS_KALEIDO)


def write_pngs(charts: dict, folder: Path) -> list[Path]:
    """Write each chart marked `png` as `folder/<id>.png`; returns the paths."""
    check_png()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for identifier, chart in charts.items():
        if not chart.png:
            continue
        path = folder / f"{identifier}.png"
        chart.figure.write_image(str(path), width=WIDTH if not chart.wide else 2 * WIDTH,
                                 height=chart.figure.layout.height or 380, scale=2)
        written.append(path)
    return written
