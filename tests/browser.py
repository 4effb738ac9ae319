"""Open a report in a real headless Chromium with the network off, and say what it shows.

The page draws its charts progressively (`report/page.py`): `open` waits until every one is
drawn, and records how long the first screenful took and how long all of them took.

`Browser` drives Debian's chromium through playwright (the system browser: nothing is
downloaded). Every request that is not for a local file is aborted and counted; console errors
and page errors are collected; each chart container is measured by the marks plotly drew in it
(points, line paths, bars, pie slices, heatmap images).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]

# Per chart container: how many drawn marks of each kind it holds, and whether plotly laid it out.
MEASURE = """() => Array.from(document.querySelectorAll('div.chart')).map(chart => {
  const plot = chart.querySelector('.js-plotly-plot');
  const count = selector => plot ? plot.querySelectorAll(selector).length : 0;
  return {id: chart.dataset.chart, laid_out: !!(plot && plot._fullLayout),
          points: count('.scatterlayer path.point'), lines: count('.scatterlayer path.js-line'),
          bars: count('.barlayer path'), slices: count('.pielayer path.surface'),
          heatmaps: count('.heatmaplayer image, image.hm')};
})"""


# Whether every chart of CHARTS is laid out; ON_SCREEN: those in the first screenful.
DRAWN = """() => { const charts = Array.from(document.querySelectorAll('div.chart'));
  return CHARTS.every(c => {
    const p = c.querySelector('.js-plotly-plot'); return p && p._fullLayout; }); }"""
ON_SCREEN = "charts.filter(c => c.getBoundingClientRect().top < window.innerHeight)"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Opened:
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    charts: dict[str, dict] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)
    first_screen: float = 0.0  # until the charts of the first screenful were drawn
    seconds: float = 0.0  # until every chart was drawn

    def marks(self, chart: str) -> int:
        found = self.charts[chart]
        return sum(v for k, v in found.items() if k not in ("id", "laid_out"))


class Browser:
    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=chromium_path(),
                                                        args=CHROMIUM_ARGS)

    def open(self, path: Path, timeout_s: float = 60) -> Opened:
        opened = Opened()
        page = self.browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))

        def route(r):
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                opened.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        start = time.perf_counter()
        page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_function(DRAWN.replace("CHARTS", ON_SCREEN), timeout=timeout_s * 1000)
        opened.first_screen = time.perf_counter() - start
        page.wait_for_function(DRAWN.replace("CHARTS", "charts"), timeout=timeout_s * 1000)
        opened.seconds = time.perf_counter() - start
        opened.charts = {c["id"]: c for c in page.evaluate(MEASURE)}
        opened.sections = page.evaluate(
            "() => Array.from(document.querySelectorAll('section')).map(s => s.id)")
        opened.cards = page.evaluate(
            "() => Array.from(document.querySelectorAll('.card')).map(c => c.id)")
        page.close()
        return opened

    def screenshot(self, path: Path, out: Path) -> None:
        page = self.browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        page.screenshot(path=str(out), full_page=True)
        page.close()

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()
